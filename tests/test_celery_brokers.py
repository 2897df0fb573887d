"""Every broker the README documents works: the project installs what its kombu transport needs, and a
real worker on it runs a centre's task (CI: the machine's Redis and RabbitMQ).

The brokers: GOVSERVICE_TEST_REDIS_URL (else CELERY_TEST_BROKER_URL when it is a Redis one, else
redis://127.0.0.1:6379/15) and GOVSERVICE_TEST_AMQP_URL (else amqp://guest:guest@127.0.0.1:5672//).
A broker that does not answer is skipped, unless GOVSERVICE_REQUIRE_CELERY=1 (CI): then it fails.
"""
from __future__ import annotations

import ast
import importlib.metadata as metadata
import inspect
import os
import re
import sys
import time
import tomllib
import uuid
from pathlib import Path

import pytest
from django_tenants.utils import tenant_context
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tenants.models import Centre

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.celery_integration


def documented_brokers() -> list[str]:
    """The broker URLs of the README's CELERY_BROKER_URL row."""
    row = next(line for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
               if line.startswith("| `CELERY_BROKER_URL`"))
    return re.findall(r"`([a-z0-9+]+://[^`]*)`", row)


def installed_closure() -> dict[str, set[str]]:
    """What `pip install .` installs: every distribution reached from pyproject's dependencies, with the
    extras asked of it (markers evaluated with those extras)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted: dict[str, set[str]] = {}
    queue = [Requirement(text) for text in project["dependencies"]]
    seen: set[tuple[str, frozenset[str]]] = set()
    while queue:
        requirement = queue.pop()
        name = canonicalize_name(requirement.name)
        extras = set(requirement.extras)
        wanted.setdefault(name, set()).update(extras)
        key = (name, frozenset(wanted[name]))
        if key in seen:
            continue
        seen.add(key)
        try:
            requires = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            child = Requirement(text)
            environments = [{"extra": extra} for extra in sorted(wanted[name])] or [{"extra": ""}]
            if child.marker is None or any(child.marker.evaluate(env) for env in environments):
                queue.append(child)
    return wanted


def third_party_imports(module_name: str) -> set[str]:
    """The distributions a module imports (the standard library and kombu itself left out)."""
    module = sys.modules.get(module_name) or __import__(module_name, fromlist=["_"])
    tree = ast.parse(inspect.getsource(module))
    tops = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            tops.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            tops.add(node.module.split(".")[0])
    owners = metadata.packages_distributions()
    return {canonicalize_name(dist) for top in tops - set(sys.stdlib_module_names) - {"kombu"}
            for dist in owners.get(top, [])}


@pytest.mark.parametrize("url", documented_brokers())
def test_the_project_installs_what_each_documented_brokers_transport_imports(url):
    from kombu.transport import resolve_transport

    scheme = url.split("://", 1)[0]
    transport = resolve_transport(scheme)
    closure = installed_closure()
    kombu_extras = set(metadata.metadata("kombu").get_all("Provides-Extra") or [])
    if scheme in kombu_extras:  # kombu names what the transport needs (e.g. redis: redis-py, packaging)
        assert scheme in closure.get("kombu", set()), (
            f"{url}: pyproject.toml must install kombu[{scheme}] (e.g. celery[{scheme}])")
    missing = third_party_imports(transport.__module__) - set(closure)
    assert not missing, f"{url}: {transport.__module__} imports {sorted(missing)}, not installed by pyproject.toml"


def test_the_readme_documents_redis_and_rabbitmq():
    assert {url.split("://")[0] for url in documented_brokers()} == {"redis", "amqp"}


# --- a real worker on each broker ---------------------------------------------------------------

def redis_url() -> str:
    configured = os.environ.get("CELERY_TEST_BROKER_URL", "")
    return os.environ.get("GOVSERVICE_TEST_REDIS_URL") or (
        configured if configured.startswith("redis") else "redis://127.0.0.1:6379/15")


def amqp_url() -> str:
    return os.environ.get("GOVSERVICE_TEST_AMQP_URL") or "amqp://guest:guest@127.0.0.1:5672//"


def beats(centre: Centre) -> int:
    from windows.models import CentreHeartbeat

    with tenant_context(centre):
        row = CentreHeartbeat.objects.filter(id=1).first()
        return row.beats if row else 0


@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
def test_a_real_worker_on_each_broker_runs_a_centres_task_in_that_centre(broker, django_db_setup,
                                                                         django_db_blocker):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app
    from tests.conftest import _reset_connections
    from windows.tasks import centre_heartbeat

    url = redis_url() if broker == "redis" else amqp_url()
    queue = f"govservice-test-{uuid.uuid4().hex[:12]}"  # the broker may be shared: only this test's queue
    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    app.conf.broker_url, app.conf.broker_transport_options = url, {}
    _reset_connections(app)
    try:
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=3)
        except Exception as exc:  # noqa: BLE001 - any way a broker can be missing
            if os.environ.get("GOVSERVICE_REQUIRE_CELERY") == "1":
                pytest.fail(f"{broker} at {url} unreachable: {exc}")
            pytest.skip(f"{broker} at {url} unreachable: {exc}")
        with django_db_blocker.unblock():
            beilin, yanta = Centre.objects.get(slug="beilin"), Centre.objects.get(slug="yanta")
            before_beilin, before_yanta = beats(beilin), beats(yanta)
            with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[queue]):
                with tenant_context(beilin):
                    centre_heartbeat.apply_async(queue=queue)
                deadline = time.monotonic() + 20
                while beats(beilin) != before_beilin + 1 and time.monotonic() < deadline:
                    time.sleep(0.2)
            assert beats(beilin) == before_beilin + 1, f"the task did not run through {broker}"
            assert beats(yanta) == before_yanta
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = saved
        # A worker started with `queues=[...]` narrows the app's queue selection for every later worker
        # in this process (celery.app.amqp.Queues.select): undo it, or the next worker hears nothing.
        app.amqp.queues._consume_from = None
        app.amqp.queues.pop(queue, None)
        _reset_connections(app)
