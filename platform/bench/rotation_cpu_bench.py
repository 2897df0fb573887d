#!/usr/bin/env python3
"""CPU a request costs, routed over many centres vs plain Django, measured in-process (issue 17).

On a machine shared by many (load 10-20 on 2 cores) wrk's requests/s swing by 2x between rounds, so
this script measures what rotation adds in CPU time, which load slows but does not hide: it serves the
one-row read (`/bench/window/<pk>`) through Django's WSGI handler on one thread, `--requests` times
after two warm passes, and prints per request the process's own CPU time (`time.process_time`) and
the PostgreSQL server process's (utime + stime of `pg_backend_pid()` in /proc, same machine).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_x_province \
        python platform/bench/rotation_cpu_bench.py --hosts 2000 [--requests 4000] [--rounds 3]

Each round runs: `plain` (bench_settings_plain in a child process: no routing, search_path fixed
per connection), `routed-1` (one host), `routed-N` (round robin over N hosts), and `routed-N-separate-set`
(the same with the `SET search_path` sent as a statement of its own, as stock django-tenants does).
run.py --hosts N has put the bench window row in each centre's schema. Prints one JSON line per run.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent.parent


def child(mode: str, hosts: int, requests: int, path: str) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench_settings_plain" if mode == "plain" else "bench_settings",
               DJANGO_DEBUG="0", PYTHONPATH=os.pathsep.join([str(REPO), str(BENCH_DIR)]))
    out = subprocess.run([sys.executable, __file__, "--child", mode, "--hosts", str(hosts), "--requests",
                          str(requests), "--path", path], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_child(mode: str, count: int, requests: int, path: str) -> dict:
    import logging

    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.ERROR)
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test import RequestFactory

    if mode.endswith("separate-set"):
        from django.db.backends.postgresql.base import Cursor

        params = connection.get_connection_params
        connection.get_connection_params = lambda: {**params(), "cursor_factory": Cursor}  # type: ignore[method-assign]
    connection.settings_dict["CONN_MAX_AGE"] = 600
    if mode == "plain":
        hosts = ["plain.localhost"]
    else:
        from tenants.models import Domain

        hosts = list(Domain.objects.filter(is_primary=True, tenant__status="ready").order_by("tenant_id")
                     .values_list("domain", flat=True)[:count])
        if mode == "routed-1":
            hosts = [h for h in hosts if h.startswith("beilin.")] or hosts[:1]
    handler = WSGIHandler()
    factory = RequestFactory()
    environs = [factory.get(path, HTTP_HOST=host).environ for host in hosts]

    def serve(i: int) -> None:
        environ = dict(environs[i % len(environs)])
        statuses: list[str] = []
        response = handler(environ, lambda status, *_: statuses.append(status))
        b"".join(response)
        response.close()
        if not statuses[0].startswith("200"):
            raise SystemExit(f"{hosts[i % len(hosts)]}{path}: {statuses[0]}")

    def backend_cpu() -> float:
        pid = connection.connection.info.backend_pid
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    for i in range(2 * len(hosts)):  # every centre met twice: caches warm on both sides
        serve(i)
    pg0, py0, wall0 = backend_cpu(), time.process_time(), time.perf_counter()
    for i in range(requests):
        serve(i)
    return {"mode": mode, "hosts": len(hosts), "requests": requests,
            "python_cpu_ms": round((time.process_time() - py0) / requests * 1000, 4),
            "pg_cpu_ms": round((backend_cpu() - pg0) / requests * 1000, 4),
            "wall_ms": round((time.perf_counter() - wall0) / requests * 1000, 4),
            "loadavg": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--path", default="/bench/window/1")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.child, args.hosts, args.requests, args.path)), flush=True)
        return
    modes = ["plain", "routed-1", f"routed-{args.hosts}", f"routed-{args.hosts}-separate-set"]
    rows: dict[str, list[dict]] = {mode: [] for mode in modes}
    for n in range(args.rounds):
        for mode in modes if n % 2 == 0 else reversed(modes):
            row = child(mode, args.hosts, args.requests, args.path)
            rows[mode].append(row)
            print(json.dumps({"round": n + 1, **row}), flush=True)
    import statistics

    for mode, found in rows.items():
        cpu = [r["python_cpu_ms"] + r["pg_cpu_ms"] for r in found]
        print(json.dumps({"mode": mode, "median_cpu_ms": round(statistics.median(cpu), 4),
                          "python_cpu_ms": statistics.median(r["python_cpu_ms"] for r in found),
                          "pg_cpu_ms": statistics.median(r["pg_cpu_ms"] for r in found)}), flush=True)


if __name__ == "__main__":
    main()
