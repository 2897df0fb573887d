"""django-tenants: which apps live in the public schema and which in every centre's schema.

An app is public or tenant, never both (an app in both gets empty copies of its tables
everywhere). auth and contenttypes are public only; django-guardian's object permissions are
per centre, so object ids never collide across centres.
"""
from config.env import env_int

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "django.contrib.postgres",
    "common",
    "catalog",
    "workcalendar",
    "registry",
    "notifications",
    "supervision",
    "projects",
    "joint_approval",
    "delegation",
    "news",
    "portal",
    "demo",
    "operations",
]

TENANT_APPS = [
    "guardian",
    "windows",
    "cases",
    "hall",
]

INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Centre"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
TENANT_LIMIT_SET_CALLS = True
# A database connection that has served more than this many centres is closed at the end of a request
# (config/db_backend): PostgreSQL keeps each schema's catalog entries for the connection's life, so this
# bounds a connection's memory. 0 turns the bound off. Chosen in docs/benchmarks.md, issue 17's section.
CONN_MAX_SCHEMAS = env_int("DB_CONN_MAX_SCHEMAS", 2500)
TENANT_CREATION_FAKES_MIGRATIONS = False
# Centre schemas made ahead of need, taken (renamed) by onboarding: tenants.spares. 0 turns them off.
TENANT_SPARE_SCHEMAS = env_int("GOVSERVICE_SPARE_SCHEMAS", 2)
# `migrate_schemas` leaves out (and names) a centre whose onboarding stopped before its schema was made
GET_EXECUTOR_FUNCTION = "tenants.management.migration_executor.get_executor"
