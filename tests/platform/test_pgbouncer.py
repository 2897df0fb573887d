"""Through a real PgBouncer in transaction pooling with ONE server connection (platform/pgbouncer.ini's
settings, its own port and a pool of one), requests of two centres taking turns never see each other's
rows: through Django's ORM in two threads, and through the web application (Django's WSGI handler, the
API with a token) in two threads. Every statement of both ran on the same PostgreSQL server process.

Without the per-statement search path (config/db_backend: PooledCursor), a centre's `SET search_path`
is left in the shared server connection and the next transaction of the other centre reads this one's
rows. The rows are committed (other connections must see them) and removed after.

PgBouncer is Debian's package (`.ci/run` installs it); without it the tests are skipped, unless
GOVSERVICE_REQUIRE_PGBOUNCER=1 (CI) makes that a failure.
"""
from __future__ import annotations

import configparser
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django_tenants.utils import tenant_context

from tests.conftest import host_of

ROUNDS = 6
INI = Path(settings.BASE_DIR) / "platform" / "pgbouncer.ini"
PREFIX = "PGB-"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def pgbouncer(django_db_setup, django_db_blocker):
    """A PgBouncer on a free port in front of the test database: platform/pgbouncer.ini's [pgbouncer]
    section with its own address, trust authentication and `default_pool_size = 1`. Yields its URL."""
    binary = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)
    if binary is None:
        if os.environ.get("GOVSERVICE_REQUIRE_PGBOUNCER") == "1":
            pytest.fail("pgbouncer is not installed (apt-get install pgbouncer)")
        pytest.skip("pgbouncer is not installed")
    with django_db_blocker.unblock():
        params = connection.get_connection_params()
    name = connection.settings_dict["NAME"]
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(INI)
    port = _free_port()
    folder = Path(tempfile.mkdtemp(prefix="govservice-pgbouncer-"))
    folder.chmod(0o755)  # PgBouncer refuses to run as root: it drops to `nobody`, who must read the files
    users = folder / "users.txt"
    users.write_text(f'"{params.get("user", "postgres")}" ""\n')
    section = dict(ini["pgbouncer"])
    section.update(listen_addr="127.0.0.1", listen_port=str(port), unix_socket_dir="", auth_type="trust",
                   auth_file=str(users), default_pool_size="1", min_pool_size="0", reserve_pool_size="0",
                   admin_users="", stats_users="")
    server = f"host={params.get('host', '127.0.0.1')} port={params.get('port', 5432)} dbname={name}"
    lines = ["[databases]", f"{name} = {server}", "[pgbouncer]", *(f"{k} = {v}" for k, v in section.items())]
    (folder / "pgbouncer.ini").write_text("\n".join(lines) + "\n")
    for path in folder.iterdir():
        path.chmod(0o644)
    command = [binary, *(["-u", "nobody"] if os.geteuid() == 0 else []), str(folder / "pgbouncer.ini")]
    log = (folder / "pgbouncer.log").open("w")  # a file: a pipe nobody reads would fill and stop PgBouncer
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"postgresql://{params.get('user', 'postgres')}@127.0.0.1:{port}/{name}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with psycopg.connect(url, connect_timeout=2) as probe:
                    probe.execute("SELECT 1")
                break
            except psycopg.OperationalError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail(f"pgbouncer did not start: {(folder / 'pgbouncer.log').read_text()}")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def two_centres(django_db_setup, django_db_blocker):
    """Beilin with windows PGB-B1 and PGB-B2, Yanta with PGB-Y1 (committed), and a clerk of both with a
    token; removed after."""
    from rest_framework.authtoken.models import Token

    from tenants.choices import Role
    from tenants.models import Centre, Membership, User
    from tenants.services import membership_grant, user_get_or_create
    from windows.models import Window

    made = {"610103": ["B1", "B2"], "610113": ["Y1"]}
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        centres = {code: Centre.objects.get(division_code=code) for code in made}
        clerk = user_get_or_create(username="pgbouncer-clerk", password="pw-12345-xyz")
        for centre in centres.values():
            membership_grant(user=clerk, centre=centre, role=Role.WINDOW_CLERK, acting_user=None)
        token = Token.objects.get_or_create(user=clerk)[0].key
        for code, numbers in made.items():
            with tenant_context(centres[code]):
                for number in numbers:
                    Window.objects.create(number=PREFIX + number, name_zh="池窗口", name_en="Pool window")
        connection.set_schema_to_public()
        try:
            yield centres["610103"], centres["610113"], token
        finally:
            for centre in centres.values():
                with tenant_context(centre):
                    Window.objects.filter(number__startswith=PREFIX).delete()
            connection.set_schema_to_public()
            Token.objects.filter(user=clerk).delete()
            Membership.objects.filter(user=clerk).delete()
            User.objects.filter(pk=clerk.pk)._raw_delete(User.objects.db)


def _pooled_settings(url: str) -> dict:
    """The settings `DATABASE_URL=<url> DATABASE_POOLER=pgbouncer DATABASE_DIRECT_URL=...` give."""
    from config.settings.base import database_settings

    pooled = database_settings(url, pooler="pgbouncer", direct_url="postgresql://postgres@127.0.0.1:5432/x")
    pooled["CONN_MAX_AGE"] = 600  # kept across requests, as in production
    return pooled


def _take_turns(first: Callable[[int], object], second: Callable[[int], object]) -> tuple[list, list]:
    """Run `first(i)` and `second(i)` in two threads, strictly in turn (first 0, second 0, first 1, ...):
    each thread keeps its own client connection open between its turns. Returns what each call returned
    (an exception raised is returned in its place)."""
    results: tuple[list, list] = ([], [])
    turns = (threading.Event(), threading.Event())
    turns[0].set()

    def run(me: int, step: Callable[[int], object]) -> None:
        try:
            for i in range(ROUNDS):
                if not turns[me].wait(timeout=30):
                    results[me].append(TimeoutError("the other thread did not take its turn"))
                    return
                turns[me].clear()
                try:
                    results[me].append(step(i))
                except Exception as exc:  # noqa: BLE001
                    results[me].append(exc)
                turns[1 - me].set()
        finally:
            for alias in connections:
                connections[alias].close()

    threads = [threading.Thread(target=run, args=(0, first)), threading.Thread(target=run, args=(1, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def pooled_alias(pgbouncer, django_db_blocker):
    """`connections["pooled"]`: the test database through PgBouncer, as DATABASE_POOLER=pgbouncer sets it."""
    configured = connections.configure_settings({"default": {}, "pooled": _pooled_settings(pgbouncer)})
    connections.settings["pooled"] = configured["pooled"]
    with django_db_blocker.unblock():
        yield "pooled"
    del connections.settings["pooled"]


def _orm_reader(centre, alias: str) -> Callable[[int], tuple[set[str], int, int]]:
    """A step reading the centre's pool windows through the ORM on `alias`: (numbers, rows an update
    touched, server process id). Odd steps read inside an atomic block, even ones in autocommit; every
    step also walks the rows with `.iterator()` (chunked, no server-side cursor)."""
    from windows.models import Window

    def step(i: int) -> tuple[set[str], int, int]:
        pooled = connections[alias]
        pooled.set_tenant(centre)
        windows = Window.objects.using(alias).filter(number__startswith=PREFIX)
        with transaction.atomic(using=alias) if i % 2 else _nothing():
            numbers = set(windows.values_list("number", flat=True))
            touched = windows.update(is_active=True)
            walked = {w.number for w in windows.order_by("number").iterator(chunk_size=1)}
            assert walked == numbers, (walked, numbers)
            with pooled.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (pid,) = cursor.fetchone()
        return numbers, touched, pid

    return step


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def test_two_centres_through_one_pooled_server_connection_never_see_each_others_rows(two_centres, pooled_alias):
    beilin, yanta, _token = two_centres
    in_beilin, in_yanta = _take_turns(_orm_reader(beilin, pooled_alias), _orm_reader(yanta, pooled_alias))

    assert [r[0] if isinstance(r, tuple) else r for r in in_beilin] == [{"PGB-B1", "PGB-B2"}] * ROUNDS
    assert [r[0] if isinstance(r, tuple) else r for r in in_yanta] == [{"PGB-Y1"}] * ROUNDS
    assert {r[1] for r in in_beilin} == {2} and {r[1] for r in in_yanta} == {1}, "an update's row count is its own"
    assert len({r[2] for r in in_beilin + in_yanta}) == 1, "one PostgreSQL server process served both centres"


def test_the_pooled_settings_turn_off_server_side_cursors_and_prepared_statements(pgbouncer):
    from config.db_backend.pooling import PoolerSettingsError, pooled_database

    pooled = _pooled_settings(pgbouncer)
    assert pooled["POOLER"] == "pgbouncer" and pooled["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert pooled["OPTIONS"]["prepare_threshold"] is None and pooled["OPTIONS"]["server_side_binding"] is False
    assert pooled["DIRECT"] == {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "x"}
    with pytest.raises(PoolerSettingsError, match="DATABASE_DIRECT_URL"):
        pooled_database({"OPTIONS": {}}, pooler="pgbouncer", direct_url="")
    with pytest.raises(PoolerSettingsError, match="prepared statements"):
        pooled_database({"OPTIONS": {"prepare_threshold": 5}}, pooler="pgbouncer", direct_url="postgresql://x")
    with pytest.raises(PoolerSettingsError, match="known poolers"):
        pooled_database({}, pooler="pgpool", direct_url="")


def test_a_transaction_through_the_pooler_sets_its_isolation_level_after_the_search_path(two_centres, pooled_alias):
    """The hall's screens read in REPEATABLE READ (`SET TRANSACTION` must come before any query): the
    search path before it is no query, so it still may."""
    from windows.models import Window

    beilin, _yanta, _token = two_centres
    pooled = connections[pooled_alias]
    pooled.set_tenant(beilin)
    try:
        with transaction.atomic(using=pooled_alias), pooled.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SHOW transaction_isolation")
            assert cursor.fetchone() == ("repeatable read",)
            assert Window.objects.using(pooled_alias).filter(number__startswith=PREFIX).count() == 2
    finally:
        pooled.close()


def test_an_error_inside_a_savepoint_through_the_pooler_rolls_back_to_it_and_the_transaction_goes_on(
        two_centres, pooled_alias):
    """Django rolls back to a savepoint in a transaction an error aborted: that statement goes without the
    search path (a SET there is refused), and the statements after it carry it again."""
    from django.db import IntegrityError

    from windows.models import Window

    beilin, _yanta, _token = two_centres
    pooled = connections[pooled_alias]
    pooled.set_tenant(beilin)
    windows = Window.objects.using(pooled_alias)
    try:
        with transaction.atomic(using=pooled_alias):
            with pytest.raises(IntegrityError), transaction.atomic(using=pooled_alias):
                windows.create(number=PREFIX + "B1", name_zh="重复", name_en="Duplicate")  # the number is unique
            assert set(windows.filter(number__startswith=PREFIX).values_list("number", flat=True)) == {
                "PGB-B1", "PGB-B2"}
    finally:
        pooled.close()


@pytest.fixture
def web_through_pgbouncer(pgbouncer, django_db_blocker):
    """Django's own connection (what the WSGI handler's requests use, in every thread) through PgBouncer
    for the test; put back after."""
    pooled = _pooled_settings(pgbouncer)
    saved = {key: connection.settings_dict.get(key) for key in pooled}
    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict.update(pooled)
        try:
            yield
        finally:
            connection.close()
            for key, value in saved.items():
                if value is None:
                    connection.settings_dict.pop(key, None)
                else:
                    connection.settings_dict[key] = value
            connection.set_schema_to_public()


def _web_reader(centre, token: str) -> Callable[[int], tuple[set[str], int]]:
    """A step asking the centre's host for its windows (GET /api/v1/windows/ with the clerk's token) through
    Django's WSGI handler, as gunicorn would: (the pool windows listed, the status)."""
    import json

    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    handler, factory = WSGIHandler(), RequestFactory()

    def step(_i: int) -> tuple[set[str], int]:
        environ = factory.get("/api/v1/windows/", HTTP_HOST=host_of(centre),
                              HTTP_AUTHORIZATION=f"Token {token}").environ
        statuses: list[str] = []
        response = handler(environ, lambda status, headers, exc_info=None: statuses.append(status))
        body = b"".join(response)
        response.close()  # request_finished, as a WSGI server sends it
        numbers = {row["number"] for row in json.loads(body)["results"] if row["number"].startswith(PREFIX)}
        return numbers, int(statuses[0].split()[0])

    return step


def test_the_web_application_through_pgbouncer_keeps_each_centres_rows_to_itself(two_centres,
                                                                                web_through_pgbouncer):
    beilin, yanta, token = two_centres
    in_beilin, in_yanta = _take_turns(_web_reader(beilin, token), _web_reader(yanta, token))

    assert in_beilin == [({"PGB-B1", "PGB-B2"}, 200)] * ROUNDS
    assert in_yanta == [({"PGB-Y1"}, 200)] * ROUNDS
