"""Platforms of their own for the backup and centre-move tests: databases on the test server beside the test
database, made, migrated and provisioned (committed: pg_dump reads what is committed) by the tests and
dropped after them. `on_database(name)` points Django's connection at one of them for a while."""
from __future__ import annotations

import contextlib
from io import StringIO

import pytest


def admin_execute(sql: str) -> None:
    """Run one statement (CREATE/DROP DATABASE) on the server's `postgres` database, as the test user."""
    import psycopg
    from django.db import connection

    params = {**connection.get_connection_params(), "dbname": "postgres"}
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**{key: value for key, value in params.items()
                            if key in {"dbname", "user", "password", "host", "port"}}, autocommit=True) as conn:
        conn.execute(sql)


def sibling_database_name(suffix: str) -> str:
    from django.db import connection

    return f"{connection.settings_dict['NAME']}_{suffix}"[:63]


def create_database(name: str) -> None:
    admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin_execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _forget_caches() -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache

    from tenants.routing import routing_cache

    routing_cache.clear()
    ContentType.objects.clear_cache()
    cache.clear()


@contextlib.contextmanager
def on_database(name: str):
    """Django's default connection on database `name` (same server and user) inside the block."""
    from django.db import connection

    saved = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    _forget_caches()
    try:
        connection.set_schema_to_public()
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = saved
        _forget_caches()
        connection.set_schema_to_public()


def provision_small_demo(network_dir, *, districts: set[str], keep: set[str]) -> None:
    """`provision_demo` (every step, committed) on the demo network cut to the centres `keep` (division
    codes) and the townships of `districts`: a realistic network of a few dozen centres in seconds."""
    from django.core.management import call_command

    from demo import provision
    from tenants import demo as tenants_demo

    lines = tenants_demo.NETWORK_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    network = network_dir / tenants_demo.NETWORK_CSV.name
    kept = [line for line in lines[1:] if line.split(",")[1] in keep or line.rstrip().split(",")[-1] in districts]
    network.write_text(lines[0] + "".join(kept), encoding="utf-8")
    slugs = {line.split(",")[2] for line in kept} | {None, ""}
    users = [(username, name, [role for role in roles if role[0] in slugs])
             for username, name, roles in tenants_demo.DEMO_USERS]  # the demo's staff, at the centres there are
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tenants_demo, "NETWORK_CSV", network)
        patch.setattr(provision, "NETWORK_CSV", network)
        patch.setattr(tenants_demo, "DEMO_USERS", users)
        call_command("provision_demo", stdout=StringIO(), verbosity=0)


def migrate_public() -> None:
    from django.core.management import call_command

    call_command("migrate_schemas", "--shared", stdout=StringIO(), verbosity=0)


def sweep_in_2100() -> set:
    """Run the deadline sweep as on a working day in 2100 (every open case overdue); every warning there is,
    as (centre, case number, level, handler id)."""
    import datetime as dt

    from supervision.models import DeadlineWarning
    from supervision.warnings.services import deadline_sweep

    deadline_sweep(now=dt.datetime(2100, 1, 4, 9, 0, tzinfo=dt.UTC))
    return set(DeadlineWarning.objects.values_list("centre__division_code", "case_number", "level", "handler_id"))


def fingerprint(schemas: list[str] | None = None, *, leave_out: dict[str, set[str]] | None = None) -> dict:
    """{schema: {table: (rows, md5 of its rows' text in order), sequence: last value}} of the connected
    database, read by the test itself (not by the code under test). `leave_out` names columns per table to
    leave out of the checksum (ids a centre move maps to the target's)."""
    from django.db import connection

    leave_out = leave_out or {}
    figures: dict = {}
    with connection.cursor() as cursor:
        if schemas is None:
            cursor.execute("""SELECT nspname FROM pg_namespace
                               WHERE nspname NOT LIKE 'pg\\_%%' AND nspname <> 'information_schema'""")
            schemas = sorted(row[0] for row in cursor.fetchall())
        for schema in schemas:
            tables: dict = {}
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema])
            for (table,) in cursor.fetchall():
                cursor.execute("""SELECT attname FROM pg_attribute
                                   WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped
                                   ORDER BY attnum""", [f'"{schema}"."{table}"'])
                columns = [row[0] for row in cursor.fetchall() if row[0] not in leave_out.get(table, set())]
                row_text = "ROW(" + ", ".join(f'"{column}"' for column in columns) + ")::text"
                cursor.execute(f"SELECT count(*), md5(coalesce(string_agg({row_text}, '|' ORDER BY {row_text}), '')) "
                               f'FROM "{schema}"."{table}"')
                tables[table] = tuple(cursor.fetchone())
            cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s", [schema])
            tables.update({f"sequence {name}": value for name, value in cursor.fetchall()})
            figures[schema] = tables
    return figures


#: The demo's city, its district Beilin with its townships, the Hi-tech Zone.
DEMO_KEEP = {"610100", "610103", "610171"}
DEMO_DISTRICTS = {"610103"}


@pytest.fixture(scope="session")
def demo_platform(django_db_setup, django_db_blocker, tmp_path_factory):
    """A platform of its own with the demo on the network of DEMO_KEEP and DEMO_DISTRICTS (committed): its
    database's name and files' folder."""
    from django.test import override_settings

    name = sibling_database_name("demo")
    media = tmp_path_factory.mktemp("media-demo")
    with django_db_blocker.unblock():
        create_database(name)
        try:
            with on_database(name), override_settings(MEDIA_ROOT=media):
                migrate_public()
                provision_small_demo(tmp_path_factory.mktemp("network"), districts=DEMO_DISTRICTS, keep=DEMO_KEEP)
            yield name, media
        finally:
            drop_database(name)
