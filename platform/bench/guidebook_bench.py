#!/usr/bin/env python3
"""Guide book benchmark: the printable guide book (catalog.guidebook.guidebook_pdf) of a centre
that exercises the demo catalogue (the city: 160 items), with and without a name in CJK Extension B.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/govservice \
        python platform/bench/guidebook_bench.py [--rounds 5] [--keep]

Like run.py, the script never touches the database named in DATABASE_URL: it creates
`bench_<name>_guidebook` on the same server (dropped first if it exists, and again at the end
unless --keep), migrates it, onboards the city and Beilin (tenants.services.centre_bulk_onboard)
and provisions the demo catalogue (catalog.demo.demo_catalogue_provision) in a child process.

Measurements, each the median of --rounds books made in one process after one warm-up book:
  plain     every name in Noto Sans CJK SC: the fallback faces are not loaded
  ext-b     one item renamed `𡉃村道路占用审批` (U+21243): the fallback faces (HanaMin B, BabelStone
            Han; common.glyphs) are loaded and that glyph embedded
Each: seconds per book (wall and this process's CPU: the CPU figure holds when other work shares
the machine), PDF bytes, and whether the U+21243 glyph is in the text (pypdf).
"""
from __future__ import annotations

import argparse
import io
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
    log,
    machine_info,
    prepare_migrated_db,
)

EXT_B_NAME = "𡉃村道路占用审批"


def child_main(rounds: int) -> None:
    import logging

    import django

    django.setup()
    for name in ("tenants", "catalog", "fontTools", "fpdf"):
        logging.getLogger(name).setLevel(logging.ERROR)
    from django.utils import timezone

    from catalog import selectors, services
    from catalog.demo import demo_catalogue_provision
    from catalog.guidebook import guidebook_pdf
    from tenants.models import Centre
    from tenants.services import centre_bulk_onboard
    from tenants.validation import CentreInput

    centre_bulk_onboard(rows=[
        CentreInput("city", "610100", "xian", "西安市政务服务中心", "Xi'an Municipal Government Service Centre", ""),
        CentreInput("district", "610103", "beilin", "碑林区", "Beilin District", "610100")], acting_user=None)
    demo_catalogue_provision()
    centre = Centre.objects.get(division_code="610100")  # the city: the whole demo catalogue
    today = timezone.localdate()

    def book() -> tuple[float, float, bytes, int]:
        adoptions = selectors.centre_catalogue(centre=centre).prefetch_related("item__current_version__materials")
        started, cpu = time.perf_counter(), time.process_time()
        entries = list(adoptions)
        data = guidebook_pdf(centre=centre, adoptions=entries, today=today)
        return time.perf_counter() - started, time.process_time() - cpu, data, len(entries)

    def measure(label: str) -> dict:
        import pypdf

        book()  # warm-up: fonts read, caches filled
        times, cpu_times, data, items = [], [], b"", 0
        for _ in range(rounds):
            seconds, cpu_seconds, data, items = book()
            times.append(seconds)
            cpu_times.append(cpu_seconds)
        text = "".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages)
        result = {"items": items, "median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
                  "median_cpu_s": statistics.median(cpu_times),
                  "bytes": len(data), "ext_b_glyph_in_text": "𡉃" in text}
        log(f"{label}: {items} items, median {result['median_s']:.2f} s ({result['median_cpu_s']:.2f} s CPU), "
            f"{len(data) / 1024:.0f} KiB")
        return result

    result = {"plain": measure("plain")}
    entry = selectors.centre_catalogue(centre=centre).select_related("item").first()
    version = services.version_create_draft(item=entry.item, content={"name_zh": EXT_B_NAME},
                                            effective_from=today, acting_user=None)
    services.version_publish(version=version, acting_user=None, today=today)
    result["ext_b"] = measure("ext-b")
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=5, help="books to time in each case")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    if args.child:
        child_main(args.rounds)
        return
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("Set DATABASE_URL: the bench database is created on that server.")
    machine = machine_info(url)
    name = bench_dbname(url, "guidebook")
    try:
        db_url = prepare_migrated_db(url, name)
        proc = subprocess.run([PYTHON, str(Path(__file__).resolve()), "--child", "--rounds", str(args.rounds)],
                              cwd=REPO, env=child_env(db_url), stdout=subprocess.PIPE, text=True)
    finally:
        if not args.keep:
            drop_db(url, name)
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({proc.returncode})")
    line = next(line for line in reversed(proc.stdout.splitlines()) if line.startswith(RESULT_PREFIX))
    result = json.loads(line[len(RESULT_PREFIX):])
    print(json.dumps({"machine": machine, **result}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
