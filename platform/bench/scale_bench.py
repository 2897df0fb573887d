#!/usr/bin/env python3
"""Province-scale migrations and provisioning (issue 17): measured on the province network's database.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        python platform/bench/scale_bench.py [--cities 10] [--reuse] [--keep] [--old] [--json FILE]

The database is `bench_scale_province` on DATABASE_URL's server. Without --reuse it is made afresh (the
public schema migrated, then `province.py --cities N` onboards 200 centres a city: ~10-15 min for 2,000
on a quiet 2-core machine); with --reuse the centres already there are used as they are (province.py
completes what is missing). --keep leaves it for the next run (otherwise it is dropped at the end).
Every figure is for the number of centres the database holds when it is taken (printed with it).

Measured (each in processes of its own, as an operator would run them):

  pending    `manage.py migrations_pending` (process wall time, 3 runs) and `schemas_behind()` inside one
             process (the check itself, median of 5)                                    [check <= 2 s]
  migrate    a NEW tenant migration (`cases.0900_scale_bench_note`: a nullable column and an index on
             cases_case, in a temporary copy of cases' migrations named by MIGRATION_MODULES) applied
             to every centre by `manage.py migrate_schemas --executor=multiprocessing` (the replay);
             with --old also with TENANT_MIGRATION_REPLAY = False (django-tenants alone, schema by
             schema). After each, the column and the migration's rows are removed again.  [<= 60 s]
             Then `migrate_schemas` with nothing to apply.
  spares     (--steps ...,spares) 11 spare schemas made ahead (tenants.spares.spares_refill, one at a time:
             the background's cost a spare), then the same 11 onboardings as `provision` in a new process,
             each taking a spare (the first in the process included)                        [<= 0.1 s]
  provision  `tenants.services.centre_onboard` of 11 new townships in a new process: the first (the
             schema SQL found in the cache a previous process left), then the median of the next 10;
             and the first once more in a process started with that cache emptied (the collection).
             The centres are removed after.                                               [<= 0.1 s]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[2]
BENCH_DIR = Path(__file__).resolve().parent
PYTHON = sys.executable
DB_NAME = "bench_scale_province"
NOTE_MIGRATION = "0900_scale_bench_note"
RESULT = "SCALE-RESULT "
#: New township centres onboarded by `provision`: under Beilin (610103), codes nothing else uses.
PROVISION_CODES = [f"610103{n}" for n in range(960, 971)]

NOTE = '''from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "{previous}")]
    operations = [
        migrations.AddField("case", "scale_bench_note", models.CharField(max_length=40, null=True, blank=True)),
        migrations.AddIndex("case", models.Index(fields=["scale_bench_note"], name="cases_case_scale_note_idx")),
    ]
'''


def log(message: str) -> None:
    print(f"[scale {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def db_url(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def admin_sql(url: str, statement: str, *params) -> list:
    import psycopg

    with psycopg.connect(db_url(url, "postgres"), autocommit=True) as conn:
        cursor = conn.execute(statement, params or None)
        return cursor.fetchall() if cursor.description else []


def env_for(url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DJANGO_DEBUG": "0",
                "PYTHONPATH": os.pathsep.join([str(REPO), str(BENCH_DIR)]), "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


#: CPU seconds (user + system) of the last `run`'s process and its children: on a machine shared with
#: other work, wall times stretch with the load; the client side's CPU time much less.
LAST_CPU = [0.0]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(url: str, *cmd: str, env: dict | None = None) -> tuple[float, str]:
    started, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run(list(cmd), cwd=REPO, env=env or env_for(url), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    LAST_CPU[0] = _children_cpu() - cpu
    if proc.returncode not in (0, 1) or (proc.returncode == 1 and "migrations_pending" not in cmd):
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"{' '.join(cmd[:4])} failed ({proc.returncode})")
    return seconds, proc.stdout


def worker(url: str, task: str, *args: str, env: dict | None = None) -> dict:
    _seconds, out = run(url, PYTHON, str(Path(__file__).resolve()), "--worker", task, *args, env=env)
    for line in reversed(out.splitlines()):
        if line.startswith(RESULT):
            return json.loads(line[len(RESULT):])
    raise SystemExit(f"worker {task} printed no result")


# ---------------------------------------------------------------------------------------- steps


def prepare(url: str, args) -> str:
    target = db_url(url, DB_NAME)
    exists = bool(admin_sql(url, "SELECT 1 FROM pg_database WHERE datname = %s", DB_NAME))
    if not (args.reuse and exists):
        admin_sql(url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin_sql(url, f'CREATE DATABASE "{DB_NAME}"')
        log(f"{DB_NAME}: migrating the public schema")
        run(target, PYTHON, "manage.py", "migrate_schemas", "--shared", "-v", "0")
    if not args.no_onboard:
        log(f"onboarding the province's missing centres ({args.cities} cities; province.py)")
        seconds, out = run(target, PYTHON, str(BENCH_DIR / "province.py"), "--cities", str(args.cities))
        log(f"onboarding: {seconds:.0f} s; {out.strip().splitlines()[-1] if out.strip() else ''}")
        run(target, PYTHON, "manage.py", "resume_onboarding")
    return target


def step_pending(url: str, results: dict) -> None:
    walls, cpus = [], []
    for _ in range(3):
        walls.append(run(url, PYTHON, "manage.py", "migrations_pending")[0])
        cpus.append(LAST_CPU[0])
    inside = worker(url, "pending")
    results["pending"] = {"wall_median": statistics.median(walls), "walls": walls,
                          "cpu_median": statistics.median(cpus), **inside}
    log(f"migrations_pending: command {statistics.median(walls):.2f} s (median of 3; CPU "
        f"{statistics.median(cpus):.2f} s), the check "
        f"{inside['median']:.3f} s in-process, {inside['centres']} centres, behind: {inside['behind']}")


def note_settings(folder: Path, *, replay: bool) -> dict[str, str]:
    """Write a package with cases' migrations plus the note migration, and a settings module naming it."""
    package = folder / "scale_bench_cases"
    if not package.exists():
        shutil.copytree(REPO / "cases" / "migrations", package, ignore=shutil.ignore_patterns("__pycache__"))
        previous = max(p.stem for p in package.glob("0*.py"))
        (package / f"{NOTE_MIGRATION}.py").write_text(NOTE.format(previous=previous))
    name = f"scale_bench_settings_{'replay' if replay else 'old'}"
    (folder / f"{name}.py").write_text(
        "from config.settings.dev import *  # noqa: F403\n"
        "MIGRATION_MODULES = {'cases': 'scale_bench_cases'}\n"
        f"TENANT_MIGRATION_REPLAY = {replay}\n")
    return {"DJANGO_SETTINGS_MODULE": name,
            "PYTHONPATH": os.pathsep.join([str(folder), str(REPO), str(BENCH_DIR)])}


def remove_note(url: str) -> None:
    """Take the note column and its migration rows out of every schema again (the next run adds them)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        schemas = [row[0] for row in conn.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'django_migrations' AND c.relkind = 'r'")]
        for schema in schemas:
            conn.execute(f'ALTER TABLE IF EXISTS "{schema}".cases_case DROP COLUMN IF EXISTS scale_bench_note;'
                         f'DELETE FROM "{schema}".django_migrations '
                         f"WHERE app = 'cases' AND name = '{NOTE_MIGRATION}'")


def step_migrate(url: str, args, results: dict, folder: Path) -> None:
    remove_note(url)
    centres = worker(url, "count")["centres"]
    ways = [("replay", True)] + ([("old", False)] if args.old else [])
    for label, replay in ways:
        env = env_for(url, **note_settings(folder, replay=replay))
        seconds, out = run(url, PYTHON, "manage.py", "migrate_schemas", "--executor=multiprocessing", "-v", "1",
                           env=env)
        cpu = LAST_CPU[0]
        summary = next((line for line in out.splitlines() if line.startswith("replayed ")), "")
        check = worker(url, "note", env=env)
        results[f"migrate_{label}"] = {"seconds": seconds, "cpu": cpu, "centres": centres, "summary": summary,
                                       **check}
        log(f"new migration, {label}: {seconds:.1f} s (CPU {cpu:.1f} s) for {centres} centres; "
            f"{check['with_column']} schemas have the column; {summary}")
        if label == "replay":
            noop, _out = run(url, PYTHON, "manage.py", "migrate_schemas", "--executor=multiprocessing", "-v", "0",
                             env=env)
            results["migrate_noop"] = {"seconds": noop, "cpu": LAST_CPU[0], "centres": centres}
            log(f"migrate_schemas with nothing to apply: {noop:.1f} s (CPU {LAST_CPU[0]:.1f} s)")
        remove_note(url)


def step_provision(url: str, results: dict) -> None:
    worker(url, "provision_cleanup")
    warm = worker(url, "provision", "--warm")
    worker(url, "provision_cleanup")
    cold = worker(url, "provision", "--cold")
    worker(url, "provision_cleanup")
    results["provision"] = {"first": warm["first"], "next_median": warm["median"], "next": warm["times"],
                            "first_cold": cold["first"], "centres_before": warm["centres_before"],
                            "schema_replay_median": warm["schema_replay_median"]}
    log(f"provisioning at {warm['centres_before']} centres: first in a process {warm['first']:.3f} s "
        f"(cache emptied: {cold['first']:.3f} s), next 10 median {warm['median']:.3f} s; the schema's SQL "
        f"alone {warm['schema_replay_median']:.3f} s")


def step_spares(url: str, results: dict) -> None:
    worker(url, "provision_cleanup")
    made = worker(url, "spares_make")
    took = worker(url, "spares_take")
    worker(url, "provision_cleanup")
    results["spares"] = {**made, **took}
    log(f"spare schemas at {took['centres_before']} centres: made ahead {made['make_median']:.3f} s median each "
        f"(background); onboarding that takes one: first in a process {took['first']:.3f} s, next 10 median "
        f"{took['median']:.3f} s, max {max(took['times']):.3f} s")


# ---------------------------------------------------------------------------------------- workers


def worker_main(task: str, rest: list[str]) -> None:
    import django

    django.setup()
    from django.db import connection

    from tenants.models import Centre

    result: dict = {}
    if task == "count":
        result = {"centres": Centre.objects.count()}
    elif task == "pending":
        from tenants.management.commands.migrations_pending import schemas_behind

        times, behind = [], []
        for _ in range(5):
            started = time.perf_counter()
            behind = schemas_behind()
            times.append(time.perf_counter() - started)
        result = {"median": statistics.median(times), "times": times, "behind": len(behind),
                  "centres": Centre.objects.count()}
    elif task == "note":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'cases_case' "
                           "AND column_name = 'scale_bench_note'")
            columns = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'cases_case_scale_note_idx'")
            indexes = cursor.fetchone()[0]
        result = {"with_column": columns, "with_index": indexes}
    elif task == "provision_cleanup":
        with connection.cursor() as cursor:
            for centre in Centre.objects.filter(division_code__in=PROVISION_CODES):
                cursor.execute(f'DROP SCHEMA IF EXISTS "{centre.schema_name}" CASCADE')
        Centre.objects.filter(division_code__in=PROVISION_CODES).delete()
    elif task == "provision":
        result = _provision(cold="--cold" in rest)
    elif task == "spares_make":
        from tenants.spares import spares_refill

        spares_refill(wanted=0)  # stale ones out
        times = []
        for n in range(len(PROVISION_CODES)):
            started = time.perf_counter()
            if spares_refill(wanted=n + 1).made != 1:
                raise SystemExit("no spare made")
            times.append(time.perf_counter() - started)
        result = {"make_median": statistics.median(times), "make_times": [round(t, 3) for t in times]}
    elif task == "spares_take":
        from django.test import override_settings

        import config.wsgi  # noqa: F401 - started as a web process starts (the onboarding page's)
        from tenants.spares import spares

        with override_settings(TENANT_SPARE_SCHEMAS=len(PROVISION_CODES)):
            result = _provision(cold=False, replay=False)
        if spares():
            raise SystemExit(f"{len(spares())} spares left: onboarding did not take them")
    print(RESULT + json.dumps(result), flush=True)


def _provision(*, cold: bool, replay: bool = True) -> dict:
    from django.core.cache import cache

    from tenants.models import Centre
    from tenants.provisioning import CACHE_PREFIX, forget_tenant_script, script_key
    from tenants.services import centre_onboard
    from tenants.validation import CentreInput

    if cold:
        forget_tenant_script()
    elif cache.get(CACHE_PREFIX + script_key()) is None:
        raise SystemExit("the schema SQL is not in the cache: run one provisioning first")
    before = Centre.objects.count()
    times = []
    if replay:  # the replay's path: no spares (tenants.spares), whatever the settings
        from django.conf import settings

        settings.TENANT_SPARE_SCHEMAS = 0
    for n, code in enumerate(PROVISION_CODES[: 1 if cold else None]):
        data = CentreInput("township", code, f"scale-bench-{n}", f"测试街道{n}", f"Scale Bench {n}", "610103")
        started = time.perf_counter()
        created = centre_onboard(data=data, acting_user=None).created
        times.append(time.perf_counter() - started)
        if not created:
            raise SystemExit(f"{code} existed")
    replayed = []
    if not cold and replay:  # the schema alone (tenants.provisioning.schema_replay: one query), the database's share
        from django.db import connection

        from tenants.provisioning import schema_replay

        for n in range(5):
            started = time.perf_counter()
            schema_replay(schema_name=f"scale_bench_replay_{n}")
            replayed.append(time.perf_counter() - started)
        with connection.cursor() as cursor:
            for n in range(5):
                cursor.execute(f'DROP SCHEMA "scale_bench_replay_{n}" CASCADE')
    return {"first": times[0], "times": [round(t, 3) for t in times[1:]],
            "median": statistics.median(times[1:]) if len(times) > 1 else None, "centres_before": before,
            "schema_replay_median": statistics.median(replayed) if replayed else None}


# ---------------------------------------------------------------------------------------- main


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        worker_main(sys.argv[2], sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cities", type=int, default=10)
    parser.add_argument("--reuse", action="store_true", help="use bench_scale_province as it is, if it exists")
    parser.add_argument("--keep", action="store_true", help="leave the database for the next run")
    parser.add_argument("--no-onboard", action="store_true", help="do not run province.py (with --reuse)")
    parser.add_argument("--old", action="store_true", help="also apply the migration with migrate_schemas alone")
    parser.add_argument("--steps", default="pending,migrate,provision")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    target = prepare(url, args)
    results: dict = {"uptime_before": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()}
    steps = args.steps.split(",")
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as folder:
        try:
            if "pending" in steps:
                step_pending(target, results)
            if "migrate" in steps:
                step_migrate(target, args, results, Path(folder))
            if "provision" in steps:
                step_provision(target, results)
            if "spares" in steps:
                step_spares(target, results)
        finally:
            results["uptime_after"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
            if not args.keep:
                admin_sql(url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text)


if __name__ == "__main__":
    main()
