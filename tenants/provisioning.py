"""Provision a centre's schema (开通中心) by replaying the tenant migrations' SQL.

`migrate_schemas` on a new schema spends most of its time rebuilding Django's model states for
every migration of every app (0.2-0.3 s a centre here), not in the database. The SQL those
migrations produce for an empty schema is the same for every centre, so it is collected once —
by the migrations themselves (`schema_editor(collect_sql=True)`, what `sqlmigrate` does), with the
router in "tenant schema" mode — and then executed in each new schema inside one transaction, in
one round trip, with the same `django_migrations` rows `migrate` would write.

Collecting costs seconds (2.7 s on a quiet 2-core machine), so the script is kept in Django's cache
(`CACHES["default"]`: files under var/cache, or Redis with CACHE_URL, shared by every process that
uses it) under a key made of what the SQL depends on (`migration_graph_key`): the names and contents
of every migration file of every installed app, the project modules those files import (custom
fields), Django's version, the PostgreSQL server's major version and which apps are tenant apps. A
changed migration file is a new key: the old entry is never read again (and expires). Two processes
that miss at once both collect and both store the same script (the cache's set is atomic); a
process never sees half an entry. Should a script read from the cache fail in the database anyway
(a change the key cannot see), the schema is rolled back, the entry dropped and the replay done
again with a script collected afresh.

This is still provisioning *by migrations*, from the client: no template schema is cloned and no
table is created inside a database function (Citus distributes schemas created this way). Should a
tenant migration contain an operation that cannot be written as SQL (RunPython), the replay is
refused and the caller falls back to running `migrate_schemas` for that schema; an *elidable* RunPython
(a data step, which has nothing to do in an empty schema) is skipped.
"""
from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import django
from django.apps import apps as installed_apps
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, OperationalError, connection, router
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState

from tenants.schemas import tenant_connection

logger = logging.getLogger(__name__)

_PROBE_SCHEMA = "tenant_sql_probe"
#: How long a collected script stays in the shared cache unread (seconds): a deploy a month later collects again.
CACHE_SECONDS = 30 * 24 * 3600
CACHE_PREFIX = "tenants:schema-sql:"


@dataclass(frozen=True)
class TenantScript:
    """The SQL of an empty centre schema: `statements` (each ending in ';'), and the `applied`
    (app, migration name) rows `migrate` records, in order. `key` is `migration_graph_key()`."""
    key: str
    statements: tuple[str, ...]
    applied: tuple[tuple[str, str], ...]


_cache: dict[str, TenantScript] = {}
_lock = threading.Lock()
#: (path, mtime_ns, size) -> sha256 of the file: a file is read again only when it changed.
_file_hashes: dict[tuple[str, int, int], str] = {}
_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.MULTILINE)


class NotReplayable(Exception):
    """A tenant migration cannot be expressed as SQL."""


def _file_hash(path: str) -> str:
    stat = os.stat(path)
    key = (path, stat.st_mtime_ns, stat.st_size)
    digest = _file_hashes.get(key)
    if digest is None:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        _file_hashes[key] = digest
    return digest


def _migration_dirs() -> list[tuple[str, str]]:
    """(app label, folder) of every installed app's migrations package, MIGRATION_MODULES included,
    found without importing the migrations."""
    found = []
    for app_config in installed_apps.get_app_configs():
        module_name, _explicit = MigrationLoader.migrations_module(app_config.label)
        if module_name is None:
            continue
        try:
            spec = importlib.util.find_spec(module_name)
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.submodule_search_locations:
            continue
        for folder in spec.submodule_search_locations:
            found.append((app_config.label, folder))
    return found


def migration_graph_key() -> str:
    """A hex digest of what a centre schema's SQL depends on: every migration file (name and content)
    of every installed app, the project's own modules those files import, Django's version and the
    tenant apps. Costs a directory listing and a stat per file once the files have been hashed
    (~2 ms for ~100 migrations); the server's version is added by `tenant_script`."""
    digest = hashlib.sha256()
    digest.update(repr((django.VERSION, sorted(settings.TENANT_APPS))).encode())
    root = str(settings.BASE_DIR)
    imported: set[str] = set()
    for label, folder in sorted(_migration_dirs()):
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:  # a package being reinstalled under the running process: its files are not there
            digest.update(f"{label}: no folder\n".encode())
            continue
        for entry in entries:
            if not entry.name.endswith(".py") or not entry.is_file():
                continue
            try:
                file_digest = _file_hash(entry.path)
            except OSError:
                continue
            digest.update(f"{label}/{entry.name}:{file_digest}\n".encode())
            if entry.path.startswith(root):
                imported.update(_project_imports(entry.path, file_digest))
    for module_name in sorted(imported):  # custom fields and helpers a migration names
        module = sys.modules.get(module_name)
        path = getattr(module, "__file__", None) if module else None
        if path and path.startswith(root) and "/migrations/" not in path:
            digest.update(f"{module_name}:{_file_hash(path)}\n".encode())
    return digest.hexdigest()


_imports_of: dict[str, frozenset[str]] = {}


def _project_imports(path: str, file_digest: str) -> frozenset[str]:
    names = _imports_of.get(file_digest)
    if names is None:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        names = frozenset(m.group(1) or m.group(2) for m in _IMPORT.finditer(text))
        names = frozenset(n for n in names if not n.startswith(("django.", "django_")) and n != "django")
        _imports_of[file_digest] = names
    return names


LEAVES_PREFIX = "tenants:migration-leaves:"


def migration_leaves() -> list[tuple[str, str]]:
    """The migration graph's leaf nodes, (app, name) sorted: from the shared cache under
    `migration_graph_key()` (no migration module imported), else from a MigrationLoader (and stored)."""
    key = LEAVES_PREFIX + migration_graph_key()
    try:
        stored = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache that cannot be read only costs the loader
        stored = None
    if isinstance(stored, list):
        return [(app, name) for app, name in stored]
    leaves = sorted(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())
    try:
        cache.set(key, [list(leaf) for leaf in leaves], CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("migration cache not writable", exc_info=True)
    return leaves


def _plan(loader: MigrationLoader) -> list:
    plan: list = []
    seen: set = set()
    for target in sorted(loader.graph.leaf_nodes()):
        for node in loader.graph.forwards_plan(target):
            if node not in seen:
                seen.add(node)
                plan.append(loader.graph.nodes[node])
    return plan


def _collect() -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
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
            statements.extend(sql_of(editor.collected_sql))
    finally:
        tenant_connection().set_schema(previous[0], include_public=previous[1])
    return tuple(statements), tuple((m.app_label, m.name) for m in plan)


def sql_of(collected: list[str]) -> list[str]:
    """The statements of a schema editor's `collected_sql`, without the one-line comments Django adds
    (`-- Add field x to y`)."""
    return [s for s in collected if not (s.lstrip().startswith("--") and "\n" not in s.strip())]


def script_key() -> str:
    """`migration_graph_key()` and the PostgreSQL server's major version (the SQL may depend on it)."""
    return f"{migration_graph_key()}-pg{tenant_connection().pg_version // 10000}"


def tenant_script(*, shared: bool = True) -> TenantScript:
    """The SQL for an empty centre schema: from this process's memory, else the shared cache, else
    collected from the migrations (and stored in both). `shared=False` skips the shared cache.
    Raises NotReplayable when a tenant migration has a non-elidable operation that is not SQL."""
    key = script_key()
    cached = _cache.get("script")
    if cached is not None and cached.key == key:
        return cached
    with _lock:
        cached = _cache.get("script")
        if cached is not None and cached.key == key:
            return cached
        script = None
        if shared:
            try:
                stored = cache.get(CACHE_PREFIX + key)
            except Exception:  # noqa: BLE001 - a cache that cannot be read only costs the collection
                logger.warning("schema SQL cache unreadable", exc_info=True)
                stored = None
            if isinstance(stored, dict) and stored.get("key") == key:
                script = TenantScript(key=key, statements=tuple(stored["statements"]),
                                      applied=tuple(tuple(pair) for pair in stored["applied"]))  # type: ignore[misc]
        if script is None:
            statements, applied = _collect()
            script = TenantScript(key=key, statements=statements, applied=applied)
            try:
                cache.set(CACHE_PREFIX + key, {"key": key, "statements": list(statements),
                                               "applied": [list(pair) for pair in applied]}, CACHE_SECONDS)
            except Exception:  # noqa: BLE001 - the next process collects again
                logger.warning("schema SQL cache not writable", exc_info=True)
        _cache["script"] = script
        return script


def forget_tenant_script(key: str | None = None) -> None:
    """Drop the script from this process's memory and (its `key`, else the current one) from the shared cache."""
    _cache.pop("script", None)
    try:
        cache.delete(CACHE_PREFIX + (key or script_key()))
    except Exception:  # noqa: BLE001
        logger.warning("schema SQL cache not writable", exc_info=True)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def replay_sql(*, schema_name: str, statements: tuple[str, ...] | list[str],
               applied: tuple[tuple[str, str], ...] | list[tuple[str, str]], prelude: tuple[str, ...] = ()) -> str:
    """One string that, sent as one query, runs `prelude` then `statements` in `schema_name` (search
    path: it, then public) and records `applied` in its django_migrations, in the query's one transaction."""
    quoted = connection.ops.quote_name(schema_name)
    rows = ", ".join(f"({_quote(app)}, {_quote(name)}, now())" for app, name in applied)
    parts = [f"SELECT set_config('search_path', {_quote(quoted + ', public')}, true);", *prelude, *statements]
    if rows:
        parts.append(f"INSERT INTO {quoted}.django_migrations (app, name, applied) VALUES {rows};")
    return "\n".join(parts)


def schema_replay(*, schema_name: str, mark: bool = False) -> str:
    """Create `schema_name` with every tenant table, in one transaction and one round trip; returns the
    script's key. `mark`: the schema's comment set to that key in the same transaction (a spare schema,
    tenants.spares). Raises NotReplayable (see `tenant_script`), DatabaseError when the schema exists."""
    script = tenant_script()
    try:
        _replay(schema_name, script, mark=mark)
    except OperationalError as error:
        # a deadlock with another schema's DDL (dropping a centre's schema locks the public tables its
        # foreign keys reference), a lost connection: nothing wrong with the script; once more
        logger.warning("replaying the schema SQL failed (%s); once more", error)
        _replay(schema_name, script, mark=mark)
    except DatabaseError:
        # A script the database refuses (a change the cache key cannot see): collect afresh, once.
        logger.warning("replaying the cached schema SQL failed; collecting it again", exc_info=True)
        forget_tenant_script(script.key)
        script = tenant_script(shared=False)
        _replay(schema_name, script, mark=mark)
    return script.key


_recorder_sql: list[str] = []


def _recorder_table_sql() -> tuple[str, ...]:
    """The `django_migrations` table's DDL as Django writes it (MigrationRecorder.ensure_schema)."""
    if not _recorder_sql:
        with connection.schema_editor(collect_sql=True, atomic=False) as editor:
            editor.create_model(MigrationRecorder.Migration)
        _recorder_sql.extend(sql_of(editor.collected_sql))
    return tuple(_recorder_sql)


def _replay(schema_name: str, script: TenantScript, *, mark: bool = False) -> None:
    quoted = connection.ops.quote_name(schema_name)
    sql = f"CREATE SCHEMA {quoted};\n" + replay_sql(
        schema_name=schema_name, statements=script.statements, applied=script.applied,
        prelude=_recorder_table_sql())
    if mark:
        sql += f"\nCOMMENT ON SCHEMA {quoted} IS {_quote(script.key)};"
    previous = (tenant_connection().schema_name, tenant_connection().include_public_schema)
    try:
        tenant_connection().set_schema_to_public()
        in_atomic = connection.in_atomic_block
        with connection.cursor() as cursor:
            if in_atomic:  # inside the caller's transaction: a savepoint keeps a failure to this schema
                cursor.execute("SAVEPOINT schema_replay")
                try:
                    cursor.execute(sql)
                except DatabaseError:
                    cursor.execute("ROLLBACK TO SAVEPOINT schema_replay")
                    raise
                cursor.execute("RELEASE SAVEPOINT schema_replay")
            else:  # one query: one implicit transaction, all or nothing
                cursor.execute(sql)
    finally:
        tenant_connection().set_schema(previous[0], include_public=previous[1])
