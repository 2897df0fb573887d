"""Replaying the tenant migrations' SQL builds exactly the schema `migrate_schemas` builds."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from tenants.provisioning import schema_replay

pytestmark = pytest.mark.django_db


def catalogue(schema: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("""SELECT table_name, column_name, data_type, is_nullable, character_maximum_length,
                                 is_identity, column_default
                          FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, 2""", [schema])
        columns = cursor.fetchall()
        cursor.execute("""SELECT conrelid::regclass::text, conname, contype, condeferrable, condeferred,
                                 pg_get_constraintdef(c.oid)
                          FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                          WHERE n.nspname = %s ORDER BY 2""", [schema])
        constraints = [(t.split(".")[-1], *rest[:-1], rest[-1].replace(f"{schema}.", "S."))
                       for t, *rest in cursor.fetchall()]
        cursor.execute("SELECT indexname, replace(indexdef, %s, 'S') FROM pg_indexes WHERE schemaname = %s "
                       "ORDER BY 1", [f'"{schema}".', schema])
        indexes = [(name, d.replace(f"{schema}.", "S.")) for name, d in cursor.fetchall()]
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY 1, 2')
        applied = cursor.fetchall()
    return {"columns": columns, "constraints": constraints, "indexes": indexes, "applied": applied}


def test_a_replayed_schema_equals_a_migrated_one():
    schema_replay(schema_name="c_replayed")
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "c_migrated"')
    call_command("migrate_schemas", tenant=True, schema_name="c_migrated", interactive=False, verbosity=0)
    connection.set_schema_to_public()

    replayed, migrated = catalogue("c_replayed"), catalogue("c_migrated")

    assert replayed["columns"] and replayed["indexes"]
    for part in ("columns", "constraints", "indexes", "applied"):
        assert replayed[part] == migrated[part], part


def test_migrate_schemas_afterwards_finds_nothing_to_apply(capsys):
    schema_replay(schema_name="c_replayed2")
    call_command("migrate_schemas", tenant=True, schema_name="c_replayed2", interactive=False, verbosity=1)
    connection.set_schema_to_public()
    assert "No migrations to apply" in capsys.readouterr().out


def test_migrations_pending_says_up_to_date_then_names_a_centre_behind(beilin):
    """`dev.py run` skips migrating 200 schemas when this one query finds every schema up to date."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    out = StringIO()
    call_command("migrations_pending", stdout=out)
    assert "every schema is up to date" in out.getvalue()
    latest = next(name for app, name in MigrationLoader(None).graph.leaf_nodes() if app == "cases")
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{beilin.schema_name}".django_migrations WHERE app = %s AND name = %s',
                       ["cases", latest])
    out = StringIO()
    with pytest.raises(SystemExit) as behind:
        call_command("migrations_pending", stdout=out)
    assert behind.value.code == 1 and beilin.schema_name in out.getvalue()
