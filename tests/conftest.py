"""Test set-up: a few centres created once per session (committed in the test database), and
clients that reach them through their own host names, as a browser would."""
from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from tenants.choices import Role
from tenants.routing import routing_cache

#: The session's centres: (level, code, slug, name_zh, name_en, parent_code)
SESSION_CENTRES = [
    ("city", "610100", "xian", "西安市政务服务中心", "Xi'an Municipal Government Service Centre", ""),
    ("district", "610103", "beilin", "碑林区", "Beilin District", "610100"),
    ("district", "610113", "yanta", "雁塔区", "Yanta District", "610100"),
    ("zone", "610171", "gaoxin", "西安高新区", "Xi'an Hi-tech Zone", "610100"),
    ("township", "610103001", "beilin-nanyuanmen", "南院门街道", "Nanyuanmen Subdistrict", "610103"),
]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """Tests that commit data over the live server run after everything else: the browser tests, then
    the API's schema conformance run (whose state-changing requests make centres, items and cases)."""
    items.sort(key=lambda item: (item.get_closest_marker("schema_conformance") is not None,
                                 item.get_closest_marker("browser") is not None))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, django_db_keepdb):
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from tenants.services import centre_bulk_onboard
    from tenants.validation import CentreInput

    created = None
    with django_db_blocker.unblock():
        if not connection.settings_dict["NAME"].startswith("test_"):
            # pytest-django creates the test database only when a selected test asks for `db` or
            # `django_db`; tests that commit their own data on their own connections (the concurrency
            # tests) ask only for this fixture, so when they run alone the database is created here.
            created = setup_databases(verbosity=0, interactive=False, keepdb=django_db_keepdb, aliases={"default"})
        rows = [CentreInput(*row) for row in SESSION_CENTRES]
        centre_bulk_onboard(rows=rows, acting_user=None)
    yield
    if created is not None and not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(created, verbosity=0)


@pytest.fixture(autouse=True)
def _language_of_the_settings():
    """Each test starts in the settings' language; one that switched language cannot leak it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_routing_cache():
    from django.db import connection

    connection.set_schema_to_public()
    routing_cache.clear()
    yield
    routing_cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _static_files_collected():
    """Pages name their static files by fingerprint from the manifest (common.serving, as in every run):
    collect them once (into var/static-test) when a source changed since the last test run."""
    from common.serving import collect_static_if_changed

    collect_static_if_changed()


def _as_it_is(application):
    """The live server's "static handler": none; WhiteNoise in the middleware serves the collected files,
    fingerprinted, compressed and cached, as gunicorn does in every run."""
    return application


@pytest.fixture(scope="session")
def live_url(django_db_setup, django_db_blocker, _static_files_collected):
    """`http://localhost:<port>`: the platform's site; centres at `http://<slug>.localhost:<port>`."""
    from django.conf import settings
    from django.test.testcases import LiveServerThread

    with django_db_blocker.unblock():
        server = LiveServerThread("127.0.0.1", _as_it_is, port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
    yield f"http://{settings.PLATFORM_DOMAIN}:{server.port}"
    server.terminate()
    _hall_listener_stop()


def _hall_listener_stop() -> None:
    """Stop the hall stream's listener (its own connection) if a test started it, before the test database
    is dropped (a connection left open would keep it)."""
    import sys

    stream = sys.modules.get("hall.stream")
    if stream is not None:
        stream.broadcaster.stop()


def _centre(code: str):
    from tenants.models import Centre

    return Centre.objects.get(division_code=code)


@pytest.fixture
def city(db):
    return _centre("610100")


@pytest.fixture
def beilin(db):
    return _centre("610103")


@pytest.fixture
def yanta(db):
    return _centre("610113")


@pytest.fixture
def nanyuanmen(db):
    return _centre("610103001")


def host_of(centre) -> str:
    from django.conf import settings

    return f"{centre.slug}.{settings.PLATFORM_DOMAIN}"


@pytest.fixture
def centre_client():
    """`centre_client(centre, user=None)`: a test client on the centre's own host."""

    def make(centre=None, user=None) -> Client:
        from django.conf import settings

        host = host_of(centre) if centre is not None else settings.PLATFORM_DOMAIN
        client = Client(HTTP_HOST=host)
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def make_user(db):
    from tenants.services import membership_grant, user_get_or_create

    counter = {"n": 0}

    def make(*roles, username: str | None = None):
        """`make_user((centre, role), ...)`; a centre of None with the platform admin role."""
        counter["n"] += 1
        user = user_get_or_create(username=username or f"user{counter['n']}", password="pw-12345-xyz")
        for centre, role in roles:
            membership_grant(user=user, centre=centre, role=role, acting_user=None)
        return user

    return make


# --- a real Celery worker ------------------------------------------------------------------------

def _use_private_broker(app, folder):
    """CELERY_TEST_BROKER_URL (CI: Redis) or a filesystem broker in a private folder, so that no other
    worker on the machine takes these tasks. Returns what to restore."""
    import os

    saved = {"broker_url": app.conf.broker_url, "broker_transport_options": app.conf.broker_transport_options}
    url = os.environ.get("CELERY_TEST_BROKER_URL")
    if url:
        app.conf.broker_url = url
        app.conf.broker_transport_options = {}
    elif app.conf.broker_url.startswith("filesystem"):
        for name in ("queue", "control", "processed"):
            (folder / name).mkdir()
        app.conf.broker_transport_options = {
            "data_folder_in": str(folder / "queue"), "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"), "processed_folder": str(folder / "processed"),
            "store_processed": False}
    _reset_connections(app)
    return saved


def _reset_connections(app) -> None:
    """Forget every pooled broker connection: kombu keeps pools globally, keyed by broker URL."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, django_db_blocker):
    """A real worker (celery.contrib.testing, solo pool) in this process for the module. It reads the
    database through its own connection: data it must see is committed. GOVSERVICE_REQUIRE_CELERY=1
    turns an unreachable broker from a skip into a failure."""
    import os
    import tempfile
    from pathlib import Path

    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with tempfile.TemporaryDirectory(prefix="govservice-broker-") as folder:
        saved = _use_private_broker(app, Path(folder))
        try:
            try:
                with app.connection_for_write() as conn:
                    conn.ensure_connection(max_retries=1, timeout=3)
            except Exception as exc:  # noqa: BLE001
                if os.environ.get("GOVSERVICE_REQUIRE_CELERY") == "1":
                    pytest.fail(f"Celery broker {app.conf.broker_url} unreachable: {exc}")
                pytest.skip(f"Celery broker {app.conf.broker_url} unreachable: {exc}")
            with django_db_blocker.unblock(), start_worker(app, pool="solo", perform_ping_check=False,
                                                           shutdown_timeout=10):
                yield app
        finally:
            app.conf.broker_url = saved["broker_url"]
            app.conf.broker_transport_options = saved["broker_transport_options"]
            _reset_connections(app)


# --- an item adopted by Beilin, with its staff (cases, calendar, registry tests) -------------------

@pytest.fixture
def department(db):
    from catalog.models import Department

    return Department.objects.create(code="SC", name_zh="市市场监督管理局", name_en="Market Regulation")


@pytest.fixture
def item(department, city, beilin):
    from catalog.services import adoption_create, item_create, version_create_draft, version_publish

    item = item_create(code="610100SC-XK-0001", department=department, category="licence", item_type="XK",
                       levels=["city", "district"], acting_user=None)
    version = version_create_draft(
        item=item, content={"name_zh": "食品经营许可", "name_en": "Food business licence", "legal_limit_days": 20,
                            "promised_limit_days": 10},
        materials=[{"name_zh": "申请书", "name_en": "Application"},
                   {"name_zh": "营业执照", "name_en": "Business licence", "applicant_types": ["organisation"]},
                   {"name_zh": "场所平面图", "name_en": "Floor plan"}],
        effective_from=dt.date(2020, 1, 1), acting_user=None)
    version_publish(version=version, acting_user=None, today=dt.date(2020, 1, 1))
    item.refresh_from_db()
    adoption_create(centre=beilin, item=item, promised_limit_days=8, window="5", acting_user=None,
                    today=dt.date(2020, 1, 1))
    return item


@pytest.fixture
def clerk(make_user, beilin):
    return make_user((beilin, Role.WINDOW_CLERK), username="clerk-b")


@pytest.fixture
def chief(make_user, beilin):
    return make_user((beilin, Role.CHIEF_REPRESENTATIVE), username="chief-b")


@pytest.fixture
def in_beilin(beilin):
    with tenant_context(beilin):
        from django.db import connection

        connection.set_tenant(beilin)
        yield beilin
