#!/usr/bin/env python3
"""Supervision dashboard benchmark: each chart's GROUP BY query over 10,000,000 registry rows.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/govservice \
        python platform/bench/dashboard_bench.py [--rows 10000000] [--runs 5] [--keep] [--reuse]

Like run.py, the script never touches the database named in DATABASE_URL: it creates
`bench_<name>_dashboard` on the same server (dropped first if it exists, and again at the end unless
--keep; --reuse keeps an existing one with its rows and skips straight to the timings), migrates its
public schema, and runs Django in a child process pointed at it.

Steps:
  setup     the 200-centre demo network (tenants/data/xian_network.csv, tenants.services.
            centre_bulk_onboard, no administrators) and the demo catalogue
            (catalog.demo.demo_catalogue_provision: 160 items with categories)
  generate  platform/bench/generate_registry.py: --rows registry rows in SQL (indexes dropped during the
            load, rebuilt after); then the proposed dashboard index (INDEX_SQL, the same as the Meta
            index in docs/benchmarks.md) and VACUUM ANALYZE
  time      each query of supervision.dashboards.selectors.REGISTRY_QUERIES, exactly as the pages run it
            (supervision.dashboards.selectors.statement), for the city (all centres), a district centre (Beilin)
            and a township centre, over each period (30, 90, 365 days): --runs runs after one warm-up,
            median [<= 500 ms]; EXPLAIN (ANALYZE, BUFFERS) of each: plan nodes, indexes used, time.
            Then the whole city and Beilin dashboard pages through Django's test client (median of 3).
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
    db_exists,
    drop_db,
    log,
    machine_info,
    prepare_migrated_db,
    server_url,
)

TARGET_MS = 500
#: The periods the pages offer, and a year for comparison (not offered: see docs/benchmarks.md).
BENCH_PERIODS = (7, 30, 90, 365)
#: The indexes the dashboards need (proposed for registry/models.py, see docs/benchmarks.md; the bench
#: creates them when missing): a covering index over submission time for the period charts (index-only
#: scans), and a partial one over the cases whose clock runs, for "overdue now".
INDEXES = {
    "registry_dash_submitted": "CREATE INDEX IF NOT EXISTS registry_dash_submitted ON registry_registryentry "
                               "(submitted_at) INCLUDE (centre_id, item_code, channel, status, accepted_on, "
                               "promised_due, legal_due, last_event_at, promised_limit_days, legal_limit_days)",
    "registry_dash_running_due": "CREATE INDEX IF NOT EXISTS registry_dash_running_due ON registry_registryentry "
                                 "(promised_due) INCLUDE (centre_id, department_code) "
                                 "WHERE status IN ('accepted', 'supplemented', 'under_review')",
}


def child_setup() -> dict:
    from catalog.demo import demo_catalogue_provision
    from tenants.demo import NETWORK_CSV
    from tenants.importers import read_centre_file
    from tenants.models import Centre
    from tenants.services import centre_bulk_onboard

    started = time.perf_counter()
    with NETWORK_CSV.open("rb") as stream:
        rows = read_centre_file(stream, NETWORK_CSV.name)
    centre_bulk_onboard(rows=rows, acting_user=None)
    onboard = time.perf_counter() - started
    log(f"setup: {Centre.objects.count()} centres onboarded in {onboard:.1f} s")
    started = time.perf_counter()
    catalogue = demo_catalogue_provision()
    log(f"setup: demo catalogue in {time.perf_counter() - started:.1f} s")
    return {"centres": Centre.objects.count(), "onboard_s": round(onboard, 1),
            "catalogue": {k: v for k, v in catalogue.items() if isinstance(v, int | float | str)}}


def _plan_summary(plan: dict) -> dict:
    nodes: list[str] = []
    indexes: set[str] = set()

    def walk(node: dict) -> None:
        label = node["Node Type"]
        if node.get("Index Name"):
            indexes.add(node["Index Name"])
            label += f" using {node['Index Name']}"
        if node.get("Heap Fetches") is not None:
            label += f" (heap fetches {node['Heap Fetches']})"
        nodes.append(label)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    return {"execution_ms": round(plan["Execution Time"], 1), "indexes": sorted(indexes), "nodes": nodes,
            "rows": plan["Plan"].get("Actual Rows")}


def child_time(runs: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from supervision.dashboards import selectors as dashboards
    from tenants.choices import Level, Role
    from tenants.models import Centre
    from tenants.services import membership_grant, user_get_or_create

    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_registryentry")
        total = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_relation_size('registry_registryentry'))")
        table_size = cursor.fetchone()[0]
        cursor.execute("SELECT indexrelid::regclass::text, pg_size_pretty(pg_relation_size(indexrelid)) "
                       "FROM pg_index WHERE indrelid = 'registry_registryentry'::regclass ORDER BY 1")
        index_size = dict(cursor.fetchall())
    township = Centre.objects.filter(level=Level.TOWNSHIP).order_by("division_code").first()
    scopes = {"city": None, "district": Centre.objects.get(division_code="610103"), "township": township}
    results: dict = {"rows": total, "table_size": table_size, "index_size": index_size, "today": str(today),
                     "queries": []}
    for scope_name, centre in scopes.items():
        for period in BENCH_PERIODS:
            scope = dashboards.scope_for(centre=centre, period_days=period, today=today)
            for name in dashboards.REGISTRY_QUERIES:
                if name == "centres" and centre is not None:
                    continue
                if name == "overdue_by_department" and centre is None:
                    continue
                if name.startswith("overdue") and period != dashboards.DEFAULT_PERIOD:
                    continue  # a snapshot: the period does not change it
                sql, params = dashboards.statement(name, scope)
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)  # warm-up
                    times = []
                    for _ in range(runs):
                        started = time.perf_counter()
                        cursor.execute(sql, params)
                        out = cursor.fetchall()
                        times.append((time.perf_counter() - started) * 1000)
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
                    plan = cursor.fetchone()[0][0]
                row = {"scope": scope_name, "period": period, "query": name,
                       "median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
                       "groups": len(out), **_plan_summary(plan)}
                results["queries"].append(row)
                log(f"{scope_name:8} {period:3}d {name:22} median {row['median_ms']:7.1f} ms  "
                    f"indexes {','.join(row['indexes']) or '-'}")
    # The whole pages, through Django (middleware, routing, templates, SVG).
    import secrets

    admin = user_get_or_create(username="bench-admin", password=secrets.token_urlsafe())
    membership_grant(user=admin, centre=None, role=Role.PLATFORM_ADMIN, acting_user=None)
    from django.conf import settings

    pages = {}
    for label, host in (("city", settings.PLATFORM_DOMAIN), ("district", f"beilin.{settings.PLATFORM_DOMAIN}")):
        client = Client(HTTP_HOST=host)
        client.force_login(admin)
        times = []
        size = 0
        for _ in range(4):
            started = time.perf_counter()
            response = client.get("/supervision/dashboard/")
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{label} dashboard answered {response.status_code}")
            size = len(response.content)
        pages[label] = {"median_ms": round(statistics.median(times[1:]), 1), "bytes": size}
        log(f"page {label}: {pages[label]}")
    results["pages"] = pages
    return results


def run_child(db_url: str, step: str, args) -> dict:
    cmd = [PYTHON, str(Path(__file__).resolve()), "--child", step, "--runs", str(args.runs)]
    proc = subprocess.run(cmd, cwd=REPO, env=child_env(db_url, ROUTING_CHECK_SECONDS="3600"),
                          stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"child {step} failed ({proc.returncode})")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise SystemExit(f"child {step} printed no result")


def child_main(step: str, runs: int) -> None:
    import logging

    import django

    django.setup()
    for name in ("tenants", "catalog", "django.request"):
        logging.getLogger(name).setLevel(logging.ERROR)
    result = child_setup() if step == "setup" else child_time(runs)
    print(RESULT_PREFIX + json.dumps(result, default=str), flush=True)


def prepare_index(db_url: str) -> dict:
    import psycopg

    timings = {}
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        for name, sql in INDEXES.items():
            started = time.perf_counter()
            conn.execute(sql)
            timings[f"{name}_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        conn.execute("VACUUM ANALYZE registry_registryentry")
    timings["vacuum_analyze_s"] = round(time.perf_counter() - started, 1)
    log(f"indexes and VACUUM ANALYZE: {timings}")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing bench database as it is")
    args = parser.parse_args()
    if args.child:
        child_main(args.child, args.runs)
        return
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("Set DATABASE_URL: the bench database is created on that server.")
    from generate_registry import generate

    name = bench_dbname(url, "dashboard")
    results: dict = {"machine": machine_info(url)}
    started = time.perf_counter()
    try:
        if args.reuse and db_exists(url, name):
            db_url = server_url(url, name)
            log(f"database {name}: reused")
        else:
            db_url = prepare_migrated_db(url, name)
            results["setup"] = run_child(db_url, "setup", args)
            t0 = time.perf_counter()
            results["generate"] = generate(db_url, rows=args.rows, jobs=args.jobs)
            results["generate"]["total_s"] = round(time.perf_counter() - t0, 1)
        results["index"] = prepare_index(db_url)
        results["timings"] = run_child(db_url, "time", args)
    finally:
        if not args.keep and not args.reuse:
            drop_db(url, name)
    log(f"done in {time.perf_counter() - started:.0f} s")
    print(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    rows = results["timings"]["queries"]
    print(f"\n{results['timings']['rows']:,} registry rows; table {results['timings']['table_size']}; "
          f"indexes {results['timings']['index_size']}")
    print(f"{'scope':9}{'period':>7}  {'query':24}{'median ms':>10}{'max ms':>9}  indexes")
    for r in rows:
        print(f"{r['scope']:9}{r['period']:>6}d  {r['query']:24}{r['median_ms']:>10.1f}{r['max_ms']:>9.1f}  "
              f"{','.join(r['indexes']) or 'seq scan'}")
    worst = max(rows, key=lambda r: r["median_ms"])
    print(f"\nslowest: {worst['scope']} {worst['period']}d {worst['query']} {worst['median_ms']:.1f} ms "
          f"[<= {TARGET_MS} ms each: {'met' if worst['median_ms'] <= TARGET_MS else 'MISSED'}]")
    for page, figures in results["timings"]["pages"].items():
        print(f"page {page}: {figures['median_ms']} ms, {figures['bytes']:,} bytes")


if __name__ == "__main__":
    main()
