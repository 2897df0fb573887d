#!/usr/bin/env python3
"""Catalogue benchmarks: one lifecycle event propagated to 200 adopting centres by a real Celery
worker; the centre catalogue API page with ~160 adopted items.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/govservice \
        python platform/bench/catalog_bench.py [--rounds 30] [--keep]

Like run.py, the script never touches the database named in DATABASE_URL: it creates
`bench_<name>_catalog` on the same server (dropped first if it exists, and again at the end unless
--keep), migrates its public schema, and runs Django in child processes pointed at it.

Measurements (targets in brackets):
  propagate  `celery -A config worker --pool=solo` runs as a subprocess, with its own filesystem
             broker folder (or CELERY_BROKER_URL when set). The 200-centre demo network
             (tenants/data/xian_network.csv) is onboarded with tenants.services.centre_bulk_onboard,
             every centre adopts one item (catalog.services.adoption_create), then
             catalog.services.event_record records a cancellation. Timed from the commit that
             queues the task until `event.propagated_at` is set and 200 notices exist, polled
             every 10 ms; a warm-up event propagated first, so the worker is up [<= 10 s]
  catalogue  GET /api/v1/catalogue/items/?page_size=200 on beilin.localhost through Django's test
             client (full middleware, routing included), ~160 adopted items: queries per request
             (counted by a connection.execute_wrapper, after one warm-up request;
             ROUTING_CHECK_SECONDS=3600, i.e. the steady state between routing checks) [<= 2] and
             median latency over --rounds requests
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
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

ITEMS_FOR_PAGE = 160
PAGE_HOST = "beilin.localhost"
PAGE_PATH = "/api/v1/catalogue/items/?page_size=200"


def start_celery(db_url: str, broker_dir: Path) -> subprocess.Popen:
    env = child_env(db_url, GOVSERVICE_VAR_DIR=str(broker_dir))
    cmd = [PYTHON, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING",
           "--without-gossip", "--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(cmd, cwd=REPO, env=env, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run_child(db_url: str, broker_dir: Path, rounds: int) -> dict:
    cmd = [PYTHON, str(Path(__file__).resolve()), "--child", "--rounds", str(rounds)]
    env = child_env(db_url, GOVSERVICE_VAR_DIR=str(broker_dir), ROUTING_CHECK_SECONDS="3600")
    proc = subprocess.run(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({proc.returncode})")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise SystemExit("child printed no result")


# --- Django side (child process) -----------------------------------------------------------------

def child_main(rounds: int) -> None:
    import logging

    import django

    django.setup()
    logging.getLogger("tenants").setLevel(logging.WARNING)
    logging.getLogger("catalog").setLevel(logging.WARNING)
    result = {"setup": _setup()}
    result["propagate"] = _propagate()
    result["catalogue"] = _catalogue_page(rounds)
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def _make_item(serial: int, levels: list[str], department) -> object:
    import datetime as dt

    from catalog import services

    item = services.item_create(code=f"610100SC-XK-{serial:04d}", department=department, category="licence",
                                item_type="XK", levels=levels, acting_user=None)
    version = services.version_create_draft(
        item=item, content={"name_zh": f"食品经营许可{serial}", "name_en": f"Food business licence {serial}",
                            "legal_limit_days": 20, "promised_limit_days": 10},
        materials=[{"name_zh": "申请书", "name_en": "Application"}], effective_from=dt.date(2020, 1, 1),
        acting_user=None)
    services.version_publish(version=version, acting_user=None)
    item.refresh_from_db()
    return item


def _setup() -> dict:
    from catalog import services
    from catalog.models import Department
    from tenants.demo import NETWORK_CSV
    from tenants.importers import read_centre_file
    from tenants.models import Centre
    from tenants.services import centre_bulk_onboard

    started = time.perf_counter()
    with NETWORK_CSV.open("rb") as stream:
        rows = read_centre_file(stream, NETWORK_CSV.name)
    centre_bulk_onboard(rows=rows, acting_user=None)
    onboard_seconds = time.perf_counter() - started
    log(f"setup: {Centre.objects.count()} centres onboarded in {onboard_seconds:.1f} s")

    started = time.perf_counter()
    department = Department.objects.create(code="SC", name_zh="市市场监督管理局", name_en="Market Regulation Bureau")
    all_levels = ["city", "district", "zone", "township"]
    _make_item(1, all_levels, department)  # the warm-up event's item, adopted by nobody
    target = _make_item(2, all_levels, department)
    order = {"city": 0, "district": 1, "zone": 1, "township": 2}
    for centre in sorted(Centre.objects.all(), key=lambda c: (order[c.level], c.division_code)):
        services.adoption_create(centre=centre, item=target, acting_user=None)
    for serial in range(3, 3 + ITEMS_FOR_PAGE - 1):
        _make_item(serial, ["city", "district"], department)
    beilin = Centre.objects.get(slug="beilin")
    services.adoption_adopt_all(centre=beilin, acting_user=None)
    log(f"setup: items and adoptions in {time.perf_counter() - started:.1f} s")
    return {"centres": Centre.objects.count(), "onboard_seconds": round(onboard_seconds, 1)}


def _wait(event, notices: int, timeout: float = 60.0) -> float:
    from catalog.models import CatalogueNotice

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        event.refresh_from_db(fields=["propagated_at", "centres_reached"])
        if event.propagated_at is not None and CatalogueNotice.objects.filter(event=event).count() >= notices:
            return time.perf_counter() - started
        time.sleep(0.01)
    raise SystemExit(f"event {event.pk} not propagated within {timeout} s")


def _propagate() -> dict:
    import datetime as dt

    from django.utils import timezone

    from catalog import services
    from catalog.models import Adoption, Item
    from tenants.models import Centre

    warmup = services.event_record(kind="cancelled_basis", item=Item.objects.get(code="610100SC-XK-0001"),
                                   reason="预热 / warm-up", effective_on=timezone.localdate(), acting_user=None)
    log(f"propagate: warm-up event (worker start) took {_wait(warmup, 0, timeout=120):.2f} s")

    item = Item.objects.get(code="610100SC-XK-0002")
    adopters = Adoption.objects.filter(item=item, ends_on__isnull=True).count()
    effective = timezone.localdate() + dt.timedelta(days=30)
    event = services.event_record(kind="cancelled_state", item=item, reason="国务院决定取消", effective_on=effective,
                                  acting_user=None)  # committed on return: the task is on the broker
    seconds = _wait(event, adopters)
    event.refresh_from_db()
    in_task = (event.propagated_at - event.created_at).total_seconds()
    ended = Adoption.objects.filter(item=item, ends_on=effective, end_event=event).count()
    log(f"propagate: {adopters} adopters, {seconds:.2f} s end to end ({in_task:.2f} s created -> propagated)")
    return {"centres": Centre.objects.count(), "adopters": adopters, "seconds": seconds,
            "created_to_propagated": in_task, "adoptions_ended": ended, "reached": event.centres_reached}


def _catalogue_page(rounds: int) -> dict:
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST=PAGE_HOST)
    first = client.get(PAGE_PATH)
    if first.status_code != 200:
        raise SystemExit(f"{PAGE_PATH} answered {first.status_code}")
    rows = len(first.json()["results"])
    statements: list[str] = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):  # (CaptureQueriesContext: a request clears the query log)
        client.get(PAGE_PATH)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(PAGE_PATH)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    log(f"catalogue: {rows} rows, {len(statements)} queries, median {statistics.median(times) * 1000:.1f} ms")
    return {"rows": rows, "queries": len(statements), "sql": [sql[:160] for sql in statements],
            "median_ms": statistics.median(times) * 1000, "min_ms": min(times) * 1000,
            "max_ms": max(times) * 1000, "rounds": rounds, "bytes": len(first.content)}


# --- orchestrator --------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=30, help="catalogue page requests to time")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    if args.child:
        child_main(args.rounds)
        return
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("Set DATABASE_URL: the bench database is created on that server.")
    machine = machine_info(url)
    name = bench_dbname(url, "catalog")
    started = time.perf_counter()
    worker = None
    with tempfile.TemporaryDirectory(prefix="catalog-bench-broker-") as broker_dir:
        for folder in ("broker/queue", "broker/control", "broker/processed"):
            (Path(broker_dir) / folder).mkdir(parents=True)
        try:
            db_url = prepare_migrated_db(url, name)
            worker = start_celery(db_url, Path(broker_dir))
            result = run_child(db_url, Path(broker_dir), args.rounds)
        finally:
            if worker is not None:
                stop(worker)
            if not args.keep:
                drop_db(url, name)
    log(f"done in {time.perf_counter() - started:.0f} s")
    p, c = result["propagate"], result["catalogue"]
    print(json.dumps({"machine": machine, **result}, indent=2, ensure_ascii=False))
    print(f"\npropagate one cancellation to {p['adopters']} adopting centres: {p['seconds']:.2f} s end to end "
          f"[target <= 10 s: {'met' if p['seconds'] <= 10 else 'MISSED'}]")
    print(f"centre catalogue page, {c['rows']} items: {c['queries']} queries "
          f"[target <= 2: {'met' if c['queries'] <= 2 else 'MISSED'}], median {c['median_ms']:.1f} ms "
          f"over {c['rounds']} requests")


if __name__ == "__main__":
    main()
