"""`migrate_schemas` skips a centre that has no schema, and says so (settings: GET_EXECUTOR_FUNCTION).

A centre whose onboarding stopped after its row was committed and before its schema was made (status
*provisioning*, see tenants.services) has no schema: django-tenants' executors would stop every
migration with `MigrationSchemaMissing`. Such a centre is left out and named;
`manage resume_onboarding` (which `dev.py run` calls) completes it, at the latest migrations.
"""
from __future__ import annotations

import sys

from django.db import connection
from django_tenants.migration_executors import get_executor as django_tenants_executor
from django_tenants.migration_executors.base import MigrationExecutor


def schemas_missing(schema_names: list[str]) -> list[str]:
    """Of `schema_names`, those that do not exist in the database (one query)."""
    if not schema_names:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [schema_names])
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in schema_names if name not in present]


class SkipCentresWithoutSchema(MigrationExecutor):
    def run_migrations(self, tenants=None):
        tenants = list(tenants or [])
        missing = schemas_missing([name for name in tenants if name != self.PUBLIC_SCHEMA_NAME])
        if missing:
            sys.stdout.write(
                f"{len(missing)} centre(s) have no schema yet (onboarding stopped half-way) and are skipped: "
                f"{', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}. "
                "`manage.py resume_onboarding` completes them.\n")
            sys.stdout.flush()
        return super().run_migrations(tenants=[name for name in tenants if name not in missing])


def get_executor(codename: str | None = None) -> type[MigrationExecutor]:
    """django-tenants' executor named `codename`, leaving out centres without a schema."""
    base = django_tenants_executor(codename)
    return type(f"{base.__name__}SkippingHalfMade", (SkipCentresWithoutSchema, base), {"codename": base.codename})
