"""django-tenants' PostgreSQL backend, setting `search_path` only when it changes, and finding the
embedded PostgreSQL when it connects.

Stock django-tenants forgets the `search_path` it set every time a tenant is selected, so each
request pays a `SET search_path` even when the connection already points at that centre. Here
selecting the same centre again keeps it; closing the connection, a rollback (which undoes a
`SET`) or a different centre still force a new `SET`, exactly as upstream.

With no DATABASE_URL the settings name the embedded server's data folder (`EMBEDDED_PGDATA`) instead
of a host: its socket is looked up when a connection is opened, so that loading the settings needs no
database, and a server not started says how to start it.
"""
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper

from config.embedded import running_socket_dir


class DatabaseWrapper(TenantDatabaseWrapper):
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

    def set_tenant(self, tenant, include_public=True):
        if (
            self.search_path_set_schemas is not None
            and self.schema_name == tenant.schema_name
            and self.include_public_schema == include_public
        ):
            self.tenant = tenant
            return
        super().set_tenant(tenant, include_public)
