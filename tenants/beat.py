"""Celery beat that never fires for a centre that is not ready.

A beat entry without `tenant_schemas` is sent once per *ready* centre. Platform-wide jobs (the
deadline sweep over the registry, reports) use `"tenant_schemas": ["public"]` and are sent once,
to run in the public schema: never 200 messages a tick.
"""
from celery.beat import Scheduler
from django_tenants.utils import get_public_schema_name
from tenant_schemas_celery.scheduler import TenantAwareScheduler

from tenants.choices import CentreStatus
from tenants.models import Centre


class ReadyCentresScheduler(TenantAwareScheduler):
    @classmethod
    def get_queryset(cls):
        return Centre.objects.filter(status=CentreStatus.READY)

    def apply_entry(self, entry, producer=None):
        headers = entry.options.get("headers", {})
        if headers.get("_schema_name") == get_public_schema_name():
            return Scheduler.apply_entry(self, entry, producer=producer)
        return super().apply_entry(entry, producer=producer)
