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

With no DATABASE_URL the settings name the embedded server's data folder (`EMBEDDED_PGDATA`) instead
of a host: its socket is looked up when a connection is opened, so that loading the settings needs no
database, and a server not started says how to start it.
"""
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper
from django_tenants.utils import get_public_schema_name

from config.embedded import running_socket_dir


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
        return super().get_connection_params()

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
