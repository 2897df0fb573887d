"""Apply pending tenant migrations to many centres the way provisioning works (迁移批量重放).

`migrate_schemas` migrates one schema after another, and for each it rebuilds Django's model states
(~110 ms three times) and reads the catalogue of the whole database (which grows with the number of
centres): 158 s for a new column on 1,000 centres. Yet every centre at the same point of the
migration graph needs the same SQL. So:

1. one query reads, for every centre schema, a fingerprint of its applied migrations (md5 of its
   `django_migrations` rows) and the schemas are grouped by it;
2. for each group behind, one schema of it (the representative) is looked at the way `migrate` does
   (`MigrationExecutor`: plan to the graph's leaves, the project state at its applied migrations) and
   the plan's SQL is collected once (`schema_editor(collect_sql=True)`, search path on the
   representative, so the router allows tenant apps only and any introspection reads a real schema);
3. that SQL is sent to each schema of the group as one query (one round trip, one transaction): a
   check that the schema's fingerprint is still the group's (under a per-schema advisory lock, so two
   migrators never apply the same migration twice), the DDL, and the `django_migrations` rows `migrate`
   would write; over a few connections at once (`TENANT_REPLAY_CONNECTIONS`, default 4).

What cannot be replayed goes to `migrate_schemas` as before, schema by schema: a group whose plan has a
RunPython in a tenant app (elidable or not: a centre's data needs it), an operation that is not SQL, a
non-atomic migration, a backwards step; a schema without a `django_migrations` table; a schema whose
replay failed (it is rolled back; migrate then says why). Public apps' migrations are only recorded in
a centre's schema, as `migrate` does. Not sent: `post_migrate` per centre schema (its receivers here
write public rows, which the public schema's migration has written).
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import cast

from django.conf import settings
from django.db import DatabaseError, connection, connections, router
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations import RunPython
from django_tenants.postgresql_backend.base import DatabaseWrapper

from tenants.provisioning import _quote, replay_sql, sql_of
from tenants.schemas import tenant_connection

logger = logging.getLogger(__name__)

#: Schemas a query of the fingerprint step reads at once (a UNION ALL of this many sub-selects).
FINGERPRINT_BATCH = 100  # planning a UNION ALL grows faster than linearly (migrations_pending.BATCH)
NO_TABLE = "-"
#: A schema's applied migrations in one value: md5 of its distinct `app.name` rows in code-point order.
FINGERPRINT_SQL = ("md5(coalesce(string_agg(DISTINCT (app || '.' || name) COLLATE \"C\", ',' "
                   "ORDER BY (app || '.' || name) COLLATE \"C\"), ''))")


@dataclass
class PendingScript:
    """The SQL bringing a schema at `fingerprint` to the graph's leaves; `reason` set when not replayable."""
    fingerprint: str
    representative: str
    migrations: list[tuple[str, str]] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)
    applied: list[tuple[str, str]] = field(default_factory=list)
    reason: str = ""


@dataclass
class ReplayReport:
    """What `replay_pending` did: schemas `replayed` (with the migrations applied), `up_to_date`,
    `fallback` (schema -> why: for `migrate_schemas`), and timings in seconds."""
    replayed: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    up_to_date: list[str] = field(default_factory=list)
    fallback: dict[str, str] = field(default_factory=dict)
    groups: int = 0
    seconds_read: float = 0.0
    seconds_collect: float = 0.0
    seconds_replay: float = 0.0


def _fingerprint_expression(schema: str) -> str:
    quoted = connection.ops.quote_name(schema)
    return f"SELECT {_quote(schema)}, {FINGERPRINT_SQL} FROM {quoted}.django_migrations"


def schema_fingerprints(schemas: list[str]) -> dict[str, str]:
    """schema -> md5 of its applied migrations (sorted `app.name`, comma-joined), or NO_TABLE for a schema
    without a `django_migrations` table. One catalogue query, then one query a FINGERPRINT_BATCH schemas."""
    if not schemas:
        return {}
    tenant_connection().set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE c.relname = 'django_migrations' AND c.relkind = 'r' AND n.nspname = ANY(%s)",
                       [schemas])
        with_table = {row[0] for row in cursor.fetchall()}
        found = {schema: NO_TABLE for schema in schemas if schema not in with_table}
        present = [schema for schema in schemas if schema in with_table]
        for start in range(0, len(present), FINGERPRINT_BATCH):
            batch = present[start:start + FINGERPRINT_BATCH]
            cursor.execute(" UNION ALL ".join(_fingerprint_expression(schema) for schema in batch))
            found.update(dict(cursor.fetchall()))
    return found


def _fingerprint_of(pairs) -> str:
    """FINGERPRINT_SQL's value for these (app, name) rows (code-point order is collation "C")."""
    return hashlib.md5(",".join(sorted({f"{app}.{name}" for app, name in pairs})).encode(),
                       usedforsecurity=False).hexdigest()


def pending_script(*, representative: str, fingerprint: str) -> PendingScript:
    """The plan and SQL that bring `representative` (and every schema with its fingerprint) up to the
    migration graph's leaves, collected once; `reason` says why it must be left to `migrate_schemas`."""
    result = PendingScript(fingerprint=fingerprint, representative=representative)
    previous = (tenant_connection().schema_name, tenant_connection().include_public_schema)
    tenant_connection().set_schema(representative, include_public=False)
    try:
        executor = MigrationExecutor(connection)  # reads this schema's django_migrations
        tenant_connection().set_schema(representative)  # the router now allows tenant apps only
        applied = set(executor.recorder.applied_migrations())  # the rows (the loader adds squashed keys)
        if _fingerprint_of(applied) != fingerprint:
            result.reason = "its migrations changed while being read"
            return result
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if not plan:
            return result
        for migration, backwards in plan:
            result.migrations.append((migration.app_label, migration.name))
            if backwards:
                result.reason = f"{migration.app_label}.{migration.name} would be unapplied"
            elif not router.allow_migrate(connection.alias, migration.app_label):
                continue  # a public app's migration: only recorded in a centre's schema
            elif not migration.atomic:
                result.reason = f"{migration.app_label}.{migration.name} is not atomic"
            else:
                for operation in migration.operations:
                    if isinstance(operation, RunPython) or not operation.reduces_to_sql:
                        result.reason = f"{migration.app_label}.{migration.name}: {operation.describe()}"
                        break
            if result.reason:
                return result
        state = executor._create_project_state(with_applied_migrations=True)  # type: ignore[attr-defined]  # noqa: SLF001
        for migration, _backwards in plan:
            with connection.schema_editor(collect_sql=True, atomic=True) as editor:
                state = migration.apply(state, editor, collect_sql=True)
            result.statements.extend(sql_of(editor.collected_sql))
            # what MigrationExecutor.record_migration writes: a squashed migration's replaced ones
            names = migration.replaces or [(migration.app_label, migration.name)]
            result.applied.extend((app, name) for app, name in names if (app, name) not in applied)
        # MigrationExecutor.check_replacements: a squashed migration whose replaced ones are all applied
        done = applied | set(result.applied)
        for key, migration in executor.loader.replacements.items():
            if key not in done and all(replaced in done for replaced in migration.replaces):
                result.applied.append(key)
    finally:
        tenant_connection().set_schema(previous[0], include_public=previous[1])
    return result


def _guarded_sql(schema: str, script: PendingScript) -> str:
    """The one query for `schema`: lock, check its fingerprint is the script's, DDL, rows."""
    quoted = connection.ops.quote_name(schema)
    guard = (f"SELECT pg_advisory_xact_lock(hashtext({_quote('migrate:' + schema)}));\n"
             f"DO $guard$ BEGIN IF (SELECT {FINGERPRINT_SQL} FROM {quoted}.django_migrations) "
             f"IS DISTINCT FROM {_quote(script.fingerprint)} THEN "
             f"RAISE EXCEPTION 'migrations of schema % changed since they were read', {_quote(schema)}; "
             f"END IF; END $guard$;\n")
    return guard + replay_sql(schema_name=schema, statements=script.statements, applied=script.applied)


def _connection_count() -> int:
    return max(1, int(getattr(settings, "TENANT_REPLAY_CONNECTIONS", 4)))


def replay_pending(schemas: list[str], *, alias: str = "default") -> ReplayReport:
    """Bring every schema of `schemas` (centre schemas that exist) to the migration graph's leaves by
    replaying SQL; see the module. Never raises for one schema: what it could not do is in `fallback`."""
    report = ReplayReport()
    started = time.perf_counter()
    fingerprints = schema_fingerprints(schemas)
    groups: dict[str, list[str]] = defaultdict(list)
    for schema in schemas:
        groups[fingerprints[schema]].append(schema)
    report.seconds_read = time.perf_counter() - started

    started = time.perf_counter()
    work: list[tuple[str, PendingScript]] = []
    for fingerprint, members in groups.items():
        if fingerprint == NO_TABLE:
            report.fallback.update(dict.fromkeys(members, "no django_migrations table"))
            continue
        script = pending_script(representative=members[0], fingerprint=fingerprint)
        if script.reason:
            report.fallback.update(dict.fromkeys(members, script.reason))
        elif not script.migrations:
            report.up_to_date.extend(members)
        else:
            report.groups += 1
            work.extend((schema, script) for schema in members)
    report.seconds_collect = time.perf_counter() - started

    started = time.perf_counter()
    if work:
        lock = threading.Lock()
        tenant_connection().close()  # each thread opens its own

        def replay_one(item: tuple[str, PendingScript]) -> None:
            schema, script = item
            conn = cast(DatabaseWrapper, connections[alias])
            try:
                conn.set_schema_to_public()
                with conn.cursor() as cursor:
                    cursor.execute(_guarded_sql(schema, script))
            except DatabaseError as error:
                logger.warning("replaying migrations on %s failed: %s", schema, error)
                with lock:
                    report.fallback[schema] = f"replay failed: {str(error).strip().splitlines()[0]}"
            else:
                with lock:
                    report.replayed[schema] = script.migrations

        def replay_many(items: list[tuple[str, PendingScript]]) -> None:
            try:
                for item in items:
                    replay_one(item)
            finally:
                connections[alias].close()

        count = min(_connection_count(), len(work))
        with ThreadPoolExecutor(max_workers=count) as pool:
            list(pool.map(replay_many, [work[i::count] for i in range(count)]))
    report.seconds_replay = time.perf_counter() - started
    return report
