"""WSGI entry point: Django, with the lean path of the public progress API in front of it
(`registry.lean`: `GET /progress/api/` from anonymous clients, the same answers without the full stack), and
the Celery app finalized."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
django_application = get_wsgi_application()

from config.celery import app as celery_app  # noqa: E402
from registry.lean import progress_front  # noqa: E402 - needs the settings loaded by get_wsgi_application

# The Celery app's tasks bound now, at the process's start, not by the first request that queues one (~25 ms:
# the first centre onboarded, the first SMS of each web process).
celery_app.finalize(auto=True)
application = progress_front(django_application)
