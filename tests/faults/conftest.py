"""Fixtures of the fault tests: a private PostgreSQL holding a copy of the session's test database (the five
session centres) plus an item Beilin adopts and a clerk with an API token; the platform's processes started
for real against it; private brokers; an SMS gateway that records what it is sent.

A missing redis-server or RabbitMQ is a skip, or a failure with GOVSERVICE_REQUIRE_CELERY=1 (CI).
GOVSERVICE_FAULTS_BROKEN=1 also runs each scenario on its deliberately broken variant (tests/faults/variants.py)
and expects it to fail.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults.harness import ROOT, Gateway, PrivatePostgres, PrivateRedis, Processes, pg_programs

#: The private copy's name.
DATABASE = "govservice_faults"

#: Marks the test that runs a scenario on its broken variant (opt-in: it doubles the time).
broken_variant = pytest.mark.skipif(os.environ.get("GOVSERVICE_FAULTS_BROKEN") != "1",
                                    reason="the broken variants run with GOVSERVICE_FAULTS_BROKEN=1")


def require(ok: bool, what: str) -> None:
    if ok:
        return
    if os.environ.get("GOVSERVICE_REQUIRE_CELERY") == "1":
        pytest.fail(f"{what} is needed for this test (GOVSERVICE_REQUIRE_CELERY=1)")
    pytest.skip(f"{what} not available")


@pytest.fixture(scope="session")
def private_postgres(django_db_setup, django_db_blocker):
    """A PostgreSQL of the tests' own, holding a copy of the session's test database as `govservice_faults`."""
    import psycopg
    from django.db import connection

    with django_db_blocker.unblock():
        params = connection.get_connection_params()
        major = connection.pg_version // 10000
    source = psycopg.conninfo.make_conninfo(**{key: value for key, value in params.items()
                                               if key in {"dbname", "user", "password", "host", "port"} and value})
    server = PrivatePostgres(pg_programs(major))
    try:
        server.start()
        server.copy_database(source, DATABASE)
        yield server
    finally:
        server.remove()


def base_env(database_url: str, var: Path) -> dict:
    """The environment of every process a fault test starts: production's settings shape, this private
    database, files under `var`."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("CELERY_", "GOVSERVICE_FAULT", "GOVSERVICE_CASE_PUBLIC_WRITES", "SMS_"))
           and key not in {"DATABASE_URL", "BROKER_URL", "DJANGO_SETTINGS_MODULE"}}
    var.mkdir(parents=True, exist_ok=True)
    return {**env, "DJANGO_SETTINGS_MODULE": "tests.faults.settings", "DATABASE_URL": database_url,
            "GOVSERVICE_VAR_DIR": str(var), "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", "DJANGO_DEBUG": "0",
            "PLATFORM_DOMAIN": "localhost", "ROUTING_CHECK_SECONDS": "1", "OUTBOX_SENDING_STALE_SECONDS": "3",
            "BEAT_LOCK_RETRY_SECONDS": "1", "SMS_BACKEND": "console", "DB_CONN_MAX_AGE": "600"}


@pytest.fixture(scope="session")
def seeded(private_postgres, tmp_path_factory) -> dict:
    """`{"token", "user_id", "item_code", "centre_id", "code", "schema", "host"}`: what tests/faults/tool.py seeded."""
    var = tmp_path_factory.mktemp("faults-seed")
    processes = Processes(var, base_env(private_postgres.url(DATABASE), var / "var"))
    return json.loads(processes.tool("seed"))


@dataclass
class Platform:
    db: PrivatePostgres
    seed: dict
    processes: Processes
    folder: Path

    def sql(self, query: str, params: tuple | list = ()) -> list[tuple]:
        return self.db.query(query, params, database=DATABASE)


@pytest.fixture
def platform(private_postgres, seeded, tmp_path):
    """The private platform for one test; every process it starts is stopped at the end."""
    processes = Processes(tmp_path, base_env(private_postgres.url(DATABASE), tmp_path / "var"))
    try:
        yield Platform(private_postgres, seeded, processes, tmp_path)
    finally:
        processes.stop_all()


@pytest.fixture
def gateway():
    served = Gateway()
    try:
        yield served
    finally:
        served.close()


@pytest.fixture
def redis_broker(tmp_path):
    require(shutil.which("redis-server") is not None, "redis-server")
    folder = tmp_path / "redis"
    folder.mkdir()
    broker = PrivateRedis(folder)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
