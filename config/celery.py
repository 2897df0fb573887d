"""The Celery app, tenant-aware (tenant-schemas-celery).

Tasks sent from inside a centre carry its schema and run inside it; platform-wide tasks run
in the public schema. The beat scheduler (`tenants.beat`) only sends to ready centres.
"""
import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = CeleryApp("govservice")
app.config_from_object("django.conf:settings", namespace="CELERY")

app.autodiscover_tasks()
