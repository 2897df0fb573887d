#!/usr/bin/env python3
"""The hall's figures (issue 15): the dashboards' and the bulletin's statements over HallVisit rows.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/govservice \
        python platform/bench/hall_figures_bench.py [--per-day 300] [--days 20] [--runs 5] [--keep] [--reuse]

Like dashboard_bench.py, it never touches the database named in DATABASE_URL: it creates
`bench_<name>_hall` on the same server (dropped first if it exists, and at the end unless --keep;
--reuse keeps an existing one with its rows and skips to the timings), migrates its public schema and
runs Django in a child process pointed at it.

Steps:
  setup     the 200-centre demo network (as dashboard_bench.py: centre_bulk_onboard, no administrators)
  generate  --per-day tickets a day at every centre over the --days days before today, in one INSERT …
            SELECT generate_series (taken 9:00–17:00 local; wait exponential, mean 15 min; service 3–18
            min; 5% no-shows, 3% cancelled; 10 windows and clerks a centre), plus 20 tickets a centre
            waiting today for 40 minutes (the sweep's work); then VACUUM ANALYZE
  time      supervision.dashboards.hall's statements exactly as the pages run them (`statement`): a
            centre's (Beilin) and the city's over 7, 30 and 90 days, the bulletin's day line (city and
            Beilin); --runs runs after one warm-up, median; EXPLAIN (ANALYZE, BUFFERS) of each. Then the
            long-wait sweep (flags the 4,000 waiting tickets at once; no chief has a mobile here, so no SMS)
            and the two dashboard pages through Django's test client (median of 3).
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
sys.path.insert(0, str(BENCH_DIR))

from dashboard_bench import _plan_summary, child_setup  # noqa: E402
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
PERIODS = (7, 30, 90)
WAITING_TODAY = 20

GENERATE_SQL = """
INSERT INTO registry_hallvisit (centre_id, ticket_id, day, queue_letter, code, source, priority, by_appointment,
                                status, taken_at, called_at, started_at, finished_at, window_number, clerk_id)
SELECT t.centre_id, gen_random_uuid(), t.day, t.letter, t.letter || lpad(t.n::text, 3, '0'), 'kiosk',
       (t.r4 < 0.1)::int, t.r4 > 0.9, t.status, t.taken,
       CASE WHEN t.status <> 'cancelled' THEN t.taken + t.wait END,
       CASE WHEN t.status = 'done' THEN t.taken + t.wait + interval '1 minute' END,
       CASE t.status WHEN 'done' THEN t.taken + t.wait + interval '1 minute' + t.service
                     WHEN 'no_show' THEN t.taken + t.wait + interval '2 minutes'
                     ELSE t.taken + t.wait END,
       CASE WHEN t.status <> 'cancelled' THEN (1 + t.n %% 10)::text ELSE '' END,
       CASE WHEN t.status <> 'cancelled' THEN 100000 + t.centre_id * 10 + t.n %% 10 END
FROM (SELECT c.id AS centre_id, d.day, g.n, (ARRAY['A', 'B', 'C', 'D'])[1 + g.n %% 4] AS letter,
             (d.day::timestamp + interval '9 hours' + (g.n - 1) * interval '8 hours' / %(per_day)s)
                 AT TIME ZONE 'Asia/Shanghai' AS taken,
             make_interval(secs => -ln(1 - r.r1) * 900) AS wait,
             make_interval(secs => 180 + r.r2 * 900) AS service,
             CASE WHEN r.r3 < 0.05 THEN 'no_show' WHEN r.r3 < 0.08 THEN 'cancelled' ELSE 'done' END AS status,
             r.r4
        FROM tenants_centre c
       CROSS JOIN (SELECT (%(today)s::date - i) AS day FROM generate_series(1, %(days)s) i) d
       CROSS JOIN generate_series(1, %(per_day)s) g(n)
       CROSS JOIN LATERAL (SELECT random() + 0 * g.n AS r1, random() + 0 * g.n AS r2, random() + 0 * g.n AS r3,
                                  random() + 0 * g.n AS r4) r) t
"""
WAITING_SQL = """
INSERT INTO registry_hallvisit (centre_id, ticket_id, day, queue_letter, code, source, priority, by_appointment,
                                status, taken_at, window_number)
SELECT c.id, gen_random_uuid(), %(today)s, 'W', 'W' || lpad(g.n::text, 3, '0'), 'kiosk', 0, false, 'waiting',
       %(now)s::timestamptz - interval '40 minutes' - g.n * interval '10 seconds', ''
  FROM tenants_centre c CROSS JOIN generate_series(1, %(waiting)s) g(n)
"""


def generate(db_url: str, *, per_day: int, days: int) -> dict:
    import datetime as dt
    from zoneinfo import ZoneInfo

    import psycopg

    now = dt.datetime.now(tz=ZoneInfo("Asia/Shanghai"))
    params = {"per_day": per_day, "days": days, "today": now.date(), "now": now, "waiting": WAITING_TODAY}
    with psycopg.connect(db_url, autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute(GENERATE_SQL, params)
        conn.execute(WAITING_SQL, params)
        insert = time.perf_counter() - started
        started = time.perf_counter()
        conn.execute("VACUUM ANALYZE registry_hallvisit")
        vacuum = time.perf_counter() - started
        rows = conn.execute("SELECT count(*) FROM registry_hallvisit").fetchone()[0]
        size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('registry_hallvisit'))").fetchone()[0]
    log(f"generate: {rows:,} hall visits in {insert:.1f} s, VACUUM ANALYZE {vacuum:.1f} s, {size} with indexes")
    return {"rows": rows, "insert_s": round(insert, 1), "vacuum_s": round(vacuum, 1), "size": size}


def _time(sql: str, params: dict, runs: int) -> dict:
    from django.db import connection

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
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1), "groups": len(out),
            **_plan_summary(plan)}


def child_time(runs: int) -> dict:
    import datetime as dt
    import secrets

    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from supervision.dashboards import hall
    from supervision.warnings.services import hall_long_wait_sweep
    from tenants.choices import Role
    from tenants.models import Centre
    from tenants.services import membership_grant, user_get_or_create

    now = timezone.now()
    today = timezone.localdate()
    beilin = Centre.objects.get(division_code="610103")
    results: dict = {"queries": []}
    cases = [(f"{who} {period}d", name, centre, today - dt.timedelta(days=period - 1), today + dt.timedelta(days=1))
             for period in PERIODS for who, name, centre in (("centre", "centre", beilin), ("city", "centres", None))]
    yesterday = today - dt.timedelta(days=1)
    cases += [("bulletin centre", "centres", beilin, yesterday, today),
              ("bulletin city", "centres", None, yesterday, today)]
    for label, name, centre, start, end in cases:
        sql, params = hall.statement(name, centre=centre, start=start, end=end, today=today, now=now)
        row = {"case": label, **_time(sql, params, runs)}
        results["queries"].append(row)
        log(f"{label:16} median {row['median_ms']:8.1f} ms  groups {row['groups']:4}  "
            f"indexes {','.join(row['indexes']) or 'seq scan'}")
    started = time.perf_counter()
    swept = hall_long_wait_sweep(now=now)
    results["sweep"] = {"ms": round((time.perf_counter() - started) * 1000, 1),
                        "flagged": sum(swept.flagged.values()), "centres": len(swept.flagged)}
    log(f"sweep: {results['sweep']}")
    admin = user_get_or_create(username="bench-hall-admin", password=secrets.token_urlsafe())
    if not admin.memberships.exists():  # a platform administrator sees the city's; Beilin's supervisor, Beilin's
        membership_grant(user=admin, centre=None, role=Role.PLATFORM_ADMIN, acting_user=None)
        membership_grant(user=admin, centre=beilin, role=Role.SUPERVISOR, acting_user=None)
    pages = {}
    for label, host in (("city", settings.PLATFORM_DOMAIN), ("centre", f"beilin.{settings.PLATFORM_DOMAIN}")):
        client = Client(HTTP_HOST=host)
        client.force_login(admin)
        times = []
        for _ in range(4):
            started = time.perf_counter()
            response = client.get("/supervision/dashboard/")
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{label} dashboard answered {response.status_code}")
        pages[label] = {"median_ms": round(statistics.median(times[1:]), 1), "bytes": len(response.content)}
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
    for name in ("tenants", "catalog", "django.request", "supervision"):
        logging.getLogger(name).setLevel(logging.ERROR)
    result = child_setup() if step == "setup" else child_time(runs)
    print(RESULT_PREFIX + json.dumps(result, default=str), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--per-day", type=int, default=300)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing bench database as it is")
    args = parser.parse_args()
    if args.child:
        child_main(args.child, args.runs)
        return
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("Set DATABASE_URL: the bench database is created on that server.")
    name = bench_dbname(url, "hall")
    results: dict = {"machine": machine_info(url)}
    started = time.perf_counter()
    try:
        if args.reuse and db_exists(url, name):
            db_url = server_url(url, name)
            log(f"database {name}: reused")
        else:
            db_url = prepare_migrated_db(url, name)
            results["setup"] = run_child(db_url, "setup", args)
            results["generate"] = generate(db_url, per_day=args.per_day, days=args.days)
        results["timings"] = run_child(db_url, "time", args)
    finally:
        if not args.keep and not args.reuse:
            drop_db(url, name)
    log(f"done in {time.perf_counter() - started:.0f} s")
    print(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    rows = results["timings"]["queries"]
    print(f"\n{'case':18}{'median ms':>10}{'max ms':>9}{'groups':>8}  plan")
    for r in rows:
        print(f"{r['case']:18}{r['median_ms']:>10.1f}{r['max_ms']:>9.1f}{r['groups']:>8}  "
              f"{','.join(r['indexes']) or 'seq scan'}")
    worst = max(rows, key=lambda r: r["median_ms"])
    print(f"\nslowest: {worst['case']} {worst['median_ms']:.1f} ms "
          f"[<= {TARGET_MS} ms each: {'met' if worst['median_ms'] <= TARGET_MS else 'MISSED'}]")
    print(f"sweep: {results['timings']['sweep']}")
    for page, figures in results["timings"]["pages"].items():
        print(f"page {page}: {figures['median_ms']} ms, {figures['bytes']:,} bytes")


if __name__ == "__main__":
    main()
