"""/metrics: Prometheus's text with the platform's metrics, whose values move when the thing happens (a
request to a view, a sweep, a failed provisioning, a message or an outbox row waiting); refused to an
anonymous client from outside, also one relayed by a proxy the platform does not trust; under gunicorn's
several workers the requests of all of them are counted (prometheus-client's multiprocess mode)."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.django_db
OUTSIDE = "203.0.113.7"


def scrape(client: Client | None = None) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of one scrape from loopback (allowed by default)."""
    response = (client or Client()).get("/metrics")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples}


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_request_is_counted_by_its_view_and_its_latency_recorded():
    before = scrape()
    assert Client().get("/healthz").status_code == 200
    after = scrape()

    count = "govservice_http_request_duration_seconds_count"
    assert value(after, count, view="health", method="GET") == value(before, count, view="health", method="GET") + 1
    assert value(after, "govservice_http_responses_total", view="health", method="GET", status="2xx") == (
        value(before, "govservice_http_responses_total", view="health", method="GET", status="2xx") + 1)
    assert value(after, "govservice_http_request_duration_seconds_sum", view="health", method="GET") > (
        value(before, "govservice_http_request_duration_seconds_sum", view="health", method="GET"))


def test_a_progress_lookup_answered_in_front_of_django_is_named_by_its_view():
    """registry.lean answers anonymous lookups before URL resolution: still counted under its view."""
    from config.wsgi import application  # the lean path in front of Django, as gunicorn serves it
    from tests.registry.test_lean_progress import call, environ

    before = scrape()
    status, _headers, _body = call(application, environ(host="testserver",
                                                        query={"number": "NO-SUCH-NUMBER", "factor": "1234"}))
    assert status in {200, 400, 404}, status
    after = scrape()
    count = "govservice_http_request_duration_seconds_count"
    assert value(after, count, view="progress-api", method="GET") == (
        value(before, count, view="progress-api", method="GET") + 1)


def test_a_path_no_view_answers_adds_no_series_of_its_own():
    Client().get("/no-such-page-3f9a/")
    names = {labels for (_name, labels) in scrape()}
    assert not any("no-such-page" in str(labels) for labels in names)
    assert (("method", "GET"), ("view", "<unresolved>")) in names


def test_the_deadline_sweep_records_its_duration_and_success_and_a_failed_one_is_counted(monkeypatch):
    from supervision.tasks import deadline_sweep_task

    before = scrape()
    deadline_sweep_task()
    after = scrape()
    count = "govservice_sweep_duration_seconds_count"
    assert value(after, count, sweep="deadline") == value(before, count, sweep="deadline") + 1
    assert abs(value(after, "govservice_sweep_last_success_timestamp_seconds", sweep="deadline") - time.time()) < 60

    def broken(**_kwargs):
        raise RuntimeError("the registry is gone")

    monkeypatch.setattr("supervision.tasks.deadline_sweep", broken)
    with pytest.raises(RuntimeError):
        deadline_sweep_task()
    failed = scrape()
    assert value(failed, "govservice_sweep_failures_total", sweep="deadline") == (
        value(after, "govservice_sweep_failures_total", sweep="deadline") + 1)
    assert value(failed, count, sweep="deadline") == value(after, count, sweep="deadline")


def test_a_failed_provisioning_increments_the_counter_and_the_half_made_centre_is_shown(monkeypatch, beilin):
    from common.errors import ApplicationError
    from tenants.services import centre_onboard
    from tenants.validation import CentreInput

    def lost_connection(*args, **kwargs):
        raise RuntimeError("server closed the connection unexpectedly")

    before = scrape()
    monkeypatch.setattr("tenants.services.schema_replay", lost_connection)
    monkeypatch.setattr("tenants.services.call_command", lost_connection)
    with pytest.raises(ApplicationError):
        centre_onboard(data=CentreInput(level="township", code="610103004", slug="beilin-metrics",
                                        name_zh="指标街道", name_en="Metrics Subdistrict", parent_code="610103"),
                       acting_user=None)
    after = scrape()

    assert value(after, "govservice_provisioning_failures_total") == (
        value(before, "govservice_provisioning_failures_total") + 1)
    assert value(after, "govservice_centres_provisioning") == value(before, "govservice_centres_provisioning") + 1


def test_a_message_waiting_in_the_outbox_shows_in_the_backlog_with_its_age(beilin):
    from notifications.models import OutboxMessage
    from notifications.services import DEFAULT_TEMPLATES, outbox_enqueue

    before = scrape()
    message = outbox_enqueue(dedupe_key="metrics-test-1", to="13812345678", template_key=next(iter(DEFAULT_TEMPLATES)),
                             context={}, centre_id=beilin.pk)
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - dt.timedelta(minutes=10))
    after = scrape()

    assert value(after, "govservice_sms_outbox_pending") == value(before, "govservice_sms_outbox_pending") + 1
    assert value(after, "govservice_sms_outbox_oldest_pending_age_seconds") >= 600
    assert value(after, "govservice_metrics_database_up") == 1


def test_a_row_waiting_in_a_centres_outbox_shows_in_the_backlog_with_its_age(beilin):
    from cases.models import OutboxRow

    before = scrape()
    with tenant_context(beilin):
        row = OutboxRow.objects.create(topic="registry", payload={})
        OutboxRow.objects.filter(pk=row.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    after = scrape()

    assert value(after, "govservice_case_outbox_rows") == value(before, "govservice_case_outbox_rows") + 1
    assert 300 <= value(after, "govservice_case_outbox_oldest_age_seconds") < 400


def test_an_anonymous_client_from_outside_is_refused():
    refused = Client(REMOTE_ADDR=OUTSIDE).get("/metrics")
    assert refused.status_code == 403
    assert b"govservice_" not in refused.content


def test_a_client_relayed_by_a_proxy_the_platform_does_not_trust_is_refused():
    """nginx on the same machine forwards everyone from 127.0.0.1: with TRUSTED_PROXIES=0 its relayed
    requests are not let in by the loopback address."""
    assert Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDE).get("/metrics").status_code == 403


def test_with_the_token_a_scraper_from_anywhere_is_answered_and_a_wrong_token_is_refused(settings):
    settings.METRICS_TOKEN = "metrics-token-0123456789abcdef"
    assert Client(REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer metrics-token-0123456789abcdef").get(
        "/metrics").status_code == 200
    assert Client(REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer metrics-token-wrong").get(
        "/metrics").status_code == 403


def test_an_allowed_network_lets_its_scraper_in(settings):
    settings.METRICS_ALLOWED_NETWORKS = ["203.0.113.0/24"]
    assert Client(REMOTE_ADDR=OUTSIDE).get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="198.51.100.1").get("/metrics").status_code == 403


@pytest.fixture
def gunicorn_two_workers(django_db_setup, django_db_blocker):
    """gunicorn, 2 sync workers, on the test database with PROMETHEUS_MULTIPROC_DIR: its URL and that folder."""
    from django.db import connection

    with django_db_blocker.unblock():
        params = connection.get_connection_params()
    folder = Path(tempfile.mkdtemp(prefix="govservice-metrics-"))
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PROMETHEUS_MULTIPROC_DIR": str(folder),
           "DATABASE_URL": f"postgresql://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}:"
                           f"{params.get('port', 5432)}/{connection.settings_dict['NAME']}"}
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
               "--log-level", "warning"]
    log = (folder.parent / f"{folder.name}.log").open("w")  # a file: a pipe nobody reads would fill
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                # not the favicon the test counts: a probe that timed out here may still be served later
                with urllib.request.urlopen(f"{url}/metrics", timeout=5):  # noqa: S310 - http, loopback
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail(f"gunicorn did not start: {Path(log.name).read_text()[-3000:]}")
                time.sleep(0.2)
        yield url, folder
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        Path(log.name).unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_under_gunicorns_two_workers_every_workers_requests_are_counted(gunicorn_two_workers):
    url, folder = gunicorn_two_workers
    asked = 40

    def ask(count: int) -> None:
        for _ in range(count):
            with urllib.request.urlopen(f"{url}/favicon.ico", timeout=10) as response:  # noqa: S310
                assert response.status == 200

    before = _scrape_url(url)
    threads = [threading.Thread(target=ask, args=(asked // 8,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    after = _scrape_url(url)

    count = "govservice_http_request_duration_seconds_count"
    served = value(after, count, view="favicon", method="GET") - value(before, count, view="favicon", method="GET")
    assert served == asked
    writers = {path.stem.rsplit("_", 1)[-1] for path in folder.glob("histogram_*.db")}
    assert len(writers) >= 2, f"the requests were served by more than one worker: {writers}"


def _scrape_url(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:  # noqa: S310
        text = response.read().decode()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}
