#!/usr/bin/env python3
"""Cases benchmarks: accepting a case through the API (wrk) vs the same SQL in pgbench; the public
progress lookup's latency over 1,000,000 registry rows.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/govservice \
        python platform/bench/cases_bench.py [--seconds 10] [--connections 16] [--keep]
        python platform/bench/cases_bench.py --only accept [--profile 200] [--rounds 0]

`--only accept` leaves out the progress lookup (and its 1,000,000 rows); `--profile N` first accepts N
cases in process through Django's test client (median wall time and the process's CPU time a request,
which a busy shared machine inflates less than wall time) and N more under cProfile counting CPU time
(the top functions to stderr); `--rounds 0` skips the wrk/pgbench rounds.

Like run.py, the script never touches the database named in DATABASE_URL: it creates
`bench_<name>_cases` on the same server (dropped first if it exists, and again at the end unless
--keep), migrates its public schema, and runs Django in child processes pointed at it. Needs `wrk`
and `pgbench` on PATH (apt-get install -y wrk postgresql-client / postgresql-contrib) or pgserver's.

Measurements (targets in brackets):
  accept    POST /api/v1/cases/<uuid>/transitions/ {"action": "accept"} on beilin.localhost with a
            window clerk's token, gunicorn (config.wsgi, `cases_bench_settings`, sync workers = CPUs),
            wrk -t2 -cN for --seconds; a Lua script walks a file of pre-submitted case ids, so every
            request accepts a different submitted case (any non-2xx answer fails the run). The cases
            are clones (in SQL) of one case submitted through cases.services.case_submit, each with
            its registry row. The statements of one accept request are captured (every statement the
            request sends, through connection.execute_wrapper, with whether it ran inside the
            service's transaction), bound into literal SQL and written as a pgbench script: the same
            statements in the same order, BEGIN/COMMIT around the transaction's ones, the case id,
            number and registry id substituted from a table of other pre-submitted clones (one extra
            indexed SELECT ... \\gset a transaction picks the next one from a sequence). pgbench -M simple
            -cN -jT for the same seconds. Reported: both rates and API/pgbench [aim >= 0.25].
  progress  1,000,000 registry rows (INSERT ... SELECT generate_series, cloned from a real row);
            1,000 sampled numbers get the true lookup HMACs; wrk --latency for --seconds on
            GET /progress/api/?number=...&factor=... (registry.views.ProgressApi; rate limit lifted
            by cases_bench_settings), each request a random sampled number: p50/p99 [p99 <= 20 ms], with
            wrk -cN (saturated: latency includes queueing for the workers) and with one connection a worker.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
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
    free_port,
    log,
    machine_info,
    prepare_migrated_db,
    stop,
)

HOST = "beilin.localhost"
SCHEMA = "c610103"
VALID_ID = "11010519491231002X"  # the sampled applicants' ID number: lookup factor "002X"
REGISTRY_ROWS = 1_000_000
SAMPLE_EVERY = 1_000
SETTINGS = "cases_bench_settings"

ACCEPT_LUA = """
-- each thread walks its own slice of the case ids: thread k takes ids k, k+T, k+2T, ...
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
local threads, nthreads = {}, tonumber(os.getenv("BENCH_THREADS"))
function setup(thread) thread:set("tid", #threads); table.insert(threads, thread) end
function init(args) idx = tid + 1 end
wrk.method = "POST"
wrk.body = '{"action": "accept"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Token " .. os.getenv("BENCH_TOKEN")
function request()
  local id = ids[idx]
  idx = idx + nthreads
  return wrk.format(nil, "/api/v1/cases/" .. id .. "/transitions/")
end
function done(summary, latency, requests)
  -- the furthest id any thread took: the next run starts after it
  local furthest = 0
  for _, thread in ipairs(threads) do furthest = math.max(furthest, thread:get("idx")) end
  local out = io.open(os.getenv("BENCH_USED"), "w")
  out:write(tostring(furthest))
  out:close()
end
"""

PROGRESS_LUA = """
local rows = {}
for line in io.lines(os.getenv("BENCH_IDS")) do rows[#rows + 1] = line end
function init(args) math.randomseed(os.time() + (tid or 0)) end
function request()
  return wrk.format("GET", "/progress/api/?number=" .. rows[math.random(#rows)] .. "&factor=002X")
end
"""

WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_REQUESTS = re.compile(r"(\d+) requests in")
WRK_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
WRK_PCT = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
PGBENCH_TPS = re.compile(r"tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)")


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        try:
            import pgserver

            candidate = Path(pgserver.__file__).parent / "pginstall" / "bin" / name
            found = str(candidate) if candidate.exists() else None
        except ImportError:
            pass
    if found is None:
        raise SystemExit(f"{name} is not installed (apt-get install -y wrk postgresql-client)")
    return found


def to_ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(path_or_script: Path, port: int, seconds: int, args, env: dict, latency: bool = False,
        connections: int | None = None) -> dict:
    cmd = [tool("wrk"), f"-t{args.wrk_threads}", f"-c{connections or args.connections}", f"-d{seconds}s",
           "-H", f"Host: {HOST}", "-s", str(path_or_script), f"http://127.0.0.1:{port}"]
    if latency:
        cmd.insert(1, "--latency")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                         env={**os.environ, **env, "BENCH_THREADS": str(args.wrk_threads)}).stdout
    non2xx = WRK_NON2XX.search(out)
    if non2xx:
        raise SystemExit(f"wrk got {non2xx.group(1)} non-2xx responses:\n{out}")
    result = {"rps": float(WRK_RPS.search(out).group(1)), "requests": int(WRK_REQUESTS.search(out).group(1))}
    result.update({f"p{p}_ms": to_ms(v, u) for p, v, u in WRK_PCT.findall(out)})
    return result


def start_gunicorn(db_url: str, port: int, args) -> subprocess.Popen:
    gunicorn = shutil.which("gunicorn", path=str(Path(PYTHON).parent)) or "gunicorn"
    cmd = [gunicorn, "--pythonpath", f"{REPO},{BENCH_DIR}", "--bind", f"127.0.0.1:{port}",
           "--workers", str(args.workers), "--worker-class", "sync", "--log-level", "warning",
           "config.wsgi:application"]
    return subprocess.Popen(cmd, cwd=REPO, env=child_env(db_url, DJANGO_SETTINGS_MODULE=SETTINGS),
                            start_new_session=True)


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({proc.returncode})")
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/cases/", headers={"Host": HOST})
            urllib.request.urlopen(request, timeout=2)
        except urllib.error.HTTPError:
            return  # 401: up and routing
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
            continue
        return
    raise SystemExit(f"gunicorn did not answer within {timeout} s")


def run_child(db_url: str, step: str, work: Path, args, count: int | None = None) -> dict:
    cmd = [PYTHON, str(Path(__file__).resolve()), "--child", step, "--work", str(work),
           "--pool", str(count or args.pool)]
    extra = {"DJANGO_SETTINGS_MODULE": SETTINGS} if step == "profile" else {}
    proc = subprocess.run(cmd, cwd=REPO, env=child_env(db_url, ROUTING_CHECK_SECONDS="3600", **extra),
                          stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"child {step} failed ({proc.returncode})")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise SystemExit(f"child {step} printed no result")


def pgbench(db_url: str, script: Path, clients: int, threads: int, seconds: int) -> float:
    from urllib.parse import urlsplit

    parts = urlsplit(db_url)
    env = {**os.environ, "PGOPTIONS": f"-c search_path={SCHEMA},public", "PGHOST": parts.hostname or "127.0.0.1",
           "PGPORT": str(parts.port or 5432), "PGUSER": parts.username or "postgres",
           "PGDATABASE": parts.path.lstrip("/")}
    if parts.password:
        env["PGPASSWORD"] = parts.password
    out = subprocess.run([tool("pgbench"), "-n", "-M", "simple", f"-c{clients}", f"-j{threads}", f"-T{seconds}",
                          "-f", str(script)], capture_output=True, text=True, env=env)
    failed = re.search(r"number of failed transactions: (\d+)", out.stdout)
    if out.returncode != 0 or (failed and int(failed.group(1))):
        raise SystemExit(f"pgbench failed:\n{out.stdout}\n{out.stderr[-3000:]}\nscript:\n{script.read_text()}")
    return float(PGBENCH_TPS.search(out.stdout).group(1))


# --- Django side (child processes) ---------------------------------------------------------------

def child_setup(work: Path, pool: int) -> dict:
    """A city and Beilin, an adopted item, a clerk with a token, one case submitted through the service
    and `pool` clones for wrk and `9 * pool` for pgbench; capture one accept's statements."""
    import datetime as dt

    from django.db import connection
    from django_tenants.utils import schema_context
    from rest_framework.authtoken.models import Token

    from cases.services import case_submit
    from catalog.models import Department
    from catalog.services import adoption_create, item_create, version_create_draft, version_publish
    from tenants.choices import Role
    from tenants.models import Centre
    from tenants.services import centre_bulk_onboard, membership_grant, user_get_or_create
    from tenants.validation import CentreInput

    centre_bulk_onboard(rows=[
        CentreInput("city", "610100", "xian", "西安市政务服务中心", "Xi'an Centre", ""),
        CentreInput("district", "610103", "beilin", "碑林区", "Beilin District", "610100")], acting_user=None)
    beilin = Centre.objects.get(slug="beilin")
    department = Department.objects.create(code="SC", name_zh="市市场监督管理局", name_en="Market Regulation")
    item = item_create(code="610100SC-XK-0001", department=department, category="licence", item_type="XK",
                       levels=["city", "district"], acting_user=None)
    version = version_create_draft(
        item=item, content={"name_zh": "食品经营许可", "name_en": "Food business licence", "legal_limit_days": 20,
                            "promised_limit_days": 10},
        materials=[{"name_zh": "申请书", "name_en": "Application"}, {"name_zh": "场所平面图", "name_en": "Floor plan"}],
        effective_from=dt.date(2020, 1, 1), acting_user=None)
    version_publish(version=version, acting_user=None, today=dt.date(2020, 1, 1))
    item.refresh_from_db()
    adoption_create(centre=beilin, item=item, promised_limit_days=8, window="5", acting_user=None,
                    today=dt.date(2020, 1, 1))
    clerk = user_get_or_create(username="bench-clerk", password=secrets.token_urlsafe())
    membership_grant(user=clerk, centre=beilin, role=Role.WINDOW_CLERK, acting_user=None)
    token = Token.objects.create(user=clerk).key

    with schema_context(beilin.schema_name):
        connection.set_tenant(beilin)
        template = case_submit(centre=beilin, item_code=item.code, applicant_kind="person", applicant_name="张三",
                               applicant_id_number=VALID_ID, phone="13812345678", channel="window",
                               acting_user=clerk).case
        started = time.perf_counter()
        total = 10 * pool + 10
        _clone_cases(template, total)
        log(f"setup: {total} submitted cases cloned in SQL in {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("SELECT c.id::text FROM cases_case c WHERE c.number LIKE 'B-%%' ORDER BY c.number")
            ids = [row[0] for row in cursor.fetchall()]
        capture_ids, api_ids, pg_ids = ids[:10], ids[10:10 + pool], ids[10 + pool:]
        (work / "accept_ids.txt").write_text("\n".join(api_ids) + "\n")
        (work / "token.txt").write_text(token)
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE bench_pg_ids (n integer PRIMARY KEY, case_id uuid NOT NULL, "
                           "number text NOT NULL, registry_id bigint NOT NULL)")
            cursor.execute("INSERT INTO bench_pg_ids SELECT row_number() OVER (ORDER BY c.number), c.id, c.number, "
                           "r.id FROM cases_case c JOIN registry_registryentry r ON r.case_id = c.id "
                           "WHERE c.id = ANY(%s::uuid[])", [pg_ids])
            cursor.execute("CREATE SEQUENCE bench_pg_seq")
            cursor.execute("ANALYZE")
    connection.set_schema_to_public()
    capture = _capture_accept(token, capture_ids)
    script = _pgbench_script(capture)
    (work / "accept.sql").write_text(script)
    return {"token": token, "api_pool": len(api_ids), "pg_pool": len(pg_ids), **capture, "script": script}


def _clone_cases(template, count: int) -> None:
    """`count` copies of the submitted `template` case (new id, number `B-<n>`), each with a registry row."""
    from django.db import connection

    from cases.models import Case
    from registry.models import RegistryEntry

    def columns(model, replace: dict[str, str]) -> tuple[str, str]:
        names = [f.column for f in model._meta.concrete_fields if f.column != "id" or "id" in replace]
        return (", ".join(f'"{n}"' for n in names), ", ".join(replace.get(n, f't."{n}"') for n in names))

    number = "'B-' || lpad(g::text, 8, '0')"
    case_cols, case_values = columns(Case, {"id": "gen_random_uuid()", "number": number})
    reg_cols, reg_values = columns(RegistryEntry, {"case_id": "c.id", "number": "c.number"})
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO cases_case ({case_cols}) SELECT {case_values} FROM cases_case t, "  # noqa: S608
                       f"generate_series(1, %s) g WHERE t.id = %s", [count, template.id])
        cursor.execute(f"INSERT INTO registry_registryentry ({reg_cols}) SELECT {reg_values} "  # noqa: S608
                       f"FROM registry_registryentry t, cases_case c WHERE t.case_id = %s AND c.number LIKE 'B-%%'",
                       [template.id])


def _capture_accept(token: str, ids: list[str]) -> dict:
    """Accept ids[0] and ids[1] (warm-up) through the test client, then ids[2] capturing its statements."""
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Token {token}")

    def accept(case_id: str):
        response = client.post(f"/api/v1/cases/{case_id}/transitions/", {"action": "accept"},
                                content_type="application/json")
        if response.status_code != 200:
            raise SystemExit(f"accept answered {response.status_code}: {response.content[:500]!r}")
        return response.json()

    accept(ids[0])
    accept(ids[1])
    statements: list[dict] = []

    def record(execute, sql, params, many, context):
        bound = context["cursor"].mogrify(sql, params)  # psycopg's ClientCursor: the literal SQL sent
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append({"sql": sql, "bound": bound, "atomic": connection.in_atomic_block,
                               "ms": (time.perf_counter() - started) * 1000})

    with connection.execute_wrapper(record):
        body = accept(ids[2])
    bound = [{"sql": " ".join(s["bound"].split()), "atomic": s["atomic"], "ms": round(s["ms"], 3),
              "template": s["sql"]} for s in statements]
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM registry_registryentry WHERE case_id = %s", [ids[2]])
        registry_id = cursor.fetchone()[0]
    log(f"accept: {len(bound)} statements ({sum(s['atomic'] for s in bound)} in the transaction)")
    return {"statements": bound, "case_id": ids[2], "number": body["number"], "registry_id": registry_id}


def _pgbench_script(capture: dict) -> str:
    """The captured statements with this case's id, number and registry id replaced by pgbench
    variables taken (one indexed SELECT ... \\gset) from the next row of bench_pg_ids."""
    case_id, number, registry_id = capture["case_id"], capture["number"], capture["registry_id"]
    lines = ["SELECT case_id AS cid, number AS num, registry_id AS rid FROM bench_pg_ids "
             "WHERE n = (SELECT nextval('bench_pg_seq')) \\gset"]
    in_tx = False
    for statement in capture["statements"]:
        # inside a literal after a colon (the SMS's dedupe key 'case:<id>:accepted'), `::cid` would read as a
        # cast: the literal is split around the variable instead
        sql = statement["sql"].replace(f":{case_id}:", ":' || ':cid' || ':")
        sql = sql.replace(case_id, ":cid").replace(uuid.UUID(case_id).hex, ":cid")
        sql = sql.replace(f"'{number}'", "':num'")
        sql = re.sub(rf'("registry_registryentry"\."id" = ){registry_id}\b', r"\1:rid", sql)
        if statement["atomic"] and not in_tx:
            lines.append("BEGIN;")
            in_tx = True
        elif not statement["atomic"] and in_tx:
            lines.append("COMMIT;")
            in_tx = False
        lines.append(sql + ";")
    if in_tx:
        lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def child_registry(work: Path) -> dict:
    """1,000,000 registry rows cloned from the first one; every SAMPLE_EVERY-th gets true lookup HMACs."""
    from django.db import connection

    from registry.hashing import lookup_hmac
    from registry.models import RegistryEntry

    started = time.perf_counter()
    names = [f.column for f in RegistryEntry._meta.concrete_fields if f.column != "id"]
    replace = {"case_id": "gen_random_uuid()", "number": "'P-' || lpad(g::text, 9, '0')",
               "lookup_hmacs": "ARRAY[md5(g::text) || md5(g::text), md5('p' || g) || md5('p' || g)]::varchar[]"}
    cols = ", ".join(f'"{n}"' for n in names)
    values = ", ".join(replace.get(n, f't."{n}"') for n in names)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_registryentry")
        before = cursor.fetchone()[0]
        cursor.execute(f"INSERT INTO registry_registryentry ({cols}) SELECT {values} "  # noqa: S608
                       f"FROM (SELECT * FROM registry_registryentry ORDER BY id LIMIT 1) t, "
                       f"generate_series(1, %s) g", [REGISTRY_ROWS - before])
        insert_seconds = time.perf_counter() - started
        sample = [f"P-{n:09d}" for n in range(SAMPLE_EVERY, REGISTRY_ROWS - before + 1, SAMPLE_EVERY)]
        cursor.executemany("UPDATE registry_registryentry SET lookup_hmacs = %s WHERE number = %s",
                           [([lookup_hmac(n, VALID_ID[-4:]), lookup_hmac(n, "5678")], n) for n in sample])
        cursor.execute("VACUUM ANALYZE registry_registryentry")
        cursor.execute("SELECT count(*) FROM registry_registryentry")
        rows = cursor.fetchone()[0]
    (work / "progress_numbers.txt").write_text("\n".join(sample) + "\n")
    log(f"progress: {rows} registry rows ({insert_seconds:.1f} s to insert), {len(sample)} sampled numbers")
    return {"rows": rows, "sample": len(sample), "insert_seconds": round(insert_seconds, 1)}


def child_profile(work: Path, count: int) -> dict:
    """Accept `count` cases through Django's test client in process (the wrk pool's last ones), timed,
    then `count` more under cProfile counting CPU time (so the wait for PostgreSQL, and for the other
    processes on a shared machine, is left out): the top of the profile goes to stderr. Returns the
    per-request wall time (median, p90, ms), the process's CPU time per request (ms) and the statements
    of one request."""
    import cProfile
    import io
    import pstats

    from django.db import connection
    from django.test import Client

    token = (work / "token.txt").read_text().strip()
    ids = (work / "accept_ids.txt").read_text().split()[-(2 * count + 20):]
    client = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Token {token}")

    def accept(case_id: str) -> None:
        response = client.post(f"/api/v1/cases/{case_id}/transitions/", {"action": "accept"},
                               content_type="application/json")
        if response.status_code != 200:
            raise SystemExit(f"accept answered {response.status_code}: {response.content[:500]!r}")

    for case_id in ids[:20]:  # warm-up
        accept(case_id)
    sent: list[str] = []
    with connection.execute_wrapper(lambda execute, sql, *rest: sent.append(sql) or execute(sql, *rest)):
        accept(ids[20])
    times = []
    cpu_started = time.process_time()
    for case_id in ids[21:21 + count - 1]:
        started = time.perf_counter()
        accept(case_id)
        times.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / len(times)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for case_id in ids[20 + count:]:
        accept(case_id)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(40)
    print(out.getvalue(), file=sys.stderr)
    profile_path = work / "accept.prof"
    stats.dump_stats(str(profile_path))
    result = {"requests": len(times), "median_ms": round(statistics.median(times), 3),
              "p90_ms": round(sorted(times)[int(0.9 * len(times))], 3), "cpu_ms": round(cpu_ms, 3),
              "statements": len(sent),
              "profile": str(profile_path)}
    log(f"in process: {result}")
    return result


def child_main(step: str, work: Path, pool: int) -> None:
    import logging

    import django

    django.setup()
    for name in ("tenants", "catalog", "cases", "notifications", "django.request"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if step == "setup":
        result = child_setup(work, pool)
    elif step == "profile":
        result = child_profile(work, pool)
    else:
        result = child_registry(work)
    print(RESULT_PREFIX + json.dumps(result, default=str), flush=True)


# --- orchestrator --------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn sync workers")
    parser.add_argument("--pool", type=int, default=15000, help="pre-submitted cases for wrk (pgbench gets 9x)")
    parser.add_argument("--rounds", type=int, default=3, help="accept rounds (wrk then pgbench each)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--only", choices=["accept"], help="the accept measurement alone (no progress lookup)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also accept N cases in process (test client), timed, and N more under cProfile "
                             "(to stderr), before the load rounds (the pool must hold 2N + 20 more)")
    args = parser.parse_args()
    if args.child:
        child_main(args.child, Path(args.work), args.pool)
        return
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("Set DATABASE_URL: the bench database is created on that server.")
    tool("wrk"), tool("pgbench")
    machine = machine_info(url)
    name = bench_dbname(url, "cases")
    started = time.perf_counter()
    server = None
    port = 0
    results: dict = {"machine": machine}
    with tempfile.TemporaryDirectory(prefix="cases-bench-") as folder:
        work = Path(folder)
        (work / "accept.lua").write_text(ACCEPT_LUA)
        (work / "progress.lua").write_text(PROGRESS_LUA)
        try:
            db_url = prepare_migrated_db(url, name)
            setup = run_child(db_url, "setup", work, args)
            results["accept_statements"] = [{"sql": s["template"], "atomic": s["atomic"], "ms": s["ms"]}
                                            for s in setup["statements"]]
            if args.profile:
                results["in_process"] = run_child(db_url, "profile", work, args, count=args.profile)
                ids_file = work / "accept_ids.txt"
                ids_file.write_text("\n".join(ids_file.read_text().split()[:-(2 * args.profile + 20)]) + "\n")
            results["pgbench_script"] = setup["script"]
            if args.rounds or args.only != "accept":
                port = free_port()
                server = start_gunicorn(db_url, port, args)
                wait_ready(port, server)
            if args.rounds:
                _accept_rounds(db_url, port, work, args, setup, results)
            if args.only != "accept":
                _progress(db_url, port, work, args, results)
        finally:
            if server is not None:
                stop(server)
            if not args.keep:
                drop_db(url, name)
    log(f"done in {time.perf_counter() - started:.0f} s")
    print(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    if "in_process" in results:
        i = results["in_process"]
        print(f"\naccept in process (test client): median {i['median_ms']:.2f} ms, p90 {i['p90_ms']:.2f} ms, "
              f"CPU {i['cpu_ms']:.2f} ms a request, {i['statements']} statements")
    if "accept" not in results:
        return
    a = results["accept"]
    verdict = "met" if a["ratio"] >= 0.25 else "MISSED"
    print(f"\naccept through the API: {a['api_rps']:.0f} req/s; the same {a['statements']} statements in pgbench: "
          f"{a['pgbench_tps']:.0f} tps; ratio {a['ratio']:.3f} [aim >= 0.25: {verdict}]")
    if "progress" not in results:
        return
    p = results["progress"]
    print(f"progress lookup over {results['progress_setup']['rows']} rows: p50 {p.get('p50_ms', 0):.2f} ms, "
          f"p99 {p.get('p99_ms', 0):.2f} ms, {p['rps']:.0f} req/s "
          f"[p99 <= 20 ms: {'met' if p.get('p99_ms', 1e9) <= 20 else 'MISSED'}]")
    u = results["progress_unsaturated"]
    print(f"  with {u['connections']} connections: p50 {u.get('p50_ms', 0):.2f} ms, p99 {u.get('p99_ms', 0):.2f} ms, "
          f"{u['rps']:.0f} req/s")


def _accept_rounds(db_url: str, port: int, work: Path, args, setup: dict, results: dict) -> None:
    """wrk against gunicorn then pgbench on the same statements, `args.rounds` times, into `results`."""
    statements = setup["statements"]
    ids = (work / "accept_ids.txt").read_text().split()
    env = {"BENCH_TOKEN": setup["token"]}
    offset, api, pg, ratios = 0, [], [], []

    def accept_run(seconds: int) -> dict:
        nonlocal offset
        (work / "slice.txt").write_text("\n".join(ids[offset:]) + "\n")
        run = wrk(work / "accept.lua", port, seconds, args, {**env, "BENCH_IDS": str(work / "slice.txt"),
                                                             "BENCH_USED": str(work / "used.txt")})
        offset += int((work / "used.txt").read_text())
        if offset >= len(ids):
            raise SystemExit("ran out of submitted cases: raise --pool")
        return run

    accept_run(2)  # warm every worker, its connection and caches
    for i in range(args.rounds):
        run = accept_run(args.seconds)
        tps = pgbench(db_url, work / "accept.sql", args.connections, args.wrk_threads, args.seconds)
        api.append(run["rps"])
        pg.append(tps)
        ratios.append(run["rps"] / tps)
        log(f"accept round {i + 1}/{args.rounds}: API {run['rps']:.0f} req/s, pgbench {tps:.0f} tps, "
            f"ratio {ratios[-1]:.3f}")
    pg_same = pgbench(db_url, work / "accept.sql", args.workers, 1, args.seconds)
    log(f"accept: pgbench with {args.workers} clients (gunicorn's connections): {pg_same:.0f} tps")
    results["accept"] = {
        "api_rps": statistics.median(api), "pgbench_tps": statistics.median(pg),
        "ratio": statistics.median(ratios), "api_samples": api, "pgbench_samples": pg,
        "ratios": [round(r, 3) for r in ratios], "pgbench_same_connections_tps": pg_same,
        "statements": len(statements), "in_transaction": sum(s["atomic"] for s in statements),
        "config": f"gunicorn {args.workers} sync workers; wrk -t{args.wrk_threads} -c{args.connections} "
                  f"-d{args.seconds}s; pgbench -M simple -c{args.connections} -j{args.wrk_threads} "
                  f"-T{args.seconds}; {args.rounds} rounds"}


def _progress(db_url: str, port: int, work: Path, args, results: dict) -> None:
    """The progress lookup's latency over 1,000,000 registry rows, into `results`."""
    results["progress_setup"] = run_child(db_url, "registry", work, args)
    env = {"BENCH_IDS": str(work / "progress_numbers.txt")}
    check = urllib.request.Request(
        f"http://127.0.0.1:{port}/progress/api/?number=P-{1000:09d}&factor=002X", headers={"Host": HOST})
    with urllib.request.urlopen(check, timeout=5) as response:
        results["progress_answer"] = json.loads(response.read())
    wrk(work / "progress.lua", port, 2, args, env)  # warm-up
    load = os.getloadavg()[0]
    results["progress"] = {**wrk(work / "progress.lua", port, args.seconds, args, env, latency=True),
                           "loadavg": round(load, 2)}
    log(f"progress: {results['progress']}")
    results["progress_unsaturated"] = {
        **wrk(work / "progress.lua", port, args.seconds, args, env, latency=True, connections=args.workers),
        "connections": args.workers}
    log(f"progress with {args.workers} connections (one per worker): {results['progress_unsaturated']}")


if __name__ == "__main__":
    main()
