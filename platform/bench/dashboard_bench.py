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
            load, rebuilt after); then the registry's indexes as registry/models.py has them (INDEXES;
            the old covering index `registry_dash_submitted` dropped if a run of an older tree left it)
            and VACUUM ANALYZE
  rollup    the dashboards' daily roll-up (supervision.dashboards.rollup): a full rebuild as the run of the
            day before the data's last day (the data's "today"), then that day's run (the day before it,
            and the days of the rows written since the previous run less the margin); seconds, days, rows
  time      each query of supervision.dashboards.selectors.REGISTRY_QUERIES, exactly as the pages run it
            (supervision.dashboards.selectors.statement, from the roll-up and today live), for the city (all
            centres), a district centre (Beilin) and a township centre, over each period (7, 30, 90, 365
            days), "today" being the data's last day: --runs runs after one warm-up, median [<= 500 ms];
            EXPLAIN (ANALYZE, BUFFERS) of each: plan nodes, indexes used, time. The city's 90 days once
            without the roll-up (every row read from the registry, as before it; --direct). Then the whole
            city and Beilin dashboard pages through Django's test client (median of 3).
  writes    (--writes N; last: it leaves 3N rows updated "today") registry write speed by pgbench, one
            session, synchronous_commit off: N single-row
            INSERTs like registry_add, then N single-row UPDATEs of random rows like registry_sync, with
            the registry's indexes (a) as migrated, without `registry_last_event`, (b) as migrated, and
            (c) with the old covering index instead of `registry_last_event` (the tree before issue 17);
            VACUUM between. Transactions a second and WAL bytes a write.
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
#: The registry's indexes for the dashboards, as registry/models.py has them (the bench creates them when
#: missing): the rows written since a time (the roll-up's changed days, today's rows read live), and the
#: cases whose clock runs, for "overdue now".
INDEXES = {
    "registry_last_event": "CREATE INDEX IF NOT EXISTS registry_last_event ON registry_registryentry "
                           "(last_event_at)",
    "registry_dash_running_due": "CREATE INDEX IF NOT EXISTS registry_dash_running_due ON registry_registryentry "
                                 "(promised_due) INCLUDE (centre_id, department_code) "
                                 "WHERE status IN ('accepted', 'supplemented', 'under_review')",
}
#: The covering index the pages read before the roll-up (registry 0003, dropped by 0009): only for the
#: write comparison.
COVERING_INDEX = ("CREATE INDEX IF NOT EXISTS registry_dash_submitted ON registry_registryentry "
                  "(submitted_at) INCLUDE (centre_id, item_code, channel, status, accepted_on, "
                  "promised_due, legal_due, last_event_at, promised_limit_days, legal_limit_days)")


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


def data_today():
    """The local date of the last submission in the registry: the generated data's "today"."""
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(submitted_at) FROM registry_registryentry")
        last = cursor.fetchone()[0]
    return timezone.localdate(last) if last else timezone.localdate()


def child_rollup() -> dict:
    """A full rebuild as the run of the night before the data's last day, then that night's run."""
    import datetime as dt

    from django.db import connection

    from supervision.dashboards.models import DashboardRollupRun
    from supervision.dashboards.rollup import dashboard_rollup
    from supervision.dashboards.selectors import local_midnight

    today = data_today()
    DashboardRollupRun.objects.all().delete()  # a run of an earlier bench would be "the previous run"
    night = dt.timedelta(minutes=20)
    out: dict = {"today": str(today)}
    for label, day, rebuild in (("rebuild", today - dt.timedelta(days=1), True), ("one_day", today, False)):
        result = dashboard_rollup(now=local_midnight(day) + night, rebuild=rebuild)
        out[label] = {"seconds": round(result.seconds, 1), "days": result.days, "rows": result.rows,
                      "through": str(result.through)}
        log(f"rollup {label}: {out[label]}")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE supervision_dashboardday")
        cursor.execute("SELECT count(*), pg_size_pretty(pg_total_relation_size('supervision_dashboardday')) "
                       "FROM supervision_dashboardday")
        out["table_rows"], out["table_size"] = cursor.fetchone()
        cursor.execute("SELECT grain, centre_id IS NULL, count(*) FROM supervision_dashboardday GROUP BY 1, 2 "
                       "ORDER BY 1, 2")
        out["rows_by_grain"] = {f"{g}{' (all centres)' if city else ''}": n for g, city, n in cursor.fetchall()}
        cursor.execute("SELECT count(*) FROM registry_registryentry WHERE last_event_at >= %s",
                       [local_midnight(today)])
        out["registry_rows_written_today"] = cursor.fetchone()[0]
    log(f"rollup table: {out['table_rows']:,} rows, {out['table_size']}; {out['rows_by_grain']}")
    return out


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


def _time_live(sql: str, params: dict, runs: int) -> list[float]:
    """Milliseconds of each of `runs` fillings of the dashboards' live table (after a warm-up), each in a
    transaction of its own, as a page does it."""
    from django.db import connection, transaction

    times = []
    for run in range(runs + 1):
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(sql, params)
            if run:
                times.append((time.perf_counter() - started) * 1000)
    return times


def _time_query(sql: str, params: dict, runs: int, *, explain: bool = True) -> tuple[list[float], list, dict]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)  # warm-up
        times = []
        out: list = []
        for _ in range(runs):
            started = time.perf_counter()
            cursor.execute(sql, params)
            out = cursor.fetchall() if cursor.description else []
            times.append((time.perf_counter() - started) * 1000)
        plan: dict = {}
        if explain:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0][0]
    return times, out, plan


def child_time(runs: int, direct: bool) -> dict:
    import dataclasses

    from django.db import connection
    from django.test import Client

    from supervision.dashboards import selectors as dashboards
    from tenants.choices import Level, Role
    from tenants.models import Centre
    from tenants.services import membership_grant, user_get_or_create

    today = data_today()
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
                     "rolled_through": str(dashboards.rolled_through()), "queries": [], "direct": []}
    for scope_name, centre in scopes.items():
        for period in BENCH_PERIODS:
            scope = dashboards.scope_for(centre=centre, period_days=period, today=today)
            # The page's one live read (the registry's rows after the roll-up, into the temporary table),
            # timed on its own; the charts then read the roll-up and that table (within live_part).
            live_sql, live_params = dashboards.live_statement(scope)
            times = _time_live(live_sql, live_params, runs)
            row = {"scope": scope_name, "period": period, "query": "live part", "median_ms":
                   round(statistics.median(times), 1), "max_ms": round(max(times), 1), "groups": None,
                   "execution_ms": None, "indexes": [], "nodes": [], "rows": None}
            results["queries"].append(row)
            log(f"{scope_name:8} {period:3}d {'live part':22} median {row['median_ms']:7.1f} ms")
            live = dashboards.live_part(scope)
            live.__enter__()
            for name in dashboards.REGISTRY_QUERIES:
                if name == "centres" and centre is not None:
                    continue
                if name == "overdue_by_department" and centre is None:
                    continue
                if name.startswith("overdue") and period != dashboards.DEFAULT_PERIOD:
                    continue  # a snapshot: the period does not change it
                sql, params = dashboards.statement(name, scope)
                times, out, plan = _time_query(sql, params, runs)
                row = {"scope": scope_name, "period": period, "query": name,
                       "median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
                       "groups": len(out), **_plan_summary(plan)}
                results["queries"].append(row)
                log(f"{scope_name:8} {period:3}d {name:22} median {row['median_ms']:7.1f} ms  "
                    f"indexes {','.join(row['indexes']) or '-'}")
            live.__exit__(None, None, None)
    if direct:  # the city's 90 days with every row read from the registry (no roll-up, no covering index)
        scope = dataclasses.replace(dashboards.scope_for(centre=None, period_days=90, today=today),
                                    rolled_through=None)
        live_sql, live_params = dashboards.live_statement(scope)
        times = _time_live(live_sql, live_params, 1)
        results["direct"].append({"scope": "city", "period": 90, "query": "live part",
                                  "median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)})
        log(f"direct   90d live part {statistics.median(times):7.1f} ms")
        for name in ("category", "channel", "week", "on_time", "days", "centres"):
            sql, params = dashboards.statement(name, scope)
            with dashboards.live_part(scope):
                times, out, plan = _time_query(sql, params, 1)
            row = {"scope": "city", "period": 90, "query": name, "median_ms": round(statistics.median(times), 1),
                   "max_ms": round(max(times), 1), "groups": len(out), **_plan_summary(plan)}
            results["direct"].append(row)
            log(f"direct   90d {name:22} {row['median_ms']:7.1f} ms  indexes {','.join(row['indexes']) or '-'}")
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
    if args.direct:
        cmd.append("--direct")
    proc = subprocess.run(cmd, cwd=REPO, env=child_env(db_url, ROUTING_CHECK_SECONDS="3600"),
                          stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"child {step} failed ({proc.returncode})")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise SystemExit(f"child {step} printed no result")


def child_main(step: str, runs: int, direct: bool) -> None:
    import logging

    import django

    django.setup()
    for name in ("tenants", "catalog", "django.request"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if step == "setup":
        result = child_setup()
    elif step == "rollup":
        result = child_rollup()
    else:
        result = child_time(runs, direct)
    print(RESULT_PREFIX + json.dumps(result, default=str), flush=True)


def prepare_index(db_url: str) -> dict:
    import psycopg

    timings = {}
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("DROP INDEX IF EXISTS registry_dash_submitted")  # left by a run of an older tree
        for name, sql in INDEXES.items():
            started = time.perf_counter()
            conn.execute(sql)
            timings[f"{name}_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        conn.execute("VACUUM ANALYZE registry_registryentry")
    timings["vacuum_analyze_s"] = round(time.perf_counter() - started, 1)
    log(f"indexes and VACUUM ANALYZE: {timings}")
    return timings


INSERT_SCRIPT = """\\set c random({lo}, {hi})
INSERT INTO registry_registryentry (centre_id, case_id, number, item_code, item_name_zh, item_name_en,
    department_code, department_name_zh, department_name_en, channel, status, submitted_at, paused_workdays,
    promised_due_provisional, legal_due_provisional, paused, is_open, last_event_at, applicant_hmac, lookup_hmacs,
    history, green_channel)
VALUES (:c, gen_random_uuid(), 'W' || substr(md5(random()::text), 1, 24), '610100SC-XK-0001', '食品经营许可',
    'Food business licence', 'SC', '市市场监督管理局', 'Market Regulation', 'window', 'submitted', now(), 0, false,
    false, false, true, now(), md5(random()::text) || md5(random()::text),
    ARRAY[md5(random()::text) || md5(random()::text), md5(random()::text) || md5(random()::text)],
    '[{{"status": "submitted"}}]', '');
"""
UPDATE_SCRIPT = """\\set id random(1, {max_id})
UPDATE registry_registryentry SET status = 'under_review', last_event_at = now(),
    accepted_on = coalesce(accepted_on, current_date), history = history || '[{{"status": "under_review"}}]'::jsonb
WHERE id = :id;
"""


def _pgbench(db_url: str, script: str, count: int) -> float:
    """Transactions a second of `count` runs of `script` in one pgbench session."""
    import re
    import tempfile
    from urllib.parse import urlsplit

    parts = urlsplit(db_url)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    env = dict(os.environ, PGOPTIONS="-c synchronous_commit=off")
    proc = subprocess.run(["pgbench", "-n", "-c", "1", "-j", "1", "-t", str(count), "-f", f.name,
                           "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
                           "-U", parts.username or "postgres", parts.path.lstrip("/")],
                          env=env, capture_output=True, text=True)
    os.unlink(f.name)
    if proc.returncode != 0:
        raise SystemExit(f"pgbench failed: {proc.stderr[-2000:]}")
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", proc.stdout)
    if not match:
        raise SystemExit(f"pgbench printed no tps: {proc.stdout[-2000:]}")
    return float(match.group(1))


def bench_writes(db_url: str, count: int) -> dict:
    """Registry write speed with (a) neither dashboard index, (b) `registry_last_event` (as migrated),
    (c) the old covering index; the registry's other indexes as migrated. Restores (b) at the end."""
    import psycopg

    results: dict = {}
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        lo, hi = conn.execute("SELECT min(id), max(id) FROM tenants_centre").fetchone()
        setups = {
            "neither": ["DROP INDEX IF EXISTS registry_dash_submitted", "DROP INDEX IF EXISTS registry_last_event"],
            "last_event": ["DROP INDEX IF EXISTS registry_dash_submitted", INDEXES["registry_last_event"]],
            "covering": ["DROP INDEX IF EXISTS registry_last_event", COVERING_INDEX],
        }
        try:
            for label, statements in setups.items():
                for sql in statements:
                    conn.execute(sql)
                conn.execute("VACUUM ANALYZE registry_registryentry")
                conn.execute("CHECKPOINT")
                max_id = conn.execute("SELECT max(id) FROM registry_registryentry").fetchone()[0]
                figures: dict = {"indexes": conn.execute(
                    "SELECT count(*) FROM pg_index WHERE indrelid = 'registry_registryentry'::regclass").fetchone()[0]}
                for kind, script in (("insert", INSERT_SCRIPT.format(lo=lo, hi=hi)),
                                     ("update", UPDATE_SCRIPT.format(max_id=max_id))):
                    wal0 = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
                    figures[f"{kind}_tps"] = round(_pgbench(db_url, script, count))
                    wal = conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [wal0]).fetchone()[0]
                    figures[f"{kind}_wal_bytes"] = round(float(wal) / count)
                results[label] = figures
                log(f"writes with {label}: {figures}")
                conn.execute("DELETE FROM registry_registryentry WHERE number LIKE 'W%'")
        finally:
            conn.execute("DROP INDEX IF EXISTS registry_dash_submitted")
            conn.execute(INDEXES["registry_last_event"])
            conn.execute("VACUUM ANALYZE registry_registryentry")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing bench database as it is")
    parser.add_argument("--direct", action="store_true", help="also time the city's 90 days without the roll-up")
    parser.add_argument("--writes", type=int, default=0, help="registry writes a kind for the write comparison")
    parser.add_argument("--no-rollup", action="store_true", help="reuse the roll-up as it is")
    args = parser.parse_args()
    if args.child:
        child_main(args.child, args.runs, args.direct)
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
        if not args.no_rollup:
            results["rollup"] = run_child(db_url, "rollup", args)
        results["timings"] = run_child(db_url, "time", args)
        if args.writes:
            results["writes"] = bench_writes(db_url, args.writes)
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
    for r in results["timings"]["direct"]:
        print(f"without the roll-up: city 90d {r['query']:14}{r['median_ms']:>10.1f} ms  "
              f"{','.join(r['indexes']) or 'seq scan'}")
    for page, figures in results["timings"]["pages"].items():
        print(f"page {page}: {figures['median_ms']} ms, {figures['bytes']:,} bytes")
    if "rollup" in results:
        print(f"roll-up: {json.dumps(results['rollup'], ensure_ascii=False)}")
    for label, figures in results.get("writes", {}).items():
        print(f"writes with {label}: {figures}")


if __name__ == "__main__":
    main()
