"""A new tenant migration replayed as SQL on many centres (tenants.migration_replay) gives each the schema
`migrate_schemas` gives; what cannot be replayed (RunPython) is migrated by `migrate_schemas`; a half-made
centre is skipped and named; the provisioning script kept between processes follows the migration files.

The schemas are committed (the replay works over connections of its own) and dropped after each test; the
new migrations live in a temporary copy of `cases`' migrations (MIGRATION_MODULES)."""
from __future__ import annotations

import shutil
import sys
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import override_settings

import cases
from tenants import provisioning
from tenants.migration_replay import replay_pending
from tenants.provisioning import CACHE_PREFIX, migration_graph_key, schema_replay, tenant_script
from tests.tenants.test_provisioning import catalogue

ADD_NOTE = '''from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "{previous}")]
    operations = [
        migrations.AddField("case", "replay_note", models.CharField(max_length=40, default="", blank=True)),
        migrations.AddIndex("case", models.Index(fields=["replay_note"], name="cases_case_replay_note_idx")),
    ]
'''

RUN_PYTHON = '''from django.db import migrations


def mark(apps, schema_editor):
    schema_editor.execute("COMMENT ON TABLE cases_case IS 'marked by RunPython'")


class Migration(migrations.Migration):
    dependencies = [("cases", "{previous}")]
    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
'''


@pytest.fixture
def migrations_copy(tmp_path):
    """A copy of cases' migrations as an importable package; `add(name, text)` writes one more and returns
    the MIGRATION_MODULES override naming the package."""
    package = f"replay_{uuid.uuid4().hex[:8]}"
    folder = tmp_path / package
    shutil.copytree(Path(cases.__file__).parent / "migrations", folder,
                    ignore=shutil.ignore_patterns("__pycache__"))
    sys.path.insert(0, str(tmp_path))
    latest = [max(p.stem for p in folder.glob("0*.py"))]

    def add(name: str, template: str) -> dict:
        (folder / f"{name}.py").write_text(template.format(previous=latest[0]))
        latest[0] = name
        return {"MIGRATION_MODULES": {"cases": package}}

    try:
        yield add
    finally:
        sys.path.remove(str(tmp_path))
        for module in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[module]


@pytest.fixture
def schemas(django_db_setup, django_db_blocker):
    """Make centre schemas at today's migrations (committed): `make(name)`; all dropped after."""
    made: list[str] = []

    def make(name: str) -> str:
        schema_replay(schema_name=name)
        made.append(name)
        return name

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        try:
            yield make
        finally:
            connection.set_schema_to_public()
            with connection.cursor() as cursor:
                for name in made:
                    cursor.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def _migrate_the_old_way(schema: str) -> None:
    with override_settings(TENANT_MIGRATION_REPLAY=False):
        call_command("migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=0)
    connection.set_schema_to_public()


def test_a_new_migration_replayed_on_several_centres_equals_migrate_schemas(schemas, migrations_copy):
    replayed = [schemas(f"c_rp_{n}") for n in range(3)]
    migrated = schemas("c_rp_old")
    with override_settings(**migrations_copy("0900_replay_note", ADD_NOTE)):
        report = replay_pending(replayed)
        _migrate_the_old_way(migrated)

        assert sorted(report.replayed) == replayed and not report.fallback and report.groups == 1
        assert report.replayed[replayed[0]] == [("cases", "0900_replay_note")]
        expected = catalogue(migrated)
        assert ("case", "replay_note") in {(t.removeprefix("cases_"), c) for t, c, *_ in expected["columns"]}
        assert "cases_case_replay_note_idx" in {name for name, _ in expected["indexes"]}
        for schema in replayed:
            got = catalogue(schema)
            for part in ("columns", "constraints", "indexes", "applied"):
                assert got[part] == expected[part], (schema, part)

        again = replay_pending([*replayed, migrated])  # everything is up to date now
        assert not again.replayed and not again.fallback and len(again.up_to_date) == 4


def test_centres_at_different_points_are_grouped_and_each_brought_to_the_end(schemas, migrations_copy):
    behind, ahead, reference = schemas("c_rp_behind"), schemas("c_rp_ahead"), schemas("c_rp_ref")
    with override_settings(**migrations_copy("0900_replay_note", ADD_NOTE)):
        replay_pending([ahead])
    with override_settings(**migrations_copy("0901_replay_again", ADD_NOTE.replace("replay_note", "replay_more"))):
        report = replay_pending([behind, ahead])
        _migrate_the_old_way(reference)

        assert report.groups == 2
        assert report.replayed[behind] == [("cases", "0900_replay_note"), ("cases", "0901_replay_again")]
        assert report.replayed[ahead] == [("cases", "0901_replay_again")]
        assert catalogue(behind) == catalogue(reference) == catalogue(ahead)


def test_a_run_python_migration_is_left_to_migrate_schemas_which_runs_it(schemas, migrations_copy, capsys):
    names = [schemas(f"c_rp_py_{n}") for n in range(2)]
    with override_settings(**migrations_copy("0900_replay_mark", RUN_PYTHON)):
        report = replay_pending(names)
        assert not report.replayed and set(report.fallback) == set(names)
        assert "0900_replay_mark: Raw Python operation" in report.fallback[names[0]]

        for name in names:  # through the command an operator runs: replay refused, migrated the old way
            call_command("migrate_schemas", tenant=True, schema_name=name, interactive=False, verbosity=1)
        connection.set_schema_to_public()
        assert "migrated by migrate_schemas" in capsys.readouterr().out
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute("SELECT obj_description(%s::regclass)", [f'"{name}".cases_case'])
                assert cursor.fetchone()[0] == "marked by RunPython"
                cursor.execute(f'SELECT count(*) FROM "{name}".django_migrations WHERE name = %s',
                               ["0900_replay_mark"])
                assert cursor.fetchone()[0] == 1


def test_migrate_schemas_replays_and_names_a_half_made_centre_it_skips(schemas, migrations_copy, capsys):
    """The command `dev.py run` and an operator use: the centres replayed, a centre without a schema named."""
    from tenants.choices import CentreStatus, Level
    from tenants.models import Centre

    made = schemas("c_rp_cmd")
    parent = Centre.objects.get(division_code="610103")
    centres = [Centre.objects.create(schema_name=made, division_code="610103951", slug="rp-cmd", level=Level.TOWNSHIP,
                                     name_zh="重放街道", name_en="Replay Subdistrict", parent=parent,
                                     status=CentreStatus.READY),
               Centre.objects.create(schema_name="c_rp_half", division_code="610103952", slug="rp-half",
                                     level=Level.TOWNSHIP, name_zh="半成街道", name_en="Half Subdistrict",
                                     parent=parent, status=CentreStatus.PROVISIONING)]
    try:
        with override_settings(**migrations_copy("0900_replay_note", ADD_NOTE)):
            call_command("migrate_schemas", interactive=False, verbosity=1)  # public, then every centre
            connection.set_schema_to_public()
            out = capsys.readouterr().out
            assert "c_rp_half" in out and "resume_onboarding" in out
            assert "replayed 1 migration(s) (cases.0900_replay_note)" in out
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = %s "
                               "AND table_name = 'cases_case' AND column_name = 'replay_note'", [made])
                assert cursor.fetchone()[0] == 1
            pending = StringIO()
            call_command("migrations_pending", stdout=pending)
            assert "every schema is up to date" in pending.getvalue()
    finally:  # the session's centres were migrated too: take the column and the rows back out
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            for schema in Centre.objects.exclude(pk__in=[c.pk for c in centres]).values_list("schema_name", flat=True):
                cursor.execute(f'ALTER TABLE IF EXISTS "{schema}".cases_case DROP COLUMN IF EXISTS replay_note')
                cursor.execute(f'DELETE FROM "{schema}".django_migrations WHERE name = %s', ["0900_replay_note"])
            cursor.execute("DELETE FROM public.django_migrations WHERE name = %s", ["0900_replay_note"])
        Centre.objects.filter(pk__in=[c.pk for c in centres]).delete()


def test_the_kept_provisioning_script_follows_the_migration_files(schemas, migrations_copy):
    provisioning._cache.clear()  # as a new process (another test may have emptied Django's cache since)
    before = tenant_script()
    assert cache.get(CACHE_PREFIX + before.key) is not None  # where the next process finds it
    settings_with_note = migrations_copy("0900_replay_note", ADD_NOTE)
    with override_settings(**settings_with_note):
        copied_key = migration_graph_key()
        provisioning._cache.clear()  # as a new process
        with_note = tenant_script()
        assert with_note.key != before.key and ("cases", "0900_replay_note") in with_note.applied
        assert any("replay_note" in statement for statement in with_note.statements)

        package = settings_with_note["MIGRATION_MODULES"]["cases"]
        note_file = Path(sys.modules[package].__file__).parent / "0900_replay_note.py"
        note_file.write_text(note_file.read_text().replace("max_length=40", "max_length=400"))
        assert migration_graph_key() != copied_key  # an edited migration file: a new key, a new script
        provisioning._cache.clear()  # a new process: it imports the edited file (Django does not reload it)
        del sys.modules[f"{package}.0900_replay_note"]
        edited = tenant_script()
        assert edited.key != with_note.key
        assert any("varchar(400)" in statement for statement in edited.statements)

        schemas("c_rp_new")  # a centre provisioned with it has the column
        assert ("cases_case", "replay_note") in {(t, c) for t, c, *_ in catalogue("c_rp_new")["columns"]}
    provisioning._cache.clear()
    assert tenant_script().key == before.key
    assert ("cases", "0900_replay_note") not in MigrationLoader(None).disk_migrations
