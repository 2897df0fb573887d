#!/usr/bin/env python3
"""Delegation benchmark: the village agent's workbench page (/delegation/ on a township's host) with
10 and with 1,000 proxy filings: bytes transferred (the HTML; gzip too), database queries per
request, and response time (median and p95 of 30 requests, Django's test client in-process, so
no network or server time).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/govservice \
        python platform/bench/delegation_bench.py [--filings 10,1000] [--keep] [--write]

Like run.py, it never touches the DATABASE_URL database: it creates `bench_<name>_delegation` on the
same server (dropped first if it exists, and at the end unless --keep), migrates it, onboards the city,
Beilin and its Nanyuanmen township, and files for residents through
`delegation.services.proxy_filing_submit` (the real path: consent, case in the township's schema,
registry row, handover step, outbox SMS). Targets: <= 50 KB and <= 5 queries whatever the number of
filings. Also a step of run.py (`--only delegation`). --write replaces the delegation block of
docs/benchmarks.md.
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
MARK_START = "<!-- bench:delegation:start -->"
MARK_END = "<!-- bench:delegation:end -->"
TARGET_BYTES = 50_000
TARGET_QUERIES = 5


def measure(db_url: str, filings: list[int]) -> dict:
    proc = subprocess.run([PYTHON, str(Path(__file__).resolve()), "--worker", ",".join(map(str, filings))],
                          cwd=REPO, env=child_env(db_url), stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"delegation worker failed ({proc.returncode})")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise SystemExit("delegation worker printed no result")


def run_bench(url: str, filings: list[int], keep: bool = False) -> dict:
    name = bench_dbname(url, "delegation")
    db_url = prepare_migrated_db(url, name)
    try:
        return measure(db_url, filings)
    finally:
        if not keep:
            drop_db(url, name)


def met(row: dict) -> bool:
    return row["bytes"] <= TARGET_BYTES and row["queries"] <= TARGET_QUERIES


def render(result: dict) -> str:
    lines = ["| filings | views | bytes (gzip) | queries | median ms | p95 ms | target | verdict |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in result["rows"]:
        lines.append(f"| {row['filings']:,} | `{row['view']}` | {row['bytes']:,} ({row['gzip']:,}) | {row['queries']} "
                     f"| {row['median_ms']:.1f} | {row['p95_ms']:.1f} | <= 50 KB, <= 5 queries "
                     f"| {'met' if met(row) else '**missed**'} |")
    return "\n".join(lines)


def write_doc(result: dict, args_line: str) -> None:
    block = (f"{MARK_START}\nLatest run: {result['date']}, `{args_line}`; filing {result['filed']:,} cases through "
             f"the service took {result['filing_seconds']:.1f} s ({result['per_filing_ms']:.1f} ms a filing).\n\n"
             f"{render(result)}\n{MARK_END}")
    text = DOC.read_text()
    if MARK_START in text:
        head, rest = text.split(MARK_START, 1)
        _, tail = rest.split(MARK_END, 1)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n## Delegation: the agent's workbench\n\n" + block + "\n"
    DOC.write_text(text)
    log(f"wrote {DOC.relative_to(REPO)}")


# --- the Django side (child process) ----------------------------------------------------------------

def worker(counts: list[int]) -> dict:
    import datetime as dt
    import gzip

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, reset_queries, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from stdnum.cn import ric

    from catalog.models import Adoption, Department
    from catalog.services import item_create, version_create_draft, version_publish
    from delegation.services import consent_record, proxy_filing_submit, station_agent_assign, station_create
    from tenants.models import Centre
    from tenants.services import centre_bulk_onboard, user_get_or_create
    from tenants.validation import CentreInput

    centre_bulk_onboard(rows=[
        CentreInput("city", "610100", "xian", "西安市政务服务中心", "Xi'an Centre", ""),
        CentreInput("district", "610103", "beilin", "碑林区", "Beilin District", "610100"),
        CentreInput("township", "610103001", "beilin-nanyuanmen", "南院门街道", "Nanyuanmen Subdistrict", "610103"),
    ], acting_user=None)
    township = Centre.objects.get(division_code="610103001")
    department, _ = Department.objects.get_or_create(code="RS", defaults={"name_zh": "人社局", "name_en": "HR"})
    item = item_create(code="610100RS-GG-0901", department=department, category="public_service", item_type="GG",
                       levels=["city", "district", "township"], acting_user=None)
    version = version_create_draft(item=item, content={"name_zh": "城乡居民养老保险参保登记",
                                                       "name_en": "Residents' pension insurance enrolment",
                                                       "legal_limit_days": 10, "promised_limit_days": 5},
                                   materials=[{"name_zh": "申请表", "name_en": "Application form"}],
                                   effective_from=dt.date(2020, 1, 1), acting_user=None)
    version_publish(version=version, acting_user=None, today=dt.date(2020, 1, 1))
    for centre in Centre.objects.all():
        Adoption.objects.create(centre=centre, item=item, starts_on=dt.date(2020, 1, 1))
    station = station_create(township=township, kind="village", name_zh="南院门第一村便民服务站",
                             division_code="610103001201")
    agent = user_get_or_create(username="bench-agent", full_name="代办员", password=None)
    station_agent_assign(user=agent, station=station, acting_user=None)

    client = Client(HTTP_HOST=f"{township.slug}.{settings.PLATFORM_DOMAIN}")
    client.force_login(agent)
    rows, filed, filing_seconds = [], 0, 0.0
    for count in counts:
        started = time.perf_counter()
        while filed < count:
            body = f"6101031985{1 + filed % 12:02d}{1 + filed % 28:02d}{filed % 1000:03d}"
            id_number = body + ric.calc_check_digit(body + "0")
            now = timezone.now() - dt.timedelta(minutes=count - filed)
            with transaction.atomic():
                consent = consent_record(agent=agent, station=station, resident_name="李四",
                                         resident_id_number=id_number, item_code=item.code, method="recorded_call",
                                         evidence=f"REC-{filed}", given_at=now, now=now)
                proxy_filing_submit(agent=agent, station=station, consent=consent, item_code=item.code,
                                    resident_name="李四", resident_id_number=id_number,
                                    phone=f"138{filed:08d}", now=now)
            filed += 1
        filing_seconds += time.perf_counter() - started
        for view in ("all", "carry"):
            path = f"/delegation/?view={view}"
            client.get(path)  # warm the routing cache and the template loader
            times = []
            for _ in range(30):
                reset_queries()
                with CaptureQueriesContext(connection) as queries:
                    t0 = time.perf_counter()
                    response = client.get(path)
                    times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, response.status_code  # noqa: S101
            times.sort()
            rows.append({"filings": count, "view": view, "bytes": len(response.content),
                         "gzip": len(gzip.compress(response.content)), "queries": len(queries),
                         "median_ms": statistics.median(times), "p95_ms": times[int(0.95 * len(times)) - 1]})
    return {"rows": rows, "filed": filed, "filing_seconds": filing_seconds,
            "per_filing_ms": 1000 * filing_seconds / max(filed, 1), "date": time.strftime("%Y-%m-%d")}


def main() -> None:
    if "--worker" in sys.argv:
        result = worker([int(n) for n in sys.argv[sys.argv.index("--worker") + 1].split(",")])
        print(RESULT_PREFIX + json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", default="10,1000", help="numbers of filings to measure at (ascending)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("Set DATABASE_URL: the bench database is created on that server.")
    result = run_bench(url, sorted(int(n) for n in args.filings.split(",")), keep=args.keep)
    print(render(result))
    if args.write:
        write_doc(result, "python platform/bench/delegation_bench.py" + "".join(
            f" {a}" for a in sys.argv[1:] if a not in ("--write", "--keep")))


if __name__ == "__main__":
    main()
