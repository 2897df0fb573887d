#!/usr/bin/env python3
"""Throughput with and without PgBouncer (issue 18, connection pooling): the routed one-row read of run.py's
`http` measurement (`/bench/window/<pk>`, each request naming the next of --hosts centres' hosts), served by
the same gunicorn twice — straight to PostgreSQL, and through a PgBouncer in transaction pooling
(platform/pgbouncer.ini's settings, `DATABASE_POOLER=pgbouncer`: every statement carries its centre's
`SET LOCAL search_path`). wrk rounds interleaved, median of the paired ratios, load average noted. Also the
per-statement cost of the search path in the statement, without PgBouncer: the same ORM read 5,000 times
in one process with the pooled backend against PostgreSQL directly and with the ordinary one.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/govservice \\
        python platform/bench/pool_bench.py [--database bench_govservice_day] [--hosts 200] [--rounds 3]

`--database` names a database with the demo network (day_load.py --keep leaves one); without it
`bench_<name>_pool` is built (demo_provision) and dropped at the end. Needs wrk and pgbouncer.
"""
from __future__ import annotations

import argparse
import configparser
import json
import os
import shutil
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
    ROUTED_HOST,
    ROUTED_SCHEMA,
    bench_dbname,
    child_env,
    drop_db,
    free_port,
    log,
    prepare_migrated_db,
    rotating_hosts,
    run_worker,
    server_url,
    stop,
    wait_ready,
    wrk,
)

READS = 5000


def start_pgbouncer(db_url: str, folder: Path, pool_size: int) -> tuple[subprocess.Popen, int]:
    """PgBouncer with platform/pgbouncer.ini's [pgbouncer] section, its own port, trust authentication."""
    from urllib.parse import urlsplit

    parts = urlsplit(db_url)
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(REPO / "platform" / "pgbouncer.ini")
    port = free_port()
    folder.chmod(0o755)
    users = folder / "users.txt"
    users.write_text(f'"{parts.username or "postgres"}" ""\n')
    section = dict(ini["pgbouncer"])
    section.update(listen_addr="127.0.0.1", listen_port=str(port), unix_socket_dir="", auth_type="trust",
                   auth_file=str(users), default_pool_size=str(pool_size), admin_users="", stats_users="")
    name = parts.path.lstrip("/")
    lines = ["[databases]", f"{name} = host={parts.hostname} port={parts.port or 5432} dbname={name}",
             "[pgbouncer]", *(f"{key} = {value}" for key, value in section.items())]
    (folder / "pgbouncer.ini").write_text("\n".join(lines) + "\n")
    for path in folder.iterdir():
        path.chmod(0o644)
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    command = [binary, *(["-u", "nobody"] if os.geteuid() == 0 else []), str(folder / "pgbouncer.ini")]
    proc = subprocess.Popen(command, stdout=(folder / "log").open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    time.sleep(1)
    if proc.poll() is not None:
        raise SystemExit(f"pgbouncer exited: {(folder / 'log').read_text()}")
    return proc, port


def through(db_url: str, port: int) -> str:
    """`db_url` with PgBouncer's address (loopback, `port`) instead of PostgreSQL's."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(db_url)
    credentials = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit((parts.scheme, f"{credentials}127.0.0.1:{port}", parts.path, parts.query, parts.fragment))


def start_web(env: dict, port: int, args) -> subprocess.Popen:
    gunicorn = str(Path(PYTHON).parent / "gunicorn")
    cmd = [gunicorn, "--pythonpath", f"{REPO},{BENCH_DIR}", "--bind", f"127.0.0.1:{port}", "--workers",
           str(args.workers), "--threads", str(args.threads), "--log-level", "warning", "config.wsgi:application"]
    return subprocess.Popen(cmd, cwd=REPO, env=env, start_new_session=True)


def statement_cost(db_url: str) -> dict:
    """The ORM read READS times in one process, ordinary backend vs pooled (search path in each statement),
    both straight to PostgreSQL: the prefix's own cost."""
    out = {}
    for name, extra in (("ordinary", {}), ("pooled", {"DATABASE_POOLER": "pgbouncer", "DATABASE_DIRECT_URL": db_url})):
        proc = subprocess.run([PYTHON, str(Path(__file__).resolve()), "--reads"], cwd=REPO, text=True,
                              capture_output=True, env=child_env(db_url, DJANGO_SETTINGS_MODULE="bench_settings",
                                                                  **extra))
        if proc.returncode != 0:
            raise SystemExit(proc.stderr[-3000:])
        out[name] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def reads() -> None:
    import django

    django.setup()
    from django.db import connection
    from django_tenants.utils import schema_context

    from windows.models import Window

    with schema_context(ROUTED_SCHEMA):
        pk = Window.objects.order_by("pk").values_list("pk", flat=True).first()
        for _ in range(200):
            Window.objects.filter(pk=pk).values("number").first()
        times = []
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(READS // 5):
                Window.objects.filter(pk=pk).values("number").first()
            times.append((time.perf_counter() - started) / (READS // 5) * 1e6)
    print(json.dumps({"us_per_read": round(statistics.median(times), 1), "pooled": connection.pooled}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="an existing database with the demo network (kept)")
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--pool-size", type=int, default=4, help="PgBouncer's server connections")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    built = None
    if args.database:
        db_url = server_url(url, args.database)
    else:
        built = bench_dbname(url, "pool")
        db_url = prepare_migrated_db(url, built)
        log("demo network (demo_provision)")
        run_worker(db_url, "network")
    pk = run_worker(db_url, "window_pk", ROUTED_SCHEMA)["pk"]
    path = f"/bench/window/{pk}"
    hosts_file = rotating_hosts(db_url, pk, args.hosts) if args.hosts > 1 else None
    folder = Path(tempfile.mkdtemp(prefix="pool-bench-"))
    bouncer, bouncer_port = start_pgbouncer(db_url, folder, args.pool_size)
    pooled_url = through(db_url, bouncer_port)
    direct_port, pooled_port = free_port(), free_port()
    direct = start_web(child_env(db_url, DJANGO_SETTINGS_MODULE="bench_settings"), direct_port, args)
    pooled = start_web(child_env(pooled_url, DJANGO_SETTINGS_MODULE="bench_settings", DATABASE_POOLER="pgbouncer",
                                 DATABASE_DIRECT_URL=db_url), pooled_port, args)
    samples: dict[str, list[float]] = {"direct": [], "pgbouncer": []}
    try:
        for port, proc in ((direct_port, direct), (pooled_port, pooled)):
            wait_ready(port, path, ROUTED_HOST, proc)
            wrk(port, path, ROUTED_HOST, 5, args, hosts_file)  # warm: every worker, every centre
        load_before = os.getloadavg()
        for i in range(args.rounds):
            order = [("direct", direct_port), ("pgbouncer", pooled_port)]
            if i % 2:
                order.reverse()
            for name, port in order:
                run = wrk(port, path, ROUTED_HOST, args.seconds, args, hosts_file)
                samples[name].append(run["rps"])
                log(f"round {i + 1}/{args.rounds} {name:9s} {run['rps']:7.0f} req/s (avg latency {run['latency']})")
        load_after = os.getloadavg()
    finally:
        stop(direct)
        stop(pooled)
        stop(bouncer)
    cost = statement_cost(db_url)
    paired = [p / d for p, d in zip(samples["pgbouncer"], samples["direct"], strict=True)]
    result = {"direct": statistics.median(samples["direct"]), "pgbouncer": statistics.median(samples["pgbouncer"]),
              "ratio": round(statistics.median(paired), 3), "paired": [round(x, 3) for x in paired],
              "samples": samples, "loadavg": [load_before, load_after], "hosts": args.hosts,
              "config": f"gunicorn {args.workers} gthread workers x {args.threads} threads; PgBouncer "
                        f"default_pool_size={args.pool_size}; wrk -t{args.wrk_threads} -c{args.connections} "
                        f"-d{args.seconds}s, {args.rounds} rounds", "statement_cost": cost}
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    shutil.rmtree(folder, ignore_errors=True)
    if hosts_file is not None:
        hosts_file.unlink(missing_ok=True)
    if built:
        drop_db(url, built)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--reads"]:
        reads()
    else:
        main()
