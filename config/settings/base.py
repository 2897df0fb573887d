"""Settings shared by every environment; concerns live in their own modules below."""
from __future__ import annotations

import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import env
from config.db_backend.pooling import PoolerSettingsError, pooled_database

BASE_DIR = env.BASE_DIR
VAR_DIR = env.VAR_DIR

SECRET_KEY = env.SECRET_KEY or "dev-only-insecure-key-change-me"
DEBUG = env.DEBUG

PLATFORM_DOMAIN = env.PLATFORM_DOMAIN
#: Addresses given out without a request (the progress link in an SMS): tenants.addresses.centre_address.
PLATFORM_SCHEME = env.PLATFORM_SCHEME or "http"
PLATFORM_PORT = env.PLATFORM_PORT
ALLOWED_HOSTS = env.ALLOWED_HOSTS or [PLATFORM_DOMAIN, f".{PLATFORM_DOMAIN}", "127.0.0.1"]

from config.settings.tenants import *  # noqa: E402,F403  (SHARED_APPS, TENANT_APPS, INSTALLED_APPS)

MIDDLEWARE = [
    "common.metrics.RequestMetricsMiddleware",  # first: times every request, whoever answers it
    # then gzip of pages and API answers (BREACH: docs/operations.md, "Compression and static files")
    "common.serving.CompressionMiddleware",
    "tenants.middleware.CentreRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "common.serving.StaticFilesMiddleware",  # WhiteNoise: fingerprinted files cached a year, brotli/gzip
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "common.nul.RefuseNulMiddleware",  # text with a NUL is bad input (400), before any view or CSRF check
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tenants.signin.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the page or the API's error
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "tenants.context_processors.centre",
                "portal.context_processors.applicant",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"


def database_settings(url: str, *, pooler: str = "", direct_url: str = "") -> dict:
    """The DATABASES entry of `url`, through `pooler` when one is named (config/db_backend/pooling.py)."""
    config = dict(dj_database_url.parse(url, conn_max_age=env.CONN_MAX_AGE, conn_health_checks=True))
    config["ENGINE"] = "config.db_backend"
    try:
        return pooled_database(config, pooler=pooler, direct_url=direct_url)
    except PoolerSettingsError as error:
        raise ImproperlyConfigured(str(error)) from error


def _default_database() -> dict:
    """DATABASE_URL, else the embedded PostgreSQL under var/pgdata, found when a connection is opened
    (config/db_backend): loading the settings never touches a database, so ruff, mypy and
    `manage.py check` run with none."""
    if env.DATABASE_URL:
        return database_settings(env.DATABASE_URL, pooler=env.DATABASE_POOLER, direct_url=env.DATABASE_DIRECT_URL)
    return {**database_settings(f"postgresql://postgres@/{env.DATABASE_NAME}"),
            "EMBEDDED_PGDATA": str(VAR_DIR / "pgdata")}


DATABASES = {"default": _default_database()}
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "tenants.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out account or address
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
ANONYMOUS_USER_NAME = None  # django-guardian: no anonymous user row in every centre

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start without it
STATICFILES_DIRS = [BASE_DIR / "static"]
# Every run serves static files as production does (common.serving): collected into STATIC_ROOT with
# fingerprinted names and brotli/gzip copies (`manage.py collectstatic_if_changed`: dev.py run and the tests
# call it; production's release step runs collectstatic), served by WhiteNoise from there alone.
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "common.serving.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
# Files (cases' materials and documents, items' forms, consent scans) go through Django's storage API: the
# filesystem under var/media by default; S3-compatible object storage (django-storages, `pip install
# .[s3]`) when GOVSERVICE_S3_BUCKET is set. Never served from a public path: every file goes through a
# view that checks who asks (MEDIA_URL is not routed).
if os.environ.get("GOVSERVICE_S3_BUCKET"):
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": os.environ["GOVSERVICE_S3_BUCKET"],
        "endpoint_url": os.environ.get("GOVSERVICE_S3_ENDPOINT") or None,
        "region_name": os.environ.get("GOVSERVICE_S3_REGION") or None,
        "access_key": os.environ.get("GOVSERVICE_S3_ACCESS_KEY") or None,
        "secret_key": os.environ.get("GOVSERVICE_S3_SECRET_KEY") or None,
        "default_acl": "private", "querystring_auth": True, "file_overwrite": False}}  # type: ignore[dict-item]
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The scan or photo of a resident's signed authorisation form (delegation.consent): a phone's photo is 2-6 MB.
CONSENT_SCAN_MAX_BYTES = 10 * 1024 * 1024
# Imported tables (catalogue, centres, holiday schedules: common.tables): larger files are refused with a
# sentence saying the limit. 20,000 rows is several times a city's whole catalogue.
IMPORT_MAX_BYTES = 20 * 1024 * 1024
IMPORT_MAX_ROWS = 20_000
# An .xlsx is a zip: what it holds unpacked (its parts' sizes, from the zip's directory) is what reading it
# costs. Past this it is refused before anything is parsed (a 300 kB file can hold a 300 MB cell).
IMPORT_MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# A catalogue file larger than this (about 2,000 rows) is imported by the Celery worker, with a progress page;
# an .xlsx by its unpacked size (its XML is ~4.5 times the CSV of the same rows: 1 MB is about 800 rows).
IMPORT_BACKGROUND_BYTES = 256 * 1024
IMPORT_BACKGROUND_UNPACKED_BYTES = 1024 * 1024

# The cache (throttling of the public progress lookup, ...): Redis when CACHE_URL is set, else files
# under var/cache, which every process on the machine shares.
CACHES = {"default": (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env.env_str("CACHE_URL")}
    if env.env_str("CACHE_URL") else
    {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")}
)}

# Routing cache (tenants.routing): how often each process checks whether centres changed.
ROUTING_CHECK_SECONDS = env.ROUTING_CHECK_SECONDS
# When a case write's public rows (its registry row, the applicant's SMS) are written (cases.outbox):
# "in_transaction" (one PostgreSQL: in the case's own transaction) or "after_commit" (Citus: the case write
# touches only its centre's schema; the rows go through the centre's outbox and are projected after commit).
CASE_PUBLIC_WRITES = env.CASE_PUBLIC_WRITES

# Key of the registry's HMACs of ID numbers and lookup factors (defaults to one derived from SECRET_KEY).
REGISTRY_HMAC_KEY = env.REGISTRY_HMAC_KEY

# Keys of applicants' ID numbers and phones encrypted at rest (common.crypto): GOVSERVICE_DATA_KEYS, Fernet
# keys newest first; empty: one derived from SECRET_KEY (development and tests; production refuses).
DATA_KEYS = env.DATA_KEYS
# pg_dump/pg_restore for backups and centre moves (operations.pgtools): this folder first, then the embedded
# server's own, Debian's /usr/lib/postgresql/<major>/bin, PATH.
PG_BIN_DIR = env.PG_BIN

# Password given to every demo login created by `provision_demo`.
DEMO_PASSWORD = "demo12345"  # noqa: S105 - demo data only, printed by the launcher

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

from config.settings.celery import *  # noqa: E402,F403
from config.settings.drf import *  # noqa: E402,F403
from config.settings.hall import *  # noqa: E402,F403
from config.settings.metrics import *  # noqa: E402,F403
from config.settings.notifications import *  # noqa: E402,F403
from config.settings.portal import *  # noqa: E402,F403
from config.settings.security import *  # noqa: E402,F403

# Hosts that serve the platform's own site (public schema) rather than a centre.
PUBLIC_HOSTS = [PLATFORM_DOMAIN, "127.0.0.1", "[::1]"]
