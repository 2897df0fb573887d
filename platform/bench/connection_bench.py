#!/usr/bin/env python3
"""What a long-lived database connection costs as it serves more and more centres (issue 17).

A PostgreSQL server process caches, for as long as its connection lives, the catalog entries of every
relation it has opened (relcache, catcache) and they are per schema: with a connection kept across
requests (`CONN_MAX_AGE`) and each centre in its own schema, the process grows with each centre served.
This script serves `N` centres' hosts one after the other through Django's own WSGI handler (so
`close_old_connections` runs at each request's start and end, as under gunicorn), on one thread, and
after every `--step` centres reads the server process's memory:

* `private`: Private_Clean + Private_Dirty of /proc/<pid>/smaps_rollup of `pg_backend_pid()` (the
  database server runs on this machine), in MiB;
* `cache`: the bytes of `CacheMemoryContext` and its children in `pg_backend_memory_contexts` (PG 14+).

Then: the same with `CONN_MAX_SCHEMAS` set (the connection replaced at a request's end past the bound);
whether `DISCARD ALL` gives memory back; and the times that the bound trades: opening a connection,
a request to a centre this connection has not served yet, and one to a centre it has.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_x_province \
        python platform/bench/connection_bench.py [--centres 2000] [--bound 500] [--path /bench/window/1]

The database is one made by platform/bench/province.py (+ province_clone.py); the path's pk must exist
in every schema for a 200 (run.py --hosts puts the bench window row there; a 404 touches the same table).
Prints one JSON line per measurement. Read only.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR.parent.parent), str(BENCH_DIR)]


def private_mib(pid: int) -> float:
    """Private_Clean + Private_Dirty of process `pid`, MiB."""
    total = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(("Private_Clean:", "Private_Dirty:")):
            total += int(line.split()[1])
    return total / 1024


def backend_memory() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(sum(total_bytes), 0) FROM pg_backend_memory_contexts "
                       "WHERE name = 'CacheMemoryContext' OR parent = 'CacheMemoryContext'")
        cache = int(cursor.fetchone()[0])
        cursor.execute("SELECT coalesce(sum(total_bytes), 0) FROM pg_backend_memory_contexts")
        total = int(cursor.fetchone()[0])
    return {"pid": pid, "private_mib": round(private_mib(pid), 2), "cache_mib": round(cache / 2**20, 2),
            "contexts_mib": round(total / 2**20, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--centres", type=int, default=2000)
    parser.add_argument("--step", type=int, default=250)
    parser.add_argument("--bound", type=int, action="append", help="CONN_MAX_SCHEMAS to try (repeatable)")
    parser.add_argument("--path", default="/bench/window/1")
    parser.add_argument("--timing", type=int, default=200, help="requests for each timing")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    import logging

    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.ERROR)  # a 404 is fine: the table was read
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test import RequestFactory

    from tenants.models import Domain

    handler = WSGIHandler()
    factory = RequestFactory()
    connection.settings_dict["CONN_MAX_AGE"] = 600
    hosts = list(Domain.objects.filter(is_primary=True, tenant__status="ready").order_by("tenant_id")
                 .values_list("domain", flat=True)[:args.centres])

    def serve(host: str) -> int:
        environ = factory.get(args.path, HTTP_HOST=host).environ
        statuses: list[str] = []
        response = handler(environ, lambda status, *_: statuses.append(status))
        b"".join(response)
        response.close()
        return int(statuses[0].split()[0])

    def emit(row: dict) -> None:
        print(json.dumps(row), flush=True)

    for bound in [0, *(args.bound or [])]:
        settings.CONN_MAX_SCHEMAS = bound
        connection.close()
        connection.set_schema_to_public()
        serve(hosts[0])
        emit({"bound": bound, "centres": 0, **backend_memory()})
        peak = 0.0
        pids = set()
        for n, host in enumerate(hosts, 1):
            status = serve(host)
            if status not in (200, 404):
                raise SystemExit(f"{host}{args.path} answered {status}")
            if n % args.step == 0 or n == len(hosts):
                row = backend_memory()
                pids.add(row["pid"])
                peak = max(peak, row["private_mib"])
                emit({"bound": bound, "centres": n, "connections": len(pids), "peak_private_mib": peak, **row})

    # DISCARD ALL on a grown connection, measured on one connection throughout
    settings.CONN_MAX_SCHEMAS = 0
    connection.close()
    for host in hosts:
        serve(host)
    grown = backend_memory()
    with connection.cursor() as cursor:
        cursor.execute("DISCARD ALL")
    connection.search_path_set_schemas = None
    after = backend_memory()
    emit({"discard_all": True, "before": grown, "after": after})

    # the times the bound trades
    def timed(func, count: int) -> float:
        times = []
        for i in range(count):
            started = time.perf_counter()
            func(i)
            times.append(time.perf_counter() - started)
        return round(statistics.median(times) * 1000, 3)

    warm = hosts[:50]
    for host in warm:
        serve(host)
    emit({"timing": "request to a centre this connection has served (ms, median)",
          "ms": timed(lambda i: serve(warm[i % len(warm)]), args.timing)})
    connection.close()
    serve(hosts[0])
    fresh = iter(hosts[1:])
    emit({"timing": "request to a centre this connection has not served yet (ms, median)",
          "ms": timed(lambda _i: serve(next(fresh)), min(args.timing, len(hosts) - 1))})

    def reconnect(_i: int) -> None:
        connection.close()
        serve(warm[0])
    emit({"timing": "request on a new connection, to one centre (ms, median)", "ms": timed(reconnect, args.timing)})


if __name__ == "__main__":
    main()
