"""WSGI entry point: Django, with the lean path of the public progress API in front of it
(`registry.lean`: `GET /progress/api/` from anonymous clients, the same answers without the full stack)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
django_application = get_wsgi_application()

from registry.lean import progress_front  # noqa: E402 - needs the settings loaded by get_wsgi_application

application = progress_front(django_application)
