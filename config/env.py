"""The one place the environment is read.

Every setting that comes from the environment is parsed here, with its default, so that
`grep -n os.environ` finds nothing anywhere else in the project.
"""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GOVSERVICE_VAR_DIR", BASE_DIR / "var")).resolve()


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


DATABASE_URL = env_str("DATABASE_URL")
# A pooler that DATABASE_URL goes through ("" or "pgbouncer": transaction pooling), and PostgreSQL itself for
# the sessions that need a server connection of their own (config/db_backend/pooling.py).
DATABASE_POOLER = env_str("DATABASE_POOLER").strip().lower()
DATABASE_DIRECT_URL = env_str("DATABASE_DIRECT_URL")
# Who may read /metrics (config/metrics.py): a bearer token, or addresses in these networks; and the folder of
# prometheus-client's multiprocess mode (the variable prometheus-client itself reads at import).
METRICS_TOKEN = env_str("GOVSERVICE_METRICS_TOKEN")
METRICS_ALLOWED_NETWORKS = env_list("GOVSERVICE_METRICS_NETWORKS", ["127.0.0.1/32", "::1/128"])
METRICS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR")
DATABASE_NAME = env_str("GOVSERVICE_DB_NAME", "govservice")
BROKER_URL = env_str("CELERY_BROKER_URL") or env_str("BROKER_URL")
PLATFORM_DOMAIN = env_str("PLATFORM_DOMAIN", "localhost").lower().removesuffix(".")  # a host as routing compares it
# The scheme and port of the addresses given out where no request tells them (links in SMS); "" = the default.
PLATFORM_SCHEME = env_str("PLATFORM_SCHEME").lower()
PLATFORM_PORT = env_str("PLATFORM_PORT")
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
CONN_MAX_AGE = env_int("DB_CONN_MAX_AGE", 600)
ROUTING_CHECK_SECONDS = env_float("ROUTING_CHECK_SECONDS", 1.0)
CASE_PUBLIC_WRITES = env_str("GOVSERVICE_CASE_PUBLIC_WRITES", "in_transaction")
SMS_BACKEND = env_str("SMS_BACKEND", "console")
REGISTRY_HMAC_KEY = env_str("REGISTRY_HMAC_KEY")
# Fernet keys of applicants' personal data at rest, comma-separated, newest first (common.crypto).
DATA_KEYS = env_list("GOVSERVICE_DATA_KEYS", [])
# A folder holding pg_dump and pg_restore (operations.pgtools), when the ones found are not the right version.
PG_BIN = env_str("GOVSERVICE_PG_BIN")
