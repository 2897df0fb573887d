"""django-tenants' PostgreSQL backend, setting `search_path` only when it changes, replacing a
connection that has served too many centres, and finding the embedded PostgreSQL when it connects.

Stock django-tenants forgets the `search_path` it set every time a tenant is selected, so each
request pays a `SET search_path` even when the connection already points at that centre. Here
selecting the same centre again keeps it; closing the connection, a rollback (which undoes a
`SET`) or a different centre still force a new `SET`, exactly as upstream.

A PostgreSQL server process (后端进程) keeps, for the life of its connection, the catalog entries
(relcache, catcache) of every table it has touched, per schema: a connection kept open across
requests (`CONN_MAX_AGE`) grows with each centre it serves, about 20-40 KB a centre for a one-row
read and more for pages that touch many tables, and nothing short of closing it gives that memory
back (`DISCARD ALL` does not: docs/benchmarks.md, "Connections and routing at 2,000 centres").
So the backend counts the distinct centre schemas a connection has set in its `search_path`, and
at the end of a request (Django's `close_old_connections`, which Celery's worker also calls after
each task) closes it once that count exceeds `settings.CONN_MAX_SCHEMAS`; the next request opens a
fresh one. Never inside a transaction: a connection in an atomic block is left alone until a later
request's end. `CONN_MAX_SCHEMAS = 0` (or None) turns the bound off.

Through a transaction pooler (`DATABASE_POOLER=pgbouncer`, config/db_backend/pooling.py) a session `SET` is
worth nothing: the next transaction may run on another server connection, one another client left in
another centre. There every statement carries the centre's search path itself: `PooledCursor` sends
`SET LOCAL search_path = <centre>, public; <statement>` as one simple-protocol message, which PostgreSQL
runs as one transaction (inside an atomic block, the block's), so the path holds for that statement and
no other; no session `SET` is issued at all. One round trip as before; what it costs is in
docs/operations.md, "Connection pooling (PgBouncer)".

With no DATABASE_URL the settings name the embedded server's data folder (`EMBEDDED_PGDATA`) instead
of a host: its socket is looked up when a connection is opened, so that loading the settings needs no
database, and a server not started says how to start it.
"""
import re
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.postgresql.base import Cursor
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper
from django_tenants.utils import get_public_schema_name, quote_schema_name
from psycopg import sql

from config.embedded import running_socket_dir

#: Statements sent as they are, without the search path before them: transaction control (a `ROLLBACK TO
#: SAVEPOINT` must run in a transaction an error aborted, where a `SET` would be refused), and what PostgreSQL
#: refuses inside a transaction block, so in a message of several statements (VACUUM, CREATE INDEX
#: CONCURRENTLY of a public table: they name what they touch).
_SENT_AS_IS = re.compile(
    r"^\s*(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION|"
    r"VACUUM|CREATE\s+DATABASE|DROP\s+DATABASE|ALTER\s+SYSTEM|CLUSTER|"
    r"(CREATE|DROP|REINDEX)\b[^;]*\bCONCURRENTLY)\b", re.IGNORECASE)


class PooledCursor(Cursor):
    """Django's psycopg cursor (client-side binding) whose statements each carry the search path of the
    Django connection that made it: `path()` gives the `SET LOCAL search_path = ...;` to put before a
    statement (None: send it as it is). Results, `rowcount` and `description` are the statement's own
    (the `SET`'s result is skipped); a statement of several parts reads its further results with
    `nextset()` as it would without the prefix."""

    #: set by DatabaseWrapper.create_cursor; a cursor made otherwise (psycopg's `connection.execute`) has none
    path: Callable[[], str | None] | None = None

    def _prefix(self, query) -> tuple[str | None, object]:
        prefix = self.path() if self.path is not None else None
        if prefix is None:
            return None, query
        if isinstance(query, sql.Composable):
            query = query.as_string(self.connection)  # type: ignore[attr-defined]  # psycopg's, not in the stubs
        elif isinstance(query, bytes | bytearray | memoryview):
            query = bytes(query).decode()
        if _SENT_AS_IS.match(query):
            return None, query
        return prefix, query

    def execute(self, query, params=None, **kwargs):
        prefix, query = self._prefix(query)
        if prefix is None:
            return super().execute(query, params, **kwargs)
        if params is not None:
            prefix = prefix.replace("%", "%%")  # the message is formatted with the parameters
        super().execute(prefix + query, params, **kwargs)
        self.nextset()
        return self

    def executemany(self, query, params_seq, **kwargs):
        """Each execution in one transaction with the path set first (psycopg may pipeline them, and a
        pipelined statement is a single one): the caller's atomic block, else one of its own."""
        prefix, query = self._prefix(query)
        if prefix is None:
            return super().executemany(query, params_seq, **kwargs)
        if self.connection.autocommit:
            with self.connection.transaction():
                super().execute(prefix)
                return super().executemany(query, params_seq, **kwargs)
        super().execute(prefix)
        return super().executemany(query, params_seq, **kwargs)


class DatabaseWrapper(TenantDatabaseWrapper):
    def __init__(self, *args, **kwargs):
        #: centre schemas this connection has set in its search_path since it was opened
        self.schemas_entered: set[str] = set()
        #: the `SET LOCAL search_path` of each (schema, include public) met, for PooledCursor
        self._local_paths: dict[tuple[str, bool], str] = {}
        super().__init__(*args, **kwargs)

    @property
    def pooled(self) -> bool:
        """Connections go through a transaction pooler (`DATABASE_POOLER`): the search path goes with each
        statement."""
        return bool(self.settings_dict.get("POOLER"))

    def local_search_path(self) -> str:
        """`SET LOCAL search_path = "<schema>", "public"; ` for the centre selected now (validated and
        quoted as django-tenants does)."""
        key = (self.schema_name, self.include_public_schema)
        found = self._local_paths.get(key)
        if found is None:
            paths = ", ".join(quote_schema_name(name) for name in self._get_cursor_search_paths())
            found = self._local_paths[key] = f"SET LOCAL search_path = {paths}; "
        return found

    def get_connection_params(self):
        pgdata = self.settings_dict.get("EMBEDDED_PGDATA")
        if pgdata:
            socket_dir = running_socket_dir(Path(pgdata))
            if socket_dir is None:
                raise ImproperlyConfigured(
                    "No database: set DATABASE_URL, or start the embedded PostgreSQL with "
                    "`python3 platform/dev.py run` (or `python3 platform/dev.py manage ...`).")
            self.settings_dict["HOST"] = socket_dir
        params = super().get_connection_params()
        if self.pooled:
            params["cursor_factory"] = PooledCursor
        return params

    def create_cursor(self, name=None):
        cursor = super().create_cursor(name)
        if self.pooled:
            if name:
                raise ImproperlyConfigured("A server-side cursor through a transaction pooler: DATABASES must "
                                           "set DISABLE_SERVER_SIDE_CURSORS (config/db_backend/pooling.py).")
            cursor.path = self.local_search_path
        return cursor

    def connect(self):
        self.schemas_entered = set()
        super().connect()

    def set_tenant(self, tenant, include_public=True):
        if (
            self.search_path_set_schemas is not None
            and self.schema_name == tenant.schema_name
            and self.include_public_schema == include_public
        ):
            self.tenant = tenant
            return
        super().set_tenant(tenant, include_public)

    def _handle_search_path(self, cursor=None):
        if self.pooled:
            return  # PooledCursor: each statement carries its own
        super()._handle_search_path(cursor)
        if self.search_path_set_schemas is not None and self.schema_name != get_public_schema_name():
            self.schemas_entered.add(self.schema_name)

    def close_if_unusable_or_obsolete(self):
        """Django's checks at a request's start and end, plus: a connection that has entered more
        than `CONN_MAX_SCHEMAS` centre schemas is closed (outside a transaction only)."""
        super().close_if_unusable_or_obsolete()
        limit = getattr(settings, "CONN_MAX_SCHEMAS", None)
        if (
            limit
            and self.connection is not None
            and not self.in_atomic_block
            and len(self.schemas_entered) > limit
        ):
            self.close()
            # the next connection starts in the public schema, not in the last centre this one served
            self.set_schema_to_public()
