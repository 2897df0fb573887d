"""django-tenants' PostgreSQL backend, setting `search_path` only when it changes.

Stock django-tenants forgets the `search_path` it set every time a tenant is selected, so each
request pays a `SET search_path` even when the connection already points at that centre. Here
selecting the same centre again keeps it; closing the connection, a rollback (which undoes a
`SET`) or a different centre still force a new `SET`, exactly as upstream.
"""
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper


class DatabaseWrapper(TenantDatabaseWrapper):
    def set_tenant(self, tenant, include_public=True):
        if (
            self.search_path_set_schemas is not None
            and self.schema_name == tenant.schema_name
            and self.include_public_schema == include_public
        ):
            self.tenant = tenant
            return
        super().set_tenant(tenant, include_public)
