"""Citus-ready by construction, checked without Citus: the SQL every new centre schema is made of
(`tenant_script()`, what provisioning replays) holds nothing Citus refuses in a distributed schema, and
the public tables `citus_prepare` makes reference tables are exactly those centres reference (and what
they reference), as the catalog of a real centre schema shows."""
from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tenants import citus
from tenants.provisioning import tenant_script

#: cases.0003_green_channel as first written: Django put a PositiveIntegerField's CHECK inline, unnamed,
#: and every centre failed to provision on Citus 13.0.5.
GREEN_CHANNEL_AS_FIRST_WRITTEN = (
    'ALTER TABLE "cases_case" ADD COLUMN "promised_cap_days" integer NULL CHECK ("promised_cap_days" >= 0)')


def rules(statements, reference_tables=()):
    return [f.rule for f in citus.script_findings(statements, reference_tables=reference_tables)]


def test_the_checker_catches_the_green_channel_column_as_first_written():
    assert rules([GREEN_CHANNEL_AS_FIRST_WRITTEN]) == [citus.UNNAMED_IN_ADD_COLUMN]


def test_the_green_channel_column_as_now_written_passes():
    assert rules(['ALTER TABLE "cases_case" ADD COLUMN "promised_cap_days" integer NULL',
                  'ALTER TABLE "cases_case" ADD CONSTRAINT "cases_case_promised_cap_days_ea280110_check" '
                  'CHECK ("promised_cap_days" >= 0)']) == []


@pytest.mark.parametrize("statement", [
    'ALTER TABLE "t" ADD COLUMN "a" integer NOT NULL UNIQUE',
    'ALTER TABLE "t" ADD COLUMN "a" bigint NULL REFERENCES "t" ("id") DEFERRABLE INITIALLY DEFERRED',
    'ALTER TABLE "t" ADD COLUMN "a" bigint PRIMARY KEY',
    'ALTER TABLE "t" ADD "a" integer CHECK ("a" > 0)',
    'ALTER TABLE "t" ADD COLUMN "b" text NULL, ADD COLUMN "a" smallint CHECK ("a" >= 0)',
])
def test_an_unnamed_constraint_in_add_column_is_refused(statement):
    assert citus.UNNAMED_IN_ADD_COLUMN in rules(['CREATE TABLE "t" ("id" bigint NOT NULL PRIMARY KEY)', statement])


@pytest.mark.parametrize("statement", [
    'ALTER TABLE "t" ADD COLUMN "a" integer CONSTRAINT "t_a_positive" CHECK ("a" > 0)',
    'ALTER TABLE "t" ADD COLUMN "a" varchar(20) DEFAULT \'CHECK UNIQUE\' NOT NULL',
    'ALTER TABLE "t" ADD CONSTRAINT "t_a_uniq" UNIQUE ("a")',
    'ALTER TABLE "t" ALTER COLUMN "a" DROP DEFAULT',
    'CREATE TABLE "u" ("id" bigint NOT NULL PRIMARY KEY, "n" integer NOT NULL CHECK ("n" >= 0), '
    '"t_id" bigint NOT NULL REFERENCES "t" ("id"))',
])
def test_named_constraints_and_the_centres_own_tables_pass(statement):
    assert rules(['CREATE TABLE "t" ("id" bigint NOT NULL PRIMARY KEY, "a" integer)', statement]) == []


def test_an_unnamed_table_constraint_added_later_is_refused():
    assert rules(['ALTER TABLE "t" ADD UNIQUE ("a", "b")']) == [citus.UNNAMED_TABLE_CONSTRAINT]


def test_a_foreign_key_to_a_public_table_passes_only_when_it_is_a_reference_table():
    statements = ['CREATE TABLE "perm" ("id" integer NOT NULL PRIMARY KEY, "user_id" bigint NOT NULL)',
                  'ALTER TABLE "perm" ADD CONSTRAINT "perm_user_fk" FOREIGN KEY ("user_id") '
                  'REFERENCES "tenants_user" ("id") DEFERRABLE INITIALLY DEFERRED',
                  'CREATE TABLE "note" ("id" bigint NOT NULL PRIMARY KEY, '
                  '"centre_id" bigint NOT NULL REFERENCES public.tenants_centre (id))']
    assert rules(statements) == [citus.FOREIGN_KEY_TO_PUBLIC, citus.FOREIGN_KEY_TO_PUBLIC]
    assert rules(statements, reference_tables={"tenants_user"}) == [citus.FOREIGN_KEY_TO_PUBLIC]
    assert citus.public_references(statements) == {"tenants_user", "tenants_centre"}


@pytest.mark.parametrize("statement", [
    "DO $$ BEGIN CREATE TABLE cases_archive (id bigint); END $$",
    "CREATE OR REPLACE FUNCTION make_archive() RETURNS void LANGUAGE plpgsql AS $body$ BEGIN "
    "CREATE UNLOGGED TABLE cases_archive (id bigint); END $body$",
    "DO $$ BEGIN EXECUTE format('CREATE TABLE %I (id bigint)', 'x'); END $$",
])
def test_a_table_made_inside_a_function_or_do_block_is_refused(statement):
    assert rules([statement]) == [citus.TABLE_IN_FUNCTION]


@pytest.mark.django_db
def test_every_centres_sql_has_nothing_citus_refuses():
    plan = citus.database_plan()
    findings = citus.script_findings(tenant_script().statements, reference_tables=plan.reference)
    assert findings == [], "\n".join(str(f) for f in findings)


def _catalog_targets(schema: str) -> set[str]:
    """The public tables a real centre schema's foreign keys reach, read from pg_constraint."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT DISTINCT dst.relname FROM pg_constraint con
            JOIN pg_class src ON src.oid = con.conrelid JOIN pg_class dst ON dst.oid = con.confrelid
            WHERE con.contype = 'f' AND src.relnamespace = %s::regnamespace
              AND dst.relnamespace = 'public'::regnamespace""", [schema])
        return {row[0] for row in cursor.fetchall()}


def _catalog_closure(targets: set[str]) -> tuple[set[str], set[str]]:
    """(reference, linked) by recursive queries over pg_constraint: the targets and what they reference;
    then every public table foreign-key-connected to those, either way."""
    edges = """SELECT src.relname AS src, dst.relname AS dst FROM pg_constraint con
               JOIN pg_class src ON src.oid = con.conrelid JOIN pg_class dst ON dst.oid = con.confrelid
               WHERE con.contype = 'f' AND src.relnamespace = 'public'::regnamespace
                 AND dst.relnamespace = 'public'::regnamespace"""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH RECURSIVE e AS ({edges}), r(name) AS (
                SELECT unnest(%s::name[]) UNION SELECT e.dst FROM e JOIN r ON e.src = r.name)
            SELECT name FROM r""", [sorted(targets)])
        reference = {row[0] for row in cursor.fetchall()}
        cursor.execute(f"""
            WITH RECURSIVE e AS ({edges}), u AS (SELECT src AS a, dst AS b FROM e UNION SELECT dst, src FROM e),
            c(name) AS (SELECT unnest(%s::name[]) UNION SELECT u.b FROM u JOIN c ON u.a = c.name)
            SELECT name FROM c""", [sorted(reference)])
        component = {row[0] for row in cursor.fetchall()}
    return reference, component - reference


@pytest.mark.django_db
def test_the_reference_tables_citus_prepare_makes_are_what_centres_reference(beilin):
    targets = _catalog_targets(beilin.schema_name)
    assert targets == {"tenants_user", "auth_permission", "auth_group", "django_content_type"}, (
        "a centre table gained (or lost) a foreign key into public: each target becomes a Citus reference "
        "table written on every node; prefer a plain id (as cases does)")
    reference, linked = _catalog_closure(targets)

    out = StringIO()
    call_command("citus_prepare", sql=True, distribute_existing=True, stdout=out)
    sql = out.getvalue()
    made_reference = re.findall(r"create_reference_table\('public\.\"(\w+)\"'\)", sql)
    made_local = re.findall(r"citus_add_local_table_to_metadata\('public\.\"(\w+)\"'", sql)

    assert set(made_reference) == reference and len(made_reference) == len(reference)
    assert set(made_local) == linked and "tenants_centre" in linked and "registry_registryentry" in linked
    assert made_reference.index("django_content_type") < made_reference.index("auth_permission")


@pytest.mark.django_db
def test_prepare_refuses_while_centres_exist_unless_told_to_distribute_them(beilin):
    with pytest.raises(CommandError, match="--distribute-existing"):
        call_command("citus_prepare", sql=True, stdout=StringIO())

    out = StringIO()
    call_command("citus_prepare", sql=True, distribute_existing=True, stdout=out)
    lines = out.getvalue().splitlines()
    sharding_on = lines.index(f'ALTER DATABASE "{connection.settings_dict["NAME"]}" '
                              "SET citus.enable_schema_based_sharding = on;")
    distributed = [i for i, line in enumerate(lines) if line.startswith("SELECT citus_schema_distribute(")]
    assert len(distributed) == len(citus.centre_schemas()) and min(distributed) > sharding_on
    assert any(f"'\"{beilin.schema_name}\"'::regnamespace" in lines[i] for i in distributed)
    last_reference = max(i for i, line in enumerate(lines) if "create_reference_table" in line)
    first_sequence = min(i for i, line in enumerate(lines) if line.startswith("SELECT setval("))
    assert last_reference < first_sequence < sharding_on


@pytest.mark.django_db
def test_the_sequence_reset_puts_the_next_centre_id_past_the_largest(beilin):
    """On the real cluster the next onboarding collided on tenants_centre's key: conversion had restarted
    its sequence. The reset statements citus_prepare prints, run here on such a restarted sequence."""
    plan = citus.database_plan()
    assert ("tenants_centre", "id") in plan.sequences
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('public.tenants_centre', 'id'), 1, false)")
        for statement in citus.prepare_statements(plan, database="unused"):
            if statement.startswith("SELECT setval("):
                cursor.execute(statement)
        cursor.execute("SELECT nextval(pg_get_serial_sequence('public.tenants_centre', 'id')), "
                       "(SELECT max(id) FROM public.tenants_centre)")
        following, largest = cursor.fetchone()
        cursor.execute("SELECT setval(pg_get_serial_sequence('public.tenants_centre', 'id'), %s, false)",
                       [following])
    assert following == largest + 1


@pytest.mark.django_db
def test_prepare_on_plain_postgresql_says_citus_is_missing():
    with pytest.raises(CommandError, match="not a Citus database"):
        call_command("citus_prepare", distribute_existing=True, stdout=StringIO())


@pytest.mark.django_db
def test_citus_check_on_plain_postgresql_says_so_and_exits_2():
    out = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("citus_check", stdout=out)
    assert exit_.value.code == 2 and "not a Citus database" in out.getvalue()


STAND_IN_CATALOG = """
    CREATE SCHEMA citus_stand_in;
    CREATE TABLE citus_stand_in.pg_dist_schema (schemaid oid PRIMARY KEY, colocationid integer NOT NULL);
    CREATE TABLE citus_stand_in.pg_dist_partition (logicalrelid regclass NOT NULL, partmethod "char" NOT NULL,
        partkey text, colocationid integer NOT NULL, repmodel "char" NOT NULL);
    CREATE TABLE citus_stand_in.pg_dist_shard (logicalrelid regclass NOT NULL, shardid bigint NOT NULL);
    CREATE TABLE citus_stand_in.pg_dist_placement (placementid bigserial, shardid bigint NOT NULL,
        shardstate integer NOT NULL DEFAULT 1, groupid integer NOT NULL);
"""


@pytest.mark.django_db
def test_the_cluster_checks_name_each_problem_on_a_stand_in_of_citus_catalog(beilin, yanta, city):
    """Citus cannot run here: its catalog tables (the columns citus_check reads, as Citus 12/13 define
    them) are stood in for, in a schema of their own, to show what citus_check reports. Beilin is
    distributed to worker group 1 (right); Yanta is not distributed; Xi'an's shards are on the
    coordinator (group 0); tenants_user is not a reference table; tenants_centre's sequence restarted."""
    plan = citus.Plan(centre_targets=(), reference=("auth_group", "auth_permission", "django_content_type",
                                                    "tenants_user"),
                      linked=("tenants_membership",), sequences=(("tenants_centre", "id"),),
                      centre_schemas=(beilin.schema_name, yanta.schema_name, city.schema_name))
    database = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(STAND_IN_CATALOG)
        cursor.execute("SET LOCAL search_path = citus_stand_in, public")
        for group, centre in ((1, beilin), (0, city)):
            cursor.execute("INSERT INTO pg_dist_schema VALUES (%s::regnamespace, %s)", [centre.schema_name, group + 10])
            cursor.execute("""INSERT INTO pg_dist_partition SELECT c.oid, 'n', NULL, %s, 's' FROM pg_class c
                              WHERE c.relnamespace = %s::regnamespace AND c.relkind = 'r'""",
                           [group + 10, centre.schema_name])
        cursor.execute("""INSERT INTO pg_dist_partition SELECT to_regclass('public.' || t), 'n', NULL, 1, 't'
                          FROM unnest(ARRAY['auth_group', 'auth_permission', 'django_content_type']) t""")
        cursor.execute("INSERT INTO pg_dist_partition VALUES ('public.tenants_membership', 'n', NULL, 0, 's')")
        cursor.execute("INSERT INTO pg_dist_shard SELECT logicalrelid, row_number() OVER () FROM pg_dist_partition")
        cursor.execute("""INSERT INTO pg_dist_placement (shardid, groupid)
                          SELECT s.shardid, CASE WHEN c.relnamespace = %s::regnamespace THEN 0 ELSE 1 END
                          FROM pg_dist_shard s JOIN pg_class c ON c.oid = s.logicalrelid""", [city.schema_name])
        cursor.execute("SELECT setval(pg_get_serial_sequence('public.tenants_centre', 'id'), 1)")

        problems = citus.cluster_problems(cursor, plan=plan, database=database)
        assert len(problems) == 5, problems
        assert "schema-based sharding is not on" in problems[0]
        assert f"centre schema '{yanta.schema_name}' is not distributed" in problems[1]
        assert f"centre schema '{city.schema_name}' has" in problems[2] and "on the coordinator" in problems[2]
        assert "public.tenants_user is not a reference table" in problems[3]
        assert "id sequence of public.tenants_centre is behind" in problems[4]
        assert not any(f"'{beilin.schema_name}'" in problem for problem in problems)

        cursor.execute(f'ALTER DATABASE "{database}" SET citus.enable_schema_based_sharding = on')
        cursor.execute("INSERT INTO pg_dist_schema VALUES (%s::regnamespace, 12)", [yanta.schema_name])
        cursor.execute("""INSERT INTO pg_dist_partition SELECT c.oid, 'n', NULL, 12, 's' FROM pg_class c
                          WHERE c.relnamespace = %s::regnamespace AND c.relkind = 'r'""", [yanta.schema_name])
        cursor.execute("UPDATE pg_dist_placement SET groupid = 2 WHERE groupid = 0")
        cursor.execute("INSERT INTO pg_dist_partition VALUES ('public.tenants_user', 'n', NULL, 1, 't')")
        for statement in citus.prepare_statements(plan, database=database):
            if statement.startswith("SELECT setval("):
                cursor.execute(statement)
        try:
            assert citus.cluster_problems(cursor, plan=plan, database=database) == []
        finally:
            cursor.execute(f'ALTER DATABASE "{database}" RESET citus.enable_schema_based_sharding')
