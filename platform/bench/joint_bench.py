#!/usr/bin/env python3
"""Joint-approval benchmark: accepting a 6-leg bundle across two centres (4 legs at Beilin, 2 at the
city centre) vs accepting one single case, median and p99 latency, and their ratio [<= 3x].

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/govservice \
        python platform/bench/joint_bench.py [--rounds 200] [--keep] [--write]

Both are measured the same way: Django's test client in-process on Beilin's host, a window clerk
signed in, through the API, so routing, authentication, serialisation and every query count and no
network or server does.
  single  POST /api/v1/cases/ (submit at the window) then POST /api/v1/cases/<id>/transitions/
          {"action": "accept"}: the two requests one case needs.
  joint   POST /api/v1/joint/cases/ {"bundle": ...}: one request; 6 cases submitted and accepted in
          two schemas, 6 registry rows, the merged checklist, the joint case and its legs, one
          transaction.
Rounds alternate single / joint after 10 warm-up rounds of each. Reported: median and p99 of each,
queries per round, and the ratio of the medians (and of the p99s). JOINT_BENCH_STATEMENTS=1 prints each
statement of the last round of each to stderr.

Like run.py, it never touches the DATABASE_URL database: it creates `bench_<name>_joint` on the same
server (dropped first if it exists, and at the end unless --keep). Also a step of run.py
(`--only joint`). --write replaces the joint block of docs/benchmarks.md.
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
    log,
    prepare_migrated_db,
)

DOC = REPO / "docs" / "benchmarks.md"
MARK_START = "<!-- bench:joint:start -->"
MARK_END = "<!-- bench:joint:end -->"
TARGET_RATIO = 3.0
USCC = "91610103MA0000001N"


def measure(db_url: str, rounds: int, profile: int = 0) -> dict:
    proc = subprocess.run([PYTHON, str(Path(__file__).resolve()), "--worker", str(rounds), "--profile", str(profile)],
                          cwd=REPO, env=child_env(db_url), stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"joint worker failed ({proc.returncode})")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise SystemExit("joint worker printed no result")


def run_bench(url: str, rounds: int = 200, keep: bool = False, profile: int = 0) -> dict:
    name = bench_dbname(url, "joint")
    db_url = prepare_migrated_db(url, name)
    try:
        return measure(db_url, rounds, profile)
    finally:
        if not keep:
            drop_db(url, name)


def met(result: dict) -> bool:
    return result["ratio_median"] <= TARGET_RATIO


def render(result: dict) -> str:
    s, j = result["single"], result["joint"]
    return "\n".join([
        "| what (rounds) | median ms | p99 ms | queries | target | verdict |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| one case: submit + accept, 2 API requests ({s['rounds']}) | {s['median_ms']:.1f} | {s['p99_ms']:.1f} "
        f"| {s['queries']} | | |",
        f"| 6-leg bundle across 2 centres, 1 API request ({j['rounds']}) | {j['median_ms']:.1f} | {j['p99_ms']:.1f} "
        f"| {j['queries']} | | |",
        f"| ratio joint / single | {result['ratio_median']:.2f} | {result['ratio_p99']:.2f} | | <= 3x (median) "
        f"| {'met' if met(result) else 'NOT met'} |"])


def write_doc(result: dict, args_line: str) -> None:
    block = (f"{MARK_START}\nLatest run: {result['date']}, `{args_line}`.\n\n{render(result)}\n{MARK_END}")
    text = DOC.read_text()
    if MARK_START in text:
        head, rest = text.split(MARK_START, 1)
        _, tail = rest.split(MARK_END, 1)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n## Joint approvals: accepting a 6-leg bundle\n\n" + block + "\n"
    DOC.write_text(text)
    log(f"wrote {DOC.relative_to(REPO)}")


# --- the Django side (child process) ----------------------------------------------------------------

ITEMS = [  # code, department, name, level (city: the city centre handles it), materials
    ("610100SC-XK-0901", "SC", "企业设立登记", "local", ["申请表", "法定代表人身份证明", "公司章程"]),
    ("610100GA-BA-0901", "GA", "印章刻制备案", "local", ["申请表", "营业执照复印件"]),
    ("610100GS-QR-0901", "GS", "税务登记（国税）", "local", ["税务登记表", "营业执照", "经营场所使用证明"]),
    ("610100DS-QR-0901", "DS", "税务登记（地税）", "local", ["税务登记表", "营业执照", "经营场所使用证明"]),
    ("610100RS-GG-0901", "RS", "社会保险登记", "city", ["申请表", "营业执照", "劳动合同"]),
    ("610100GJ-GG-0901", "GJ", "住房公积金缴存登记", "city", ["申请表", "营业执照", "职工名册"]),
]


def worker(rounds: int, profile: int = 0) -> dict:
    import datetime as dt

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from catalog.models import Adoption, Department
    from catalog.services import item_create, version_create_draft, version_publish
    from joint_approval.models import Bundle, BundleItem
    from tenants.choices import Role
    from tenants.models import Centre
    from tenants.services import centre_bulk_onboard, membership_grant, user_get_or_create
    from tenants.validation import CentreInput

    centre_bulk_onboard(rows=[
        CentreInput("city", "610100", "xian", "西安市政务服务中心", "Xi'an Centre", ""),
        CentreInput("district", "610103", "beilin", "碑林区", "Beilin District", "610100"),
    ], acting_user=None)
    centres = list(Centre.objects.all())
    beilin = Centre.objects.get(division_code="610103")
    since = dt.date(2020, 1, 1)
    bundle = Bundle.objects.create(code="bench", name_zh="开办企业", name_en="Start a company",
                                   stage="establishment", promised_days=5)
    for position, (code, dept, name, level, materials) in enumerate(ITEMS, start=1):
        department, _ = Department.objects.get_or_create(code=dept, defaults={"name_zh": dept, "name_en": dept})
        item = item_create(code=code, department=department, category="licence", item_type=code[9:11],
                           levels=["city", "district"], acting_user=None)
        version = version_create_draft(item=item, content={"name_zh": name, "name_en": name, "legal_limit_days": 20,
                                                           "promised_limit_days": 5},
                                       materials=[{"name_zh": m, "name_en": m} for m in materials],
                                       effective_from=since, acting_user=None)
        version_publish(version=version, acting_user=None, today=since)
        item.refresh_from_db()
        for centre in centres:
            Adoption.objects.create(centre=centre, item=item, starts_on=since)
        BundleItem.objects.create(bundle=bundle, item=item, level=level, position=position,
                                  produces_zh="营业执照" if position == 1 else "")
    clerk = user_get_or_create(username="bench-clerk", full_name="窗口人员", password=None)
    membership_grant(user=clerk, centre=beilin, role=Role.WINDOW_CLERK, acting_user=None)

    client = Client(HTTP_HOST=f"{beilin.slug}.{settings.PLATFORM_DOMAIN}")
    client.force_login(clerk)
    applicant = {"applicant_kind": "organisation", "applicant_name": "西安测试科技有限公司",
                 "applicant_id_number": USCC, "phone": "13912345678"}

    def single() -> None:
        submitted = client.post("/api/v1/cases/", {**applicant, "item_code": ITEMS[0][0]},
                                content_type="application/json")
        assert submitted.status_code == 201, submitted.content  # noqa: S101
        accepted = client.post(f"/api/v1/cases/{submitted.json()['id']}/transitions/", {"action": "accept"},
                               content_type="application/json")
        assert accepted.status_code == 200, accepted.content  # noqa: S101

    def joint() -> None:
        response = client.post("/api/v1/joint/cases/", {**applicant, "bundle": "bench", "provided": ["申请表"]},
                               content_type="application/json")
        assert response.status_code == 201, response.content  # noqa: S101
        assert len(response.json()["legs"]) == 6  # noqa: S101

    times: dict[str, list[float]] = {"single": [], "joint": []}
    cpu: dict[str, list[float]] = {"single": [], "joint": []}
    queries: dict[str, int] = {}
    statements: dict[str, list[str]] = {}
    for _ in range(10):
        single()
        joint()
    for _ in range(rounds):
        for name, fn in (("single", single), ("joint", joint)):
            reset_queries()  # the capture reads a bounded log: start each round empty
            with CaptureQueriesContext(connection) as captured:
                started, cpu_started = time.perf_counter(), time.process_time()
                fn()
                times[name].append((time.perf_counter() - started) * 1000)
                cpu[name].append((time.process_time() - cpu_started) * 1000)
            queries[name] = len(captured)
            statements[name] = [q["sql"] for q in captured]
    if os.environ.get("JOINT_BENCH_STATEMENTS"):  # each statement of the last round, to stderr
        for name, sqls in statements.items():
            print(f"--- statements of one {name} round", *(f"{n:3} {sql[:160]}" for n, sql in enumerate(sqls, 1)),
                  sep="\n", file=sys.stderr)
    if profile:
        import cProfile
        import io
        import pstats

        for name, fn in (("single", single), ("joint", joint)):
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for _ in range(profile):
                fn()
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative").print_stats(70)
            print(f"--- profile (CPU time) of {profile} x {name}\n{out.getvalue()}", file=sys.stderr)

    def summary(name: str) -> dict:
        values = sorted(times[name])
        return {"rounds": len(values), "median_ms": statistics.median(values),
                "p99_ms": values[max(int(0.99 * len(values)) - 1, 0)], "queries": queries[name],
                "cpu_median_ms": statistics.median(cpu[name])}

    s, j = summary("single"), summary("joint")
    return {"single": s, "joint": j, "ratio_median": j["median_ms"] / s["median_ms"],
            "ratio_cpu": j["cpu_median_ms"] / s["cpu_median_ms"],
            "ratio_p99": j["p99_ms"] / s["p99_ms"], "date": time.strftime("%Y-%m-%d")}


def main() -> None:
    if "--worker" in sys.argv:
        result = worker(int(sys.argv[sys.argv.index("--worker") + 1]),
                        int(sys.argv[sys.argv.index("--profile") + 1]) if "--profile" in sys.argv else 0)
        print(RESULT_PREFIX + json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200, help="measured rounds of each (after 10 warm-up)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="after the rounds, N more of each under cProfile (CPU time), to stderr")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("Set DATABASE_URL: the bench database is created on that server.")
    result = run_bench(url, args.rounds, keep=args.keep, profile=args.profile)
    print(render(result))
    s, j = result["single"], result["joint"]
    print(f"CPU of the Django process, median: single {s['cpu_median_ms']:.1f} ms, joint {j['cpu_median_ms']:.1f} ms, "
          f"ratio {result['ratio_cpu']:.2f}")
    if args.write:
        write_doc(result, "python platform/bench/joint_bench.py" + "".join(
            f" {a}" for a in sys.argv[1:] if a not in ("--write", "--keep")))


if __name__ == "__main__":
    main()
