"""Through a real Celery worker: a message enqueued inside a centre is sent after commit; the beat
task sends what is due. Data is committed (the worker has its own connection) and cleaned up."""
from __future__ import annotations

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from notifications.models import OutboxMessage, OutboxStatus
from tenants.models import Centre
from tests.notifications.conftest import PHONE, enqueue, unique_key, wait_until

pytestmark = pytest.mark.celery_integration


@pytest.fixture
def committed(celery_worker, django_db_blocker):
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        before = set(OutboxMessage.objects.values_list("pk", flat=True))
        try:
            yield celery_worker
        finally:
            connection.set_schema_to_public()
            OutboxMessage.objects.exclude(pk__in=before).delete()


def status_of(key: str) -> str | None:
    return OutboxMessage.objects.filter(dedupe_key=key).values_list("status", flat=True).first()


def test_a_message_enqueued_in_a_centre_is_sent_by_the_worker_after_commit(committed, sms_file):
    from notifications.services import outbox_enqueue

    beilin = Centre.objects.get(slug="beilin")
    key = unique_key("celery")
    with tenant_context(beilin), transaction.atomic():  # as cases.services._result_ready does
        outbox_enqueue(dedupe_key=key, to=PHONE, template_key="case_result_ready", centre_id=beilin.pk,
                       context={"centre_zh": beilin.name_zh, "number": "610103-20261009-00001"})
    assert wait_until(lambda: status_of(key) == OutboxStatus.SENT), status_of(key)
    [line] = sms_file.lines()
    assert line["to"] == PHONE and line["text"].startswith("【碑林区】您的办件610103-20261009-00001")


def test_the_beat_task_sends_what_is_due_through_the_worker(committed, sms_file):
    from notifications.tasks import dispatch_due

    message = enqueue(key=unique_key("beat"))  # its own task not sent: only the beat task can send it
    assert status_of(message.dedupe_key) == OutboxStatus.PENDING
    dispatch_due.delay()
    assert wait_until(lambda: status_of(message.dedupe_key) == OutboxStatus.SENT)
    assert [line["id"] for line in sms_file.lines()] == [str(message.pk)]


@pytest.mark.django_db  # also makes pytest-django create the test database when this module runs alone
def test_the_worker_knows_the_outbox_tasks(celery_worker):
    assert {"notifications.dispatch_message", "notifications.dispatch_due"} <= set(celery_worker.tasks)
