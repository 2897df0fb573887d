"""Benchmark the deadline sweep: 1,000,000 open registry rows, 1% crossing a level today.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/govservice python platform/bench/sweep_bench.py

Creates its own database on that server (`bench_<name>_sweep`), migrates the public schema, inserts
200 ready centres with a chief representative each (a mobile number, so every warning queues an
SMS), then 1,000,000 open registry rows in SQL: 1% past the promised date today (red), 1% of them
also past the legal date (black), 5% overdue but warned before (the anti-join has to skip them), the
rest due well after the yellow window. Times `supervision.warnings.services.deadline_sweep` — finding the
crossings and writing warnings and outbox rows in one statement — then a rerun that finds nothing.
Target: at most 1 s. Drops the database at the end (`--keep` keeps it).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))  # run.py's helpers (platform/ is not a package)

from run import REPO, bench_dbname, drop_db, log, machine_info, prepare_migrated_db  # noqa: E402

ROWS = 1_000_000
TODAY = dt.date(2026, 11, 30)


def populate(rows: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO tenants_centre (schema_name, slug, name_zh, name_en, level, division_code, parent_id,
                                        status, address, phone, created_at, updated_at)
            VALUES ('c610100', 'xian', '西安市', 'Xi''an', 'city', '610100', NULL, 'ready', '', '', now(), now())""")
        cursor.execute("""
            INSERT INTO tenants_centre (schema_name, slug, name_zh, name_en, level, division_code, parent_id,
                                        status, address, phone, created_at, updated_at)
            SELECT 'c' || (610200000 + g), 'c' || g, '中心' || g, 'Centre ' || g, 'township',
                   (610200000 + g)::text, (SELECT id FROM tenants_centre WHERE level = 'city'), 'ready', '', '',
                   now(), now()
              FROM generate_series(1, 199) g""")
        cursor.execute("""
            INSERT INTO tenants_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                                      is_active, date_joined, full_name, mobile)
            SELECT '!', false, 'chief-' || c.id, '', '', '', false, true, now(), '',
                   '+86138' || lpad(c.id::text, 8, '0')
              FROM tenants_centre c""")
        cursor.execute("""
            INSERT INTO tenants_membership (user_id, centre_id, role, department_code, created_at, updated_at)
            SELECT u.id, c.id, 'chief_representative', '', now(), now()
              FROM tenants_centre c JOIN tenants_user u ON u.username = 'chief-' || c.id""")
        cursor.execute("SELECT array_agg(id ORDER BY id) FROM tenants_centre")
        centre_ids = cursor.fetchone()[0]
        log(f"inserting {rows:,} registry rows")
        started = time.perf_counter()
        cursor.execute("""
            INSERT INTO registry_registryentry (
                centre_id, case_id, number, item_code, item_name_zh, item_name_en, department_code,
                department_name_zh, department_name_en, channel, status, submitted_at, accepted_on,
                promised_limit_days, legal_limit_days, paused_workdays, promised_due, legal_due,
                promised_due_provisional, legal_due_provisional, paused, is_open, last_event_at, applicant_hmac,
                lookup_hmacs, history, joint_case_id, handler_id)
            SELECT (%(centres)s::bigint[])[1 + g %% 200], gen_random_uuid(), 'B-' || g, '610100SC-XK-0001',
                   '食品经营许可', 'Food business licence', 'SC', '市场监管局', 'Market Regulation', 'window',
                   'under_review', now(), %(today)s::date - 10, 10, 20, 0,
                   CASE WHEN g %% 100 = 0 THEN %(today)s::date - 1            -- 1%%: red today
                        WHEN g %% 20 = 1 THEN %(today)s::date - 5             -- 5%%: overdue, warned before
                        ELSE %(today)s::date + 10 + g %% 30 END,
                   CASE WHEN g %% 10000 = 0 THEN %(today)s::date - 1          -- 1%% of those: black today
                        ELSE %(today)s::date + 40 END,
                   false, false, false, true, now(), '', '{}', '[]', NULL, NULL
              FROM generate_series(1, %(rows)s) g""", {"centres": centre_ids, "today": TODAY, "rows": rows})
        log(f"  {time.perf_counter() - started:.1f} s")
        cursor.execute("""
            INSERT INTO supervision_deadlinewarning (centre_id, case_id, case_number, item_name_zh, department_code,
                                                     handler_id, level, due_date, fired_at)
            SELECT centre_id, case_id, number, item_name_zh, department_code, NULL, 'red', promised_due, now()
              FROM registry_registryentry WHERE promised_due = %s""", [TODAY - dt.timedelta(days=5)])
        cursor.execute("VACUUM ANALYZE registry_registryentry")
        cursor.execute("VACUUM ANALYZE supervision_deadlinewarning")


def measure(rounds: int) -> dict:
    from django.db import connection

    from supervision.warnings.services import deadline_sweep

    connection.ensure_connection()
    connection.connection.autocommit = True  # VACUUM above; the sweep opens its own transaction
    started = time.perf_counter()
    first = deadline_sweep(today=TODAY)
    first_s = time.perf_counter() - started
    log(f"first sweep: {first.fired}, {first.messages} SMS queued in {first_s:.3f} s")
    reruns = []
    for _ in range(rounds):
        started = time.perf_counter()
        again = deadline_sweep(today=TODAY)
        reruns.append(time.perf_counter() - started)
        assert not any(again.fired.values()), again
    log(f"reruns (nothing new): median {statistics.median(reruns):.3f} s")
    return {"fired": first.fired, "messages": first.messages, "first_s": round(first_s, 3),
            "rerun_median_s": round(statistics.median(reruns), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("Set DATABASE_URL: the bench database is created on that server.")
    name = bench_dbname(url, "sweep")
    machine = machine_info(url)
    db_url = prepare_migrated_db(url, name)
    try:
        os.environ["DATABASE_URL"] = db_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
        sys.path.insert(0, str(REPO))
        import django

        django.setup()
        populate(args.rows)
        result = measure(args.rounds)
        verdict = "met" if result["first_s"] <= 1.0 else "MISSED"
        print(f"\nsweep over {args.rows:,} open registry rows: {sum(result['fired'].values()):,} warnings "
              f"({result['fired']}) and {result['messages']:,} SMS queued in {result['first_s']} s "
              f"[<= 1 s: {verdict}]; a rerun finding nothing: {result['rerun_median_s']} s")
        print(f"machine: {machine}")
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_db(url, name)


if __name__ == "__main__":
    main()
