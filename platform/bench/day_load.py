#!/usr/bin/env python3
"""A day at ten times (issue 18): the city's working day at ten times its 2014 volume, played by locust
(platform/bench/day_locustfile.py says who does what) against the platform on loopback — gunicorn, a
Celery worker and beat on Redis — over the 200 centres of the demo network, compressed into --minutes
(10: an 8-hour day at factor 48). Then it counts: server errors (5xx), cases lost (a case a client was
given that is not in its centre, or has no registry row; a registry row without its case), messages lost
(an SMS queued that is not sent once the worker has drained), and `reconcile_registry`'s drift.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/govservice CELERY_BROKER_URL=redis://127.0.0.1:6379/5 \\
        python platform/bench/day_load.py [--minutes 10] [--keep] [--reuse]

Like run.py it never touches the DATABASE_URL database itself: it builds `bench_<name>_day` on the same
server (migrations, `demo_provision`: 200 centres, the catalogue, the stations), then a clerk and a chief
representative with API tokens at every centre and a village agent at 40 townships (`setup`, written to a
JSON plan). `--reuse` keeps a database built by an earlier run (a trial, then the run). Redis db of
CELERY_BROKER_URL is flushed first (give one of your own). Needs locust (`pip install .[bench]`).

Prints one JSON line `DAY_RESULT {...}`: per kind of request its count, failures, p50 and p99 (locust's
client-side times, on the same 2 cores), the server's own p50/p99 per view from /metrics, the load
average before, during (every 15 s) and after, and the counts above.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))  # run.py's helpers (platform/ is not a package)

from run import (  # noqa: E402
    PYTHON,
    REPO,
    bench_dbname,
    child_env,
    db_exists,
    drop_db,
    free_port,
    log,
    prepare_migrated_db,
    run_worker,
    server_url,
    stop,
)

SETTINGS = "day_settings"
PASSWORD = "day-load-12345"  # noqa: S105 - the load's made-up staff, on a database of its own
AGENT_TOWNSHIPS = 40
PREFIX = "DAY_RESULT "
#: The runs' var folder, kept between runs: the PDFs' cut font is built there once (8-70 s, by the load).
VAR = Path(tempfile.gettempdir()) / "govservice-day-var"


# --- Django side (child processes: `day_load.py setup|check`) -----------------------------------------

def setup(plan_path: str) -> None:
    """Clerks, chiefs and agents with tokens, each centre's items: the plan locust reads."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from rest_framework.authtoken.models import Token

    from catalog.selectors import centre_catalogue
    from delegation.models import Station
    from delegation.services import station_agent_assign
    from tenants.choices import CentreStatus, Level, Role
    from tenants.models import Centre
    from tenants.services import membership_grant, user_get_or_create

    share = {Level.CITY: 0.2, Level.DISTRICT: 0.5, Level.ZONE: 0.5, Level.TOWNSHIP: 0.3}
    centres = list(Centre.objects.filter(status=CentreStatus.READY).order_by("division_code"))
    per_level = {level: sum(1 for c in centres if c.level == level) for level in share}
    district_like = per_level[Level.DISTRICT] + per_level[Level.ZONE]

    password_hash = make_password(PASSWORD)  # once: hashing 440 passwords takes minutes on a busy machine

    def token_of(username: str, centre: Centre, role: str) -> str:
        user = user_get_or_create(username=username, password_hash=password_hash)
        membership_grant(user=user, centre=centre, role=role, acting_user=None)
        return Token.objects.get_or_create(user=user)[0].key

    plan: dict = {"centres": [], "agents": [], "platform_host": settings.PLATFORM_DOMAIN}
    for centre in centres:
        items = sorted(set(centre_catalogue(centre=centre).values_list("item__code", flat=True)))[:8]
        if not items:
            continue
        count = district_like if centre.level in (Level.DISTRICT, Level.ZONE) else per_level[centre.level]
        plan["centres"].append({
            "code": centre.division_code, "host": f"{centre.slug}.{settings.PLATFORM_DOMAIN}", "items": items,
            "weight": share[centre.level] / count,
            "clerk": token_of(f"day-clerk-{centre.slug}", centre, Role.WINDOW_CLERK),
            "chief": token_of(f"day-chief-{centre.slug}", centre, Role.CHIEF_REPRESENTATIVE)})
    every = max(1, per_level[Level.TOWNSHIP] // AGENT_TOWNSHIPS)
    townships = [c for c in centres if c.level == Level.TOWNSHIP][::every]
    for township in townships[:AGENT_TOWNSHIPS]:
        station = Station.objects.filter(township=township).order_by("division_code").first()
        items = sorted(set(centre_catalogue(centre=township).values_list("item__code", flat=True)))[:5]
        if station is None or not items:
            continue
        agent = user_get_or_create(username=f"day-agent-{township.slug}", password_hash=password_hash)
        station_agent_assign(user=agent, station=station, acting_user=None)
        plan["agents"].append({"code": township.division_code, "items": items,
                               "host": f"{township.slug}.{settings.PLATFORM_DOMAIN}",
                               "token": Token.objects.get_or_create(user=agent)[0].key})
    Path(plan_path).write_text(json.dumps(plan))
    print(json.dumps({"centres": len(plan["centres"]), "agents": len(plan["agents"])}))


def check(made_path: str, since: str) -> None:
    """Cases given to clients that are missing (in their centre, in the registry), registry rows of the run
    without their case, messages of the run not sent; `reconcile_registry`'s drift."""
    import django

    django.setup()
    import io

    from django.core.management import call_command
    from django.db import connection

    from notifications.models import OutboxMessage
    from registry.models import RegistryEntry
    from tenants.models import Centre

    made = [json.loads(line) for line in Path(made_path).read_text().splitlines() if line.strip()]
    by_centre: dict[str, set[str]] = {}
    for row in made:
        by_centre.setdefault(row["centre"], set()).add(row["id"])
    centres = {c.division_code: c for c in Centre.objects.filter(division_code__in=by_centre)}
    missing_case = 0
    in_schemas: set[str] = set()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for code, ids in by_centre.items():
            cursor.execute(f"SELECT id::text FROM {quote(centres[code].schema_name)}.cases_case "  # noqa: S608
                           "WHERE id = ANY(%s::uuid[])", [sorted(ids)])
            found = {row[0] for row in cursor.fetchall()}
            in_schemas |= found
            missing_case += len(ids - found)
    registry = set(RegistryEntry.objects.filter(submitted_at__gte=since).values_list("case_id", flat=True))
    registry_ids = {str(case_id) for case_id in registry}
    made_ids = {row["id"] for row in made}
    messages = OutboxMessage.objects.filter(created_at__gte=since)
    out = io.StringIO()
    call_command("reconcile_registry", stdout=out, stderr=out)
    print(json.dumps({
        "cases_given": len(made), "cases_missing_in_centre": missing_case,
        "cases_without_registry_row": len(made_ids - registry_ids),
        "registry_rows_of_the_run": len(registry_ids),
        "registry_rows_without_a_case_given": len(registry_ids - made_ids),
        "messages": messages.count(), "messages_sent": messages.filter(status="sent").count(),
        "messages_pending": messages.filter(status__in=["pending", "sending"]).count(),
        "messages_failed": messages.filter(status="failed").count(),
        "reconcile": out.getvalue().strip().splitlines()[-1:] if out.getvalue().strip() else []}))


# --- orchestration -------------------------------------------------------------------------------------

def child(db_url: str, *args: str, **extra: str) -> str:
    proc = subprocess.run([PYTHON, str(Path(__file__).resolve()), *args], cwd=REPO, text=True, capture_output=True,
                          env=child_env(db_url, DJANGO_SETTINGS_MODULE=SETTINGS, **extra))
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-5000:])
        raise SystemExit(f"day_load.py {args[0]} failed")
    return proc.stdout.strip().splitlines()[-1]


def start(name: str, command: list[str], env: dict, logs: Path) -> subprocess.Popen:
    out = (logs / f"{name}.log").open("w")
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_healthy(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - http, loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} not healthy within {timeout} s")


def pending_messages(db_url: str, since: str) -> int:
    import psycopg

    with psycopg.connect(db_url) as conn:
        return conn.execute("SELECT count(*) FROM notifications_outboxmessage WHERE created_at >= %s "
                            "AND status IN ('pending', 'sending')", [since]).fetchone()[0]


def server_latency(port: int) -> dict:
    """p50/p99 per view from /metrics' histograms (the server's own time, without queueing in the client)."""
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as response:  # noqa: S310
        text = response.read().decode()
    buckets: dict[str, list[tuple[float, float]]] = {}
    server_errors = 0
    for family in text_string_to_metric_families(text):
        if family.name == "govservice_http_responses":
            server_errors += int(sum(s.value for s in family.samples
                                     if s.name.endswith("_total") and s.labels.get("status") == "5xx"))
        if family.name != "govservice_http_request_duration_seconds":
            continue
        for sample in family.samples:
            if sample.name.endswith("_bucket"):
                key = f"{sample.labels['method']} {sample.labels['view']}"
                buckets.setdefault(key, []).append((float(sample.labels["le"]), sample.value))

    def quantile(rows: list[tuple[float, float]], q: float) -> float:
        rows = sorted(rows)
        total = rows[-1][1]
        lower_bound, lower_count = 0.0, 0.0
        for bound, count in rows:
            if count >= q * total:
                if bound == float("inf"):
                    return lower_bound * 1000
                share = (q * total - lower_count) / max(count - lower_count, 1e-9)
                return (lower_bound + (bound - lower_bound) * share) * 1000
            lower_bound, lower_count = bound, count
        return rows[-1][0] * 1000

    views = {key: {"count": int(sorted(rows)[-1][1]), "p50_ms": round(quantile(rows, 0.5), 1),
                   "p99_ms": round(quantile(rows, 0.99), 1)} for key, rows in buckets.items() if sorted(rows)[-1][1]}
    return {"responses_5xx": server_errors, "views": views}


def waited_cpu() -> float:
    """CPU seconds of the child processes this one has waited for (locust)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_seconds(processes: dict[str, subprocess.Popen], dbname: str) -> dict[str, float]:
    """CPU seconds (user + system) each of our processes has used with its children, and the PostgreSQL
    backends serving the run's database (their process titles name it): what the 2 cores went to."""
    import psutil

    def used(proc: psutil.Process) -> float:
        try:
            times = proc.cpu_times()
            return times.user + times.system + times.children_user + times.children_system
        except psutil.Error:
            return 0.0

    out = {}
    for name, popen in processes.items():
        try:
            root = psutil.Process(popen.pid)
            out[name] = round(used(root) + sum(used(child) for child in root.children(recursive=True)), 1)
        except psutil.Error:
            out[name] = 0.0
    backends = 0.0
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and dbname in " ".join(proc.info["cmdline"] or []):
            backends += used(proc)
    out["postgres backends"] = round(backends, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the load runs")
    parser.add_argument("--day-minutes", type=float, default=10.0,
                        help="the 8-hour day played in this many minutes (the rates; 10: factor 48)")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument("--reuse", action="store_true", help="use the database an earlier run kept")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=4)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    broker = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/5")
    name = bench_dbname(url, "day")
    work = Path(tempfile.mkdtemp(prefix="day-load-"))
    if args.reuse and db_exists(url, name):
        db_url = server_url(url, name)
        log(f"reusing {name}")
    else:
        db_url = prepare_migrated_db(url, name)
        log("demo network: demo_provision() (200 centres, catalogue, stations)")
        log(f"  {run_worker(db_url, 'network')['seconds']:.0f} s")
    plan = work / "plan.json"
    log(f"setup: {child(db_url, 'setup', str(plan))}")

    import redis

    redis.Redis.from_url(broker).flushdb()  # the run's own broker and cache (give it a db of its own)
    metrics = work / "metrics"
    metrics.mkdir()
    port = free_port()
    env = child_env(db_url, DJANGO_SETTINGS_MODULE=SETTINGS, CELERY_BROKER_URL=broker, CACHE_URL=broker,
                    TRUSTED_PROXIES="1", PROMETHEUS_MULTIPROC_DIR=str(metrics), GOVSERVICE_VAR_DIR=str(VAR),
                    DAY_COMPRESSION=str(8 * 60 / args.day_minutes), PLATFORM_PORT=str(port), SMS_BACKEND="console")
    bin_dir = Path(PYTHON).parent
    processes = {
        "web": start("web", [str(bin_dir / "gunicorn"), "--pythonpath", f"{REPO},{BENCH_DIR}", "config.wsgi",
                             "--bind", f"127.0.0.1:{port}", "--workers", str(args.web_workers),
                             "--threads", str(args.web_threads), "--log-level", "warning"], env, work),
        "worker": start("worker", [str(bin_dir / "celery"), "-A", "config", "worker", "-l", "warning",
                                   "--concurrency", "2"], env, work),
        "beat": start("beat", [str(bin_dir / "celery"), "-A", "config", "beat", "-l", "info",
                               "-s", str(work / "beat-schedule")], env, work),
    }
    made = work / "made.jsonl"
    loads: list[tuple[float, float]] = []
    result: dict = {"minutes": args.minutes, "compression": round(8 * 60 / args.day_minutes, 1),
                    "cases_a_second": round(136_000 * 10 / 250 / (args.day_minutes * 60), 2), "work": str(work)}
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz")
        since = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        result["loadavg_before"] = os.getloadavg()
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.wait(15):
                loads.append((round(time.time()), os.getloadavg()[0]))

        threading.Thread(target=sample, daemon=True).start()
        children_cpu = waited_cpu()
        users = 62
        log(f"locust: {users} users for {args.minutes} min on port {port} (logs in {work})")
        locust = subprocess.run(
            [str(bin_dir / "locust"), "-f", str(BENCH_DIR / "day_locustfile.py"), "--headless", "-u", str(users),
             "-r", "20", "--run-time", f"{int(args.minutes * 60)}s", "--host", f"http://127.0.0.1:{port}",
             "--csv", str(work / "locust"), "--only-summary", "--stop-timeout", "90"],
            cwd=REPO, env={**os.environ, "DAY_PLAN": str(plan), "DAY_MADE": str(made),
                           "DAY_MINUTES": str(args.day_minutes)}, capture_output=True, text=True)
        (work / "locust.log").write_text(locust.stdout + locust.stderr)
        result["cpu_seconds"] = cpu_seconds(processes, name)
        result["cpu_seconds"]["locust"] = round(waited_cpu() - children_cpu, 1)
        sampling.set()
        result["loadavg_during"] = loads
        result["loadavg_end"] = os.getloadavg()
        deadline = time.monotonic() + 180
        while (waiting := pending_messages(db_url, since)) and time.monotonic() < deadline:
            log(f"waiting for the worker to send {waiting} messages")
            time.sleep(5)
        result["server"] = server_latency(port)
    finally:
        for proc in processes.values():
            stop(proc)
    result["requests"] = locust_stats(work / "locust_stats.csv")
    with (work / "locust_failures.csv").open(encoding="utf-8") as stream:
        result["failures"] = [{"name": row["Name"], "error": row["Error"][:160], "count": int(row["Occurrences"])}
                              for row in csv.DictReader(stream)]
    result["left_waiting"] = json.loads((Path(str(made) + ".waiting")).read_text())
    result["counts"] = json.loads(child(db_url, "check", str(made), since))
    result["web_log_server_errors"] = (work / "web.log").read_text(errors="replace").count("Internal Server Error")
    print(PREFIX + json.dumps(result), flush=True)
    if not args.keep:
        drop_db(url, name)
        shutil.rmtree(work, ignore_errors=True)


def locust_stats(path: Path) -> dict:
    rows = {}
    with path.open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            rows[row["Name"]] = {"count": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                                 "p50_ms": float(row["50%"]), "p99_ms": float(row["99%"]),
                                 "rps": round(float(row["Requests/s"]), 2)}
    return rows


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "setup":
        setup(sys.argv[2])
    elif len(sys.argv) > 1 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    else:
        main()
