#!/usr/bin/env python3
"""Lay out the 2,000-centre province fast, for the benchmarks that only need its shape: the centres
`province.py` has not onboarded yet are made by copying one onboarded centre's schema (pg_dump of
its tables, indexes, sequences and migration records, renamed) instead of by migrations, and their
`tenants_centre` and `tenants_domain` rows written directly, status ready.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_x_province \
        python platform/bench/province_clone.py [--cities 10]

On this 2-core shared machine `province.py` onboarded 100 centres in 224 s (load 5): 2,000 would take
over an hour. A copy is about 0.1 s a centre. Run `province.py` first for a few centres (at least one
ready centre to copy, and Xi'an's city centre); a centre left in "provisioning" by an interrupted
run is removed here with its schema. Needs `pg_dump` and `psql` on the PATH. Idempotent.

Not a provisioning path: the copied schemas hold what the template held (its migration records and
seed rows), nothing the audit log, administrators or memberships would have.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _libpq_env(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    env = dict(os.environ)
    env.update({"PGHOST": parts.hostname or "127.0.0.1", "PGPORT": str(parts.port or 5432),
                "PGUSER": parts.username or "postgres", "PGDATABASE": parts.path.lstrip("/")})
    if parts.password:
        env["PGPASSWORD"] = parts.password
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cities", type=int, default=10)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    import psycopg
    from province import province_rows

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()

    rows = province_rows(cities=args.cities)
    env = _libpq_env(url)
    with psycopg.connect(url, autocommit=True) as conn:
        for (schema,) in conn.execute("SELECT schema_name FROM tenants_centre WHERE status <> 'ready'").fetchall():
            print(f"removing the unfinished centre {schema}", flush=True)
            with conn.transaction():
                conn.execute("DELETE FROM tenants_auditevent WHERE centre_id IN "
                             "(SELECT id FROM tenants_centre WHERE schema_name = %s)", [schema])
                conn.execute("DELETE FROM tenants_domain WHERE tenant_id IN "
                             "(SELECT id FROM tenants_centre WHERE schema_name = %s)", [schema])
                conn.execute("DELETE FROM tenants_centre WHERE schema_name = %s", [schema])
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        ids = dict(conn.execute("SELECT division_code, id FROM tenants_centre").fetchall())
        template = conn.execute("SELECT schema_name FROM tenants_centre c WHERE level <> 'city' AND status = 'ready' "
                                "AND EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = c.schema_name) "
                                "ORDER BY id DESC LIMIT 1").fetchone()
        if template is None or not ids:
            raise SystemExit("no onboarded centre to copy: run platform/bench/province.py first for a few")
        template = template[0]
        missing = [row for row in rows if row.code not in ids]
        dump = subprocess.run(["pg_dump", "--no-owner", "--no-privileges", "-n", template], env=env,
                              capture_output=True, text=True, check=True).stdout
        token = re.compile(rf"\b{re.escape(template)}\b")
        with conn.transaction():
            for row in missing:
                parent = ids.get(row.parent_code) if row.parent_code else None
                schema = row.schema_name
                found = conn.execute(
                    "INSERT INTO tenants_centre (schema_name, created_at, updated_at, slug, name_zh, name_en, level, "
                    "division_code, status, parent_id, address, phone) VALUES (%s, now(), now(), %s, %s, %s, %s, %s, "
                    "'ready', %s, '', '') RETURNING id",
                    [schema, row.slug, row.name_zh, row.name_en, row.level, row.code, parent]).fetchone()
                ids[row.code] = found[0]
                conn.execute("INSERT INTO tenants_domain (domain, is_primary, tenant_id) VALUES (%s, true, %s)",
                             [row.domain, found[0]])
        new_schemas = [schema for (schema,) in conn.execute(
            "SELECT schema_name FROM tenants_centre c WHERE NOT EXISTS "
            "(SELECT 1 FROM pg_namespace WHERE nspname = c.schema_name) ORDER BY id").fetchall()]
    print(f"{len(ids)} centres; copying {template} into {len(new_schemas)} schemas", flush=True)
    started = time.perf_counter()
    batch = 100  # schemas a psql run, each in its own transaction (one for all would run out of locks)
    for start in range(0, len(new_schemas), batch):
        script = "".join(f"BEGIN;\n{token.sub(schema, dump)}\nCOMMIT;\n" for schema in new_schemas[start:start + batch])
        subprocess.run(["psql", "-q", "-X", "-v", "ON_ERROR_STOP=1"], input=script, env=env, text=True,
                       check=True, stdout=subprocess.DEVNULL)
        print(f"{start + len(new_schemas[start:start + batch])}/{len(new_schemas)} schemas copied, "
              f"{time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
