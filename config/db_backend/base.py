"""django-tenants' PostgreSQL backend, setting `search_path` only when it changes, replacing a
connection that has served too many centres, and finding the embedded PostgreSQL when it connects.

Stock django-tenants forgets the `search_path` it set every time a tenant is selected, so each
request pays a `SET search_path` even when the connection already points at that centre. Here
selecting the same centre again keeps it; closing the connection, a rollback (which undoes a
`SET`) or a different centre still force a new `SET`, exactly as upstream.

A PostgreSQL server process (后端进程) keeps, for the life of its connection, the catalog entries
(relcache, catcache) of every table it has touched, per schema: a connection kept open across
requests (`CONN_MAX_AGE`) grows with each centre it serves, about 20 KB a centre for a one-row
read and more for pages that touch many tables, and nothing short of closing it gives that memory
back (`DISCARD ALL` does not: docs/benchmarks.md, "Connections and routing at 2,000 centres").
So the backend counts the distinct centre schemas a connection has set in its `search_path`, and
at the end of a request (Django's `close_old_connections`, which Celery's worker also calls after
each task) closes it once that count exceeds `settings.CONN_MAX_SCHEMAS`; the next request opens a
fresh one. Never inside a transaction: a connection in an atomic block is left alone until a later
request's end. `CONN_MAX_SCHEMAS = 0` (or None) turns the bound off.

A request to another centre than the last one on this connection needs a `SET search_path` before its
first statement; stock django-tenants sends it as a statement of its own, one more round trip to the
server per request when requests rotate over centres. Here it travels with the next statement, in the
same message (`SET search_path = ...; SELECT ...`, which psycopg's client-side-binding cursor, Django's
default, sends by the simple query protocol; the cursor then steps to the statement's own result). Only
plain data statements carry it (SELECT, INSERT, UPDATE, DELETE, WITH, VALUES): anything else, a
statement in a failed transaction, executemany, COPY and named cursors get the SET on its own first, as
before. A statement that fails takes the SET with it (one implicit transaction), so the SET is kept
pending for the next one. With `server_side_binding` on (no multi-statement messages) the SET is sent
alone, as upstream.

With no DATABASE_URL the settings name the embedded server's data folder (`EMBEDDED_PGDATA`) instead
of a host: its socket is looked up when a connection is opened, so that loading the settings needs no
database, and a server not started says how to start it.
"""
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.postgresql.base import Cursor as DjangoClientCursor
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper
from django_tenants.utils import get_limit_set_calls, get_public_schema_name, quote_schema_name
from psycopg import pq

from config.embedded import running_socket_dir

#: statements that may carry the pending `SET search_path` in the same message: plain data statements,
#: never one that refuses to run inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM, ...)
_CARRIERS = re.compile(r"\s*\(*\s*(SELECT|INSERT|UPDATE|DELETE|WITH|VALUES)\b", re.IGNORECASE)


_ClientCursor: Any = DjangoClientCursor  # a psycopg ClientCursor (django-stubs types it as a bare class)


class SearchPathCursor(_ClientCursor):
    """Django's client-side-binding psycopg cursor that sends the connection's pending `SET search_path`
    (`connection.pending_search_path`, set by `DatabaseWrapper._handle_search_path`) in front of the
    next data statement, in one message, and answers with that statement's own result."""

    def _send_pending_alone(self) -> None:
        pending = getattr(self.connection, "pending_search_path", None)
        if pending is not None:
            self.connection.pending_search_path = None
            try:
                super().execute(pending)
            except BaseException:
                self.connection.pending_search_path = pending
                raise

    def execute(self, query, params=None, **kwargs):
        pending = getattr(self.connection, "pending_search_path", None)
        if pending is None:
            return super().execute(query, params, **kwargs)
        if (
            not isinstance(query, str)
            or not _CARRIERS.match(query)
            or self.connection.info.transaction_status == pq.TransactionStatus.INERROR
            or self.connection._pipeline is not None
        ):
            if self.connection.info.transaction_status != pq.TransactionStatus.INERROR:
                self._send_pending_alone()
            return super().execute(query, params, **kwargs)
        self.connection.pending_search_path = None
        # the statement merged with its parameters first, under its own text: psycopg's cache of parsed
        # statements is keyed by that text, which a per-centre prefix would make new for every centre
        merged = query if params is None else self.mogrify(query, params)
        try:
            super().execute(f"{pending}; {merged}", None, **kwargs)
        except BaseException:
            # the SET and the statement were one implicit transaction (or the explicit one is now
            # aborted): the SET did not take, send it again with the next statement
            self.connection.pending_search_path = pending
            raise
        self.nextset()
        return self

    def executemany(self, query, params_seq, **kwargs):
        self._send_pending_alone()
        return super().executemany(query, params_seq, **kwargs)

    def copy(self, statement, *args, **kwargs):
        self._send_pending_alone()
        return super().copy(statement, *args, **kwargs)

    def stream(self, query, params=None, **kwargs):
        self._send_pending_alone()
        return super().stream(query, params, **kwargs)


class DatabaseWrapper(TenantDatabaseWrapper):
    def __init__(self, *args, **kwargs):
        #: centre schemas this connection has set in its search_path since it was opened
        self.schemas_entered: set[str] = set()
        super().__init__(*args, **kwargs)

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
        if params.get("cursor_factory") is DjangoClientCursor:
            params["cursor_factory"] = SearchPathCursor
        return params

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

    def _cursor(self, name=None):
        if name and self.connection is not None:
            self._send_pending_search_path()  # a named cursor's DECLARE must find the search_path set
        return super()._cursor(name)

    def _send_pending_search_path(self) -> None:
        if getattr(self.connection, "pending_search_path", None) is not None:
            with self.connection.cursor() as cursor:
                cursor._send_pending_alone()

    def _handle_search_path(self, cursor=None):
        if (
            cursor is None
            or self._setting_search_path
            or not isinstance(getattr(cursor, "cursor", None), SearchPathCursor)
        ):
            super()._handle_search_path(cursor)
        elif not (get_limit_set_calls() and self.search_path_set_schemas):
            if not self.schema_name:
                raise ImproperlyConfigured("Database schema not set. Did you forget to call set_schema() or "
                                           "set_tenant()?")
            search_paths = self._get_cursor_search_paths()  # validates each name
            # sent with the cursor's next statement (SearchPathCursor)
            self.connection.pending_search_path = "SET search_path = {}".format(
                ",".join(quote_schema_name(s) for s in search_paths))
            self.search_path_set_schemas = search_paths
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
