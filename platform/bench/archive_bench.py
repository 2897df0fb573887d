#!/usr/bin/env python3
"""Electronic-archive benchmark: a key project's archive (重点项目电子档案) of 20 cases, 10 at the city centre and
10 at a development zone, each with 5 files: two A4 scans as JPEG (2480 × 3508, about 1.6 MB each), a photo as
PNG (1200 × 1600), an uploaded PDF and the decision PDF — 100 files, about 190 MB of uploads.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/govservice \
        python platform/bench/archive_bench.py [--rounds 3] [--keep]

Measured in a child process, through `portal.archive.project_archive_for` (what `/online/projects/<id>/archive/`
serves: the project's cases found in the registry, each read through `cases.door.cases_archive` at its centre,
every image converted to PDF/A-2b, a PDF/A-2b summary per case, the manifests and checksums, the ZIP written to
a temporary file) and then read to its end as the response would be sent:
  seconds      wall time of one archive, median over the rounds (after one warm-up);
  peak_mib     the largest Python allocation at one time while building it (tracemalloc, a separate round);
  rss_mib      the process's peak resident memory growth over the whole run (getrusage), for scale;
  zip_mib      the archive's size.
Target: memory bounded by one file, not by the project: peak well under the uploads' total (<= 64 MiB).

Like run.py, it never touches the DATABASE_URL database: it creates `bench_<name>_archive` on the same server
(dropped first if it exists, and at the end unless --keep). Also a step of run.py (`--only archive`).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))  # run.py's helpers (platform/ is not a package)

from run import (  # noqa: E402
    PYTHON,
    REPO,
    RESULT_PREFIX,
    bench_dbname,
    child_env,
    drop_db,
    prepare_migrated_db,
)

TARGET_PEAK_MIB = 64
USCC = "91610103MA0000001N"
CASES_PER_CENTRE = 10


def measure(db_url: str, rounds: int) -> dict:
    proc = subprocess.run([PYTHON, str(Path(__file__).resolve()), "--worker", str(rounds)],
                          cwd=REPO, env=child_env(db_url), stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"archive worker failed ({proc.returncode})")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise SystemExit("archive worker printed no result")


def run_bench(url: str, rounds: int = 3, keep: bool = False) -> dict:
    name = bench_dbname(url, "archive")
    db_url = prepare_migrated_db(url, name)
    try:
        return measure(db_url, rounds)
    finally:
        if not keep:
            drop_db(url, name)


def met(result: dict) -> bool:
    return result["peak_mib"] <= TARGET_PEAK_MIB


def render(result: dict) -> str:
    return "\n".join([
        "| what | median s | peak Python MiB | RSS growth MiB | ZIP MiB | target | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| key project archive: {result['cases']} cases at 2 centres, {result['files']} files "
        f"({result['uploads_mib']:.0f} MiB uploaded), {result['rounds']} rounds | {result['seconds']:.2f} "
        f"| {result['peak_mib']:.1f} | {result['rss_mib']:.0f} | {result['zip_mib']:.0f} "
        f"| peak <= {TARGET_PEAK_MIB} MiB | {'met' if met(result) else 'NOT met'} |"])


# --- the Django side (child process) ----------------------------------------------------------------

def _files() -> dict[str, tuple[bytes, str]]:
    import io

    from fpdf import FPDF
    from PIL import Image

    def jpeg(seed: int) -> bytes:
        scan = Image.merge("RGB", [Image.effect_noise((2480, 3508), 18 + seed).point(lambda v: 200 + v // 5)] * 3)
        out = io.BytesIO()
        scan.save(out, "JPEG", quality=85)
        return out.getvalue()

    photo = Image.effect_noise((1200, 1600), 30).convert("RGB")
    png = io.BytesIO()
    photo.save(png, "PNG")
    pdf = FPDF()
    for page in range(12):
        pdf.add_page()
        pdf.set_font("helvetica", size=11)
        for line in range(40):
            pdf.cell(0, 6, f"Application page {page + 1}, line {line + 1}: " + "text " * 12, new_x="LMARGIN",
                     new_y="NEXT")
    decision = FPDF()
    decision.add_page()
    decision.set_font("helvetica", size=14)
    decision.cell(0, 10, "Decision: approved")
    return {"scan-1.jpg": (jpeg(0), "image/jpeg"), "scan-2.jpg": (jpeg(4), "image/jpeg"),
            "photo.png": (png.getvalue(), "image/png"), "application.pdf": (bytes(pdf.output()), "application/pdf"),
            "decision.pdf": (bytes(decision.output()), "application/pdf")}


def worker(rounds: int) -> dict:
    import datetime as dt
    import hashlib
    import resource
    import tempfile
    import tracemalloc

    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.test.utils import override_settings
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from cases import door
    from cases.models import CaseDocument
    from catalog.models import Adoption, Department
    from catalog.services import item_create, version_create_draft, version_publish
    from delegation.models import ProjectApproval
    from portal.archive import project_archive_for
    from projects.services import key_project_register
    from tenants.models import Centre, User
    from tenants.services import centre_bulk_onboard
    from tenants.validation import CentreInput

    media = tempfile.TemporaryDirectory(prefix="archive-bench-media-")
    with override_settings(MEDIA_ROOT=media.name), media:
        centre_bulk_onboard(rows=[
            CentreInput("city", "610100", "xian", "西安市政务服务中心", "Xi'an Centre", ""),
            CentreInput("zone", "610171", "gaoxin", "西安高新区", "Xi'an Hi-tech Zone", "610100"),
        ], acting_user=None)
        city, zone = Centre.objects.get(division_code="610100"), Centre.objects.get(division_code="610171")
        since = dt.date(2020, 1, 1)
        department, _ = Department.objects.get_or_create(code="ZJ", defaults={"name_zh": "住建局",
                                                                             "name_en": "Housing"})
        item = item_create(code="610100ZJ-XK-0901", department=department, category="licence", item_type="XK",
                           levels=["city", "zone"], acting_user=None)
        version = version_create_draft(item=item, content={"name_zh": "建筑工程施工许可",
                                                           "name_en": "Construction permit",
                                                           "legal_limit_days": 15, "promised_limit_days": 5},
                                       materials=[{"name_zh": "申请表", "name_en": "Application"}],
                                       effective_from=since, acting_user=None)
        version_publish(version=version, acting_user=None, today=since)
        item.refresh_from_db()
        for centre in (city, zone):
            Adoption.objects.create(centre=centre, item=item, starts_on=since)
        project = key_project_register(year=2026, name_zh="高新区测试产业园", centre=zone,
                                       company_name="西安测试科技有限公司", credit_code=USCC)
        files = _files()
        uploads = 0
        for centre in (city, zone):
            for _n in range(CASES_PER_CENTRE):
                case = door.case_file(centre=centre, item_code=item.code, applicant_kind="organisation",
                                      applicant_name="西安测试科技有限公司", applicant_id_number=USCC,
                                      phone="13912345678", channel="window", acting_user=None).case
                ProjectApproval.objects.create(project=project, item_name="施工许可", centre=centre,
                                               case_number=case.number, finished_on=since)
                with tenant_context(centre):
                    for name, (content, content_type) in files.items():
                        stored = default_storage.save(f"cases/{centre.schema_name}/{case.pk}/{name}",
                                                      ContentFile(content))
                        CaseDocument.objects.create(
                            case=case, kind="decision" if name == "decision.pdf" else "material", file=stored,
                            name=name, content_type=content_type, size=len(content),
                            sha256=hashlib.sha256(content).hexdigest(), uploaded_at=timezone.now())
                        uploads += len(content)
        admin = User.objects.create_superuser(username="bench-admin", password=None)

        def build() -> int:
            found = project_archive_for(user=admin, project_id=project.pk)
            with found.file as zipped:
                while zipped.read(1024 * 1024):
                    pass
            return found.size

        size = build()  # warm-up: fonts, imports
        times = []
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for _ in range(rounds):
            started = time.perf_counter()
            build()
            times.append(time.perf_counter() - started)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        build()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {"cases": 2 * CASES_PER_CENTRE, "files": 2 * CASES_PER_CENTRE * len(files), "rounds": rounds,
            "uploads_mib": uploads / 2**20, "seconds": statistics.median(times), "peak_mib": peak / 2**20,
            "rss_mib": max(rss_after - rss_before, 0) / 1024, "zip_mib": size / 2**20,
            "date": time.strftime("%Y-%m-%d")}


def main() -> None:
    if "--worker" in sys.argv:
        result = worker(int(sys.argv[sys.argv.index("--worker") + 1]))
        print(RESULT_PREFIX + json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds (after one warm-up)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("Set DATABASE_URL: the bench database is created on that server.")
    result = run_bench(url, args.rounds, keep=args.keep)
    print(render(result))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
