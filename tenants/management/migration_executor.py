"""`migrate_schemas` replays pending tenant migrations as SQL, and skips a centre that has no schema
(settings: GET_EXECUTOR_FUNCTION).

Centre schemas behind are first brought up to date by `tenants.migration_replay` (the pending
migrations' SQL collected once per group of schemas at the same point, replayed per schema in one
round trip over a few connections); only the schemas it leaves (a RunPython, a failure, no migration
table) go through django-tenants' executor (`--executor`), as before. A run with a target
(`app_label migration_name`), `--fake`, `--fake-initial`, `--plan`, `--check`, `--prune` or
`--run-syncdb` is left wholly to django-tenants, and so is every run with the setting
TENANT_MIGRATION_REPLAY = False.

A centre whose onboarding stopped after its row was committed and before its schema was made (status
*provisioning*, see tenants.services) has no schema: django-tenants' executors would stop every
migration with `MigrationSchemaMissing`. Such a centre is left out and named;
`manage resume_onboarding` (which `dev.py run` calls) completes it, at the latest migrations.
"""
from __future__ import annotations

import sys

from django.conf import settings
from django.db import connection
from django_tenants.migration_executors import get_executor as django_tenants_executor
from django_tenants.migration_executors.base import MigrationExecutor

from tenants.migration_replay import replay_pending


def schemas_missing(schema_names: list[str]) -> list[str]:
    """Of `schema_names`, those that do not exist in the database (one query)."""
    if not schema_names:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [schema_names])
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in schema_names if name not in present]


#: Options of `migrate_schemas` under which the replay is not used (their value, when set, is truthy).
NOT_REPLAYED_OPTIONS = ("app_label", "migration_name", "fake", "fake_initial", "plan", "check_unapplied",
                        "prune", "run_syncdb")


def _names(schemas: list[str], limit: int = 10) -> str:
    return ", ".join(schemas[:limit]) + (f" and {len(schemas) - limit} more" if len(schemas) > limit else "")


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
        tenants = [name for name in tenants if name not in missing]
        centres = [name for name in tenants if name != self.PUBLIC_SCHEMA_NAME]
        if (centres and getattr(settings, "TENANT_MIGRATION_REPLAY", True)
                and not any(self.options.get(option) for option in NOT_REPLAYED_OPTIONS)):
            left = set(self._replay(centres))
            tenants = [name for name in tenants if name == self.PUBLIC_SCHEMA_NAME or name in left]
        if not tenants:
            return None
        return super().run_migrations(tenants=tenants)

    def _replay(self, centres: list[str]) -> list[str]:
        """Replay what can be replayed on `centres`; the schemas left for django-tenants' executor."""
        report = replay_pending(centres, alias=self.options.get("database") or "default")
        verbosity = int(self.options.get("verbosity", 1))
        if report.replayed and verbosity >= 1:
            migrations = sorted({pair for applied in report.replayed.values() for pair in applied})
            shown = ", ".join(f"{app}.{name}" for app, name in migrations[:5])
            sys.stdout.write(
                f"replayed {len(migrations)} migration(s) ({shown}{' ...' if len(migrations) > 5 else ''}) "
                f"on {len(report.replayed)} centre schema(s) in {report.groups} group(s): "
                f"read {report.seconds_read:.2f} s, collected {report.seconds_collect:.2f} s, "
                f"replayed {report.seconds_replay:.2f} s\n")
        if report.up_to_date and verbosity >= 1:
            sys.stdout.write(f"{len(report.up_to_date)} centre schema(s) up to date: No migrations to apply "
                             f"({_names(report.up_to_date, 3)}).\n")
        if report.fallback and verbosity >= 1:
            by_reason: dict[str, list[str]] = {}
            for schema, reason in report.fallback.items():
                by_reason.setdefault(reason, []).append(schema)
            for reason, schemas in by_reason.items():
                sys.stdout.write(f"{len(schemas)} centre schema(s) migrated by migrate_schemas ({reason}): "
                                 f"{_names(schemas)}\n")
        sys.stdout.flush()
        return list(report.fallback)


def get_executor(codename: str | None = None) -> type[MigrationExecutor]:
    """django-tenants' executor named `codename`, leaving out centres without a schema."""
    base = django_tenants_executor(codename)
    return type(f"{base.__name__}SkippingHalfMade", (SkipCentresWithoutSchema, base), {"codename": base.codename})
