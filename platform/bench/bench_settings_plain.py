"""Plain variant: the same settings without tenant routing.

The middleware stack is the project's minus `tenants.middleware.CentreRoutingMiddleware`; the
database engine is Django's own PostgreSQL backend (django-tenants' would reset `search_path`
to public), and the centre's schema is fixed per connection through libpq `options`.
`BENCH_SCHEMA` names the schema (run.py sets it to the routed centre's schema).
"""
import os

from config.settings.dev import *  # noqa: F403

BENCH_SCHEMA = os.environ.get("BENCH_SCHEMA", "c610103")

MIDDLEWARE = [m for m in MIDDLEWARE if m != "tenants.middleware.CentreRoutingMiddleware"]  # noqa: F405
ROOT_URLCONF = "bench_urls"
DATABASES = {"default": {**DATABASES["default"]}}  # noqa: F405
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DATABASES["default"]["OPTIONS"] = {
    **DATABASES["default"].get("OPTIONS", {}),
    "options": f"-c search_path={BENCH_SCHEMA},public",
}
