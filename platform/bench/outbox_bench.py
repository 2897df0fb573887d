#!/usr/bin/env python3
"""One node per case write (issue 17): a case's submission and acceptance with its public rows written in the
case's transaction (`CASE_PUBLIC_WRITES=in_transaction`) and through the centre's outbox, projected after
commit (`after_commit`, the Citus setting), on one PostgreSQL.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/govservice \
        python platform/bench/outbox_bench.py [--cases 200] [--rounds 3] [--keep] [--reuse]

Like the other benchmarks it never touches the database named in DATABASE_URL: it creates
`bench_<name>_outbox` on the same server (dropped first, and at the end unless --keep) and runs Django in
child processes pointed at it.

Steps:
  setup   the city centre and Beilin (tenants/data/xian_network.csv's first rows), the demo catalogue, a
          window clerk at Beilin
  write   --rounds rounds; in each, one child process per mode (order alternating) files --cases cases at
          Beilin through `cases.services.case_submit` and accepts each (`case_transition`), in-process: per
          case the wall time of submit + accept (projection included: it runs right after each commit, in
          the same process), the statements by schema written (a centre's tables vs public ones), and in
          `after_commit` the projection's own time (`cases.outbox.outbox_project`, wrapped with a timer:
          the lag between the commit and the registry row/SMS being there) and the outbox left behind (0)

On a Citus cluster the in-transaction mode is a two-phase commit (the case on a worker, its registry row on
the coordinator: 131 ms against 38 ms for submit + accept in the issue's trial); here both modes run on one
server, so the figures show what the outbox costs, not what it saves.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

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

MODES = ("in_transaction", "after_commit")
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+((?:"?\w+"?\.)?"?\w+"?)', re.IGNORECASE)


def run_child(db_url: str, step: str, args, mode: str = "in_transaction") -> dict:
    cmd = [PYTHON, str(Path(__file__).resolve()), "--child", step, "--cases", str(args.cases)]
    proc = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True, env=child_env(
        db_url, ROUTING_CHECK_SECONDS="3600", GOVSERVICE_CASE_PUBLIC_WRITES=mode))
    if proc.returncode != 0:
        raise SystemExit(f"child {step} ({mode}) failed ({proc.returncode})")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise SystemExit(f"child {step} printed no result")


def child_setup() -> dict:
    from django.contrib.auth.hashers import make_password

    from catalog.demo import demo_catalogue_provision
    from tenants.choices import Role
    from tenants.demo import NETWORK_CSV
    from tenants.importers import read_centre_file
    from tenants.models import Centre
    from tenants.services import centre_bulk_onboard, membership_grant, user_get_or_create

    with NETWORK_CSV.open("rb") as stream:
        rows = [row for row in read_centre_file(stream, NETWORK_CSV.name) if row.slug in ("xian", "beilin")]
    centre_bulk_onboard(rows=rows, acting_user=None)
    demo_catalogue_provision()
    clerk = user_get_or_create(username="clerk-beilin", full_name="碑林区窗口人员", password_hash=make_password("x"))
    membership_grant(user=clerk, centre=Centre.objects.get(slug="beilin"), role=Role.WINDOW_CLERK, acting_user=None)
    return {"centres": Centre.objects.count()}


def child_write(cases: int) -> dict:
    from django.apps import apps
    from django.conf import settings
    from django.db import connection

    import cases.outbox as outbox
    from cases.choices import Action, Channel
    from cases.models import OutboxRow
    from cases.services import case_submit, case_transition
    from catalog.models import Adoption
    from tenants.choices import CentreStatus
    from tenants.models import Centre, User
    from tenants.schemas import centre_schema

    centre = Centre.objects.get(slug="beilin", status=CentreStatus.READY)
    clerk = User.objects.get(username="clerk-beilin")
    item_code = (Adoption.objects.filter(centre=centre, item__code__contains="SC-XK")
                 .values_list("item__code", flat=True).order_by("item__code").first())
    centre_tables = {model._meta.db_table for app in settings.TENANT_APPS
                     for model in apps.get_app_config(app).get_models(include_auto_created=True)}
    projections: list[float] = []
    real_project = outbox.outbox_project

    def timed_project(*, centre):
        started = time.perf_counter()
        phase[0] = "projection"
        try:
            return real_project(centre=centre)
        finally:
            phase[0] = "case"
            projections.append(time.perf_counter() - started)

    outbox.outbox_project = timed_project
    phase = ["case"]
    written = {"case": {"centre": 0, "public": 0}, "projection": {"centre": 0, "public": 0}}

    def recorder(execute, sql, params, many, context):
        found = _WRITE.match(sql)
        if found:
            table = found.group(1).split(".")[-1].strip('"')
            written[phase[0]]["centre" if table in centre_tables else "public"] += 1
        return execute(sql, params, many, context)

    times: list[float] = []
    with centre_schema(centre):
        for n in range(cases + 10):
            started = time.perf_counter()
            recording = connection.execute_wrapper(recorder) if n == 10 else None
            if recording:
                recording.__enter__()
            result = case_submit(centre=centre, item_code=item_code, applicant_kind="person", applicant_name="张三",
                                 applicant_id_number="11010519491231002X", phone="13812345678",
                                 channel=Channel.WINDOW, acting_user=clerk)
            case_transition(centre=centre, case=result.case, action=Action.ACCEPT, acting_user=clerk)
            if recording:
                recording.__exit__(None, None, None)
            if n >= 10:  # 10 warm-ups
                times.append(time.perf_counter() - started)
        left = OutboxRow.objects.count()
    times.sort()
    projections.sort()
    return {"mode": settings.CASE_PUBLIC_WRITES, "cases": cases, "item": item_code,
            "median_ms": round(statistics.median(times) * 1000, 2),
            "p99_ms": round(times[int(len(times) * 0.99) - 1] * 1000, 2),
            "writes_of_one_case": written,
            "projection_median_ms": round(statistics.median(projections) * 1000, 2) if projections else None,
            "projection_p99_ms": round(projections[int(len(projections) * 0.99) - 1] * 1000, 2)
            if projections else None,
            "outbox_left": left}


def child_main(step: str, cases: int) -> None:
    import logging

    import django

    django.setup()
    for name in ("tenants", "catalog", "django.request", "notifications", "cases"):
        logging.getLogger(name).setLevel(logging.ERROR)
    result = child_setup() if step == "setup" else child_write(cases)
    print(RESULT_PREFIX + json.dumps(result, default=str), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing bench database as it is")
    args = parser.parse_args()
    if args.child:
        child_main(args.child, args.cases)
        return
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("Set DATABASE_URL: the bench database is created on that server.")
    name = bench_dbname(url, "outbox")
    results: dict = {"machine": machine_info(url), "rounds": []}
    try:
        if args.reuse and db_exists(url, name):
            db_url = server_url(url, name)
        else:
            db_url = prepare_migrated_db(url, name)
            results["setup"] = run_child(db_url, "setup", args)
        for number in range(args.rounds):
            modes = MODES if number % 2 == 0 else tuple(reversed(MODES))
            results["rounds"].append({mode: run_child(db_url, "write", args, mode) for mode in modes})
            log(f"round {number + 1}: " + ", ".join(
                f"{mode} {results['rounds'][-1][mode]['median_ms']} ms" for mode in MODES))
        ratios = [r["after_commit"]["median_ms"] / r["in_transaction"]["median_ms"] for r in results["rounds"]]
        results["after_commit_over_in_transaction"] = round(statistics.median(ratios), 3)
    finally:
        if not args.keep and not args.reuse:
            drop_db(url, name)
    print(json.dumps(results, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
