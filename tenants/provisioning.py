"""Provision a centre's schema by replaying the tenant migrations' SQL.

`migrate_schemas` on a new schema spends most of its time rebuilding Django's model states for
every migration of every app (0.2-0.3 s a centre here), not in the database. The SQL those
migrations produce for an empty schema is the same for every centre, so it is collected once per
process — by the migrations themselves (`schema_editor(collect_sql=True)`, what `sqlmigrate`
does), with the router in "tenant schema" mode — and then executed in each new schema inside one
transaction, with the same `django_migrations` rows `migrate` would write.

This is still provisioning *by migrations*, from the client: no template schema is cloned and no
table is created inside a database function (Citus distributes schemas created this way). Should a
tenant migration contain an operation that cannot be written as SQL (RunPython), the replay is
refused and the caller falls back to running `migrate_schemas` for that schema; an *elidable* RunPython
(a data step, which has nothing to do in an empty schema) is skipped.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from django.db import connection, router, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState
from django.utils import timezone

from tenants.schemas import tenant_connection

_PROBE_SCHEMA = "tenant_sql_probe"


@dataclass(frozen=True)
class TenantScript:
    key: tuple
    statements: tuple[str, ...]
    applied: tuple[tuple[str, str], ...]


_cache: dict[str, TenantScript] = {}
_lock = threading.Lock()


class NotReplayable(Exception):
    """A tenant migration cannot be expressed as SQL."""


def _plan(loader: MigrationLoader) -> list:
    plan: list = []
    seen: set = set()
    for target in sorted(loader.graph.leaf_nodes()):
        for node in loader.graph.forwards_plan(target):
            if node not in seen:
                seen.add(node)
                plan.append(loader.graph.nodes[node])
    return plan


def tenant_script() -> TenantScript:
    """The SQL for an empty centre schema (built once per process and set of migrations)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    key = tuple(sorted(loader.disk_migrations))
    cached = _cache.get("script")
    if cached is not None and cached.key == key:
        return cached
    with _lock:
        plan = _plan(loader)
        previous = (tenant_connection().schema_name, tenant_connection().include_public_schema)
        tenant_connection().set_schema(_PROBE_SCHEMA)  # the router now allows tenant apps only
        try:
            for migration in plan:
                if not router.allow_migrate(connection.alias, migration.app_label):
                    continue  # a public app's migration: recorded, never run, in a centre's schema
                for operation in migration.operations:
                    if isinstance(operation, RunPython) and operation.elidable:
                        continue  # a data step (elidable): an empty new schema has no data for it
                    if not operation.reduces_to_sql:
                        raise NotReplayable(f"{migration.app_label}.{migration.name}: {operation.describe()}")
            state = ProjectState(real_apps=loader.unmigrated_apps)
            statements: list[str] = []
            for migration in plan:
                with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
                    state = migration.apply(state, editor, collect_sql=True)
                statements.extend(s for s in editor.collected_sql if not s.lstrip().startswith("--"))
        finally:
            tenant_connection().set_schema(previous[0], include_public=previous[1])
        script = TenantScript(key=key, statements=tuple(statements),
                              applied=tuple((m.app_label, m.name) for m in plan))
        _cache["script"] = script
        return script


def schema_replay(*, schema_name: str) -> None:
    """Create `schema_name` with every tenant table, in one transaction."""
    script = tenant_script()
    previous = (tenant_connection().schema_name, tenant_connection().include_public_schema)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{schema_name}"')
            tenant_connection().set_schema(schema_name, include_public=False)
            MigrationRecorder(connection).ensure_schema()
            tenant_connection().set_schema(schema_name)
            with connection.cursor() as cursor:
                for statement in script.statements:
                    cursor.execute(statement)
            now = timezone.now()
            MigrationRecorder.Migration.objects.bulk_create(
                MigrationRecorder.Migration(app=app, name=name, applied=now) for app, name in script.applied)
    finally:
        tenant_connection().set_schema(previous[0], include_public=previous[1])
