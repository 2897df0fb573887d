"""The dispatcher: sent once, retried with exponential backoff, failed after the last attempt,
stale `sending` messages requeued, numbers never in the log."""
from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from django.db import connection
from django.utils import timezone

from notifications.backends import SendError
from notifications.dispatch import message_send, outbox_dispatch_due, outbox_retry_now, sending_stale_after
from notifications.models import OutboxMessage, OutboxStatus
from tests.notifications.conftest import MASKED, PHONE, enqueue


def reload(message) -> OutboxMessage:
    return OutboxMessage.objects.get(pk=message.pk)


class RaisingBackend:
    name = "raising"

    def __init__(self, exc: Exception) -> None:
        self.exc = exc
        self.calls = 0

    def send(self, *, to, text, message_id):
        self.calls += 1
        raise self.exc


# --- through the real HTTP gateway -------------------------------------------------------------------

@pytest.mark.django_db
def test_a_message_accepted_by_the_gateway_is_sent_with_its_provider_id(gateway):
    message = enqueue()
    assert message_send(message_id=message.pk) == OutboxStatus.SENT
    message = reload(message)
    assert (message.status, message.provider_id, message.attempts, message.last_error) == ("sent", "gw-1", 1, "")
    assert message.sent_at is not None and message.next_attempt_at is None
    assert gateway.requests[0]["json"] == {"to": PHONE, "text": message.body, "id": str(message.pk)}


@pytest.mark.django_db
def test_a_500_is_retried_with_exponential_backoff_then_the_message_fails(gateway, retries):
    gateway.responses.extend([(500, {"error": "busy"})] * 3)
    message = enqueue()
    t0 = timezone.now()

    # given the first attempt fails: pending again, attempts 1, next attempt after the base (10 s)
    assert message_send(message_id=message.pk, now=t0) == OutboxStatus.PENDING
    message = reload(message)
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.next_attempt_at == t0 + dt.timedelta(seconds=10)
    assert message.last_error == "gateway answered HTTP 500"

    # not yet due: nothing is sent
    assert message_send(message_id=message.pk, now=t0 + dt.timedelta(seconds=9)) == OutboxStatus.PENDING
    assert outbox_dispatch_due(now=t0 + dt.timedelta(seconds=9)) == 0
    assert len(gateway.requests) == 1

    # the second failure doubles the wait (20 s)
    t1 = t0 + dt.timedelta(seconds=10)
    assert message_send(message_id=message.pk, now=t1) == OutboxStatus.PENDING
    message = reload(message)
    assert message.attempts == 2 and message.next_attempt_at == t1 + dt.timedelta(seconds=20)

    # the third (OUTBOX_MAX_ATTEMPTS) failure is final
    t2 = t1 + dt.timedelta(seconds=20)
    assert message_send(message_id=message.pk, now=t2) == OutboxStatus.FAILED
    message = reload(message)
    assert (message.status, message.attempts, message.next_attempt_at) == ("failed", 3, None)
    assert message.sent_at is None

    # and a failed message is never taken again
    assert message_send(message_id=message.pk, now=t2 + dt.timedelta(days=1)) == OutboxStatus.FAILED
    assert outbox_dispatch_due(now=t2 + dt.timedelta(days=1)) == 0
    assert len(gateway.requests) == 3


@pytest.mark.django_db
def test_a_retry_that_succeeds_is_sent_on_the_second_attempt(gateway, retries):
    gateway.responses.append((503, {}))
    message = enqueue()
    t0 = timezone.now()
    message_send(message_id=message.pk, now=t0)
    assert outbox_dispatch_due(now=t0 + dt.timedelta(seconds=10)) == 1
    message = reload(message)
    assert (message.status, message.attempts, message.provider_id, message.last_error) == ("sent", 2, "gw-2", "")


@pytest.mark.django_db
def test_an_unreachable_gateway_is_retried(settings, retries):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SMS_BACKEND, settings.SMS_HTTP_URL = "http", f"http://127.0.0.1:{port}/"
    message = enqueue()
    assert message_send(message_id=message.pk) == OutboxStatus.PENDING
    message = reload(message)
    assert message.attempts == 1 and "unreachable" in message.last_error


# --- exactly once ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_sending_a_message_twice_sends_it_once(sms_file):
    message = enqueue()
    assert message_send(message_id=message.pk) == OutboxStatus.SENT
    assert message_send(message_id=message.pk) == OutboxStatus.SENT
    assert outbox_dispatch_due() == 0
    assert len(sms_file.lines()) == 1


@pytest.mark.django_db
def test_a_message_being_sent_is_not_taken_by_the_dispatcher(sms_file):
    message = enqueue()
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.SENDING, updated_at=timezone.now())
    assert message_send(message_id=message.pk) == OutboxStatus.SENDING
    assert outbox_dispatch_due() == 0
    assert sms_file.lines() == []


@pytest.mark.django_db
def test_a_message_stuck_in_sending_is_requeued_and_sent_by_the_dispatcher(sms_file):
    message = enqueue()
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.SENDING,
                                                       updated_at=now - sending_stale_after() - dt.timedelta(seconds=1))
    assert outbox_dispatch_due(now=now) == 1
    assert reload(message).status == OutboxStatus.SENT
    assert len(sms_file.lines()) == 1


@pytest.mark.django_db
def test_outbox_dispatch_due_sends_every_due_message_up_to_its_limit(sms_file):
    messages = [enqueue(to=f"1390000000{i}") for i in range(3)]
    later = enqueue(to="13900000009")
    OutboxMessage.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + dt.timedelta(hours=1))
    assert outbox_dispatch_due(limit=2) == 2
    assert outbox_dispatch_due() == 1
    assert sorted(line["to"] for line in sms_file.lines()) == sorted(m.to for m in messages)
    assert reload(later).status == OutboxStatus.PENDING


@pytest.mark.django_db
def test_a_backend_that_breaks_does_not_leave_the_message_sending(retries):
    message = enqueue()
    backend = RaisingBackend(RuntimeError("disk on fire"))
    assert message_send(message_id=message.pk, backend=backend) == OutboxStatus.PENDING
    message = reload(message)
    assert (message.status, message.attempts, message.last_error) == ("pending", 1, "RuntimeError: disk on fire")


@pytest.mark.django_db
def test_errors_and_log_lines_never_show_the_full_number(caplog, retries):
    caplog.set_level(logging.DEBUG)
    message = enqueue()
    backend = RaisingBackend(SendError(f"number {PHONE} is not reachable"))
    now = timezone.now()
    for step in range(3):
        message_send(message_id=message.pk, backend=backend, now=now + dt.timedelta(hours=step))
    message = reload(message)
    assert message.status == OutboxStatus.FAILED and backend.calls == 3
    assert message.last_error == f"number {MASKED} is not reachable"
    assert MASKED in caplog.text and PHONE not in caplog.text


@pytest.mark.django_db
def test_retry_now_makes_a_failed_message_due_again_for_one_more_attempt(sms_file, retries,
                                                                         django_capture_on_commit_callbacks):
    failed, sent = enqueue(), enqueue(to="13900001111")
    OutboxMessage.objects.filter(pk=failed.pk).update(status=OutboxStatus.FAILED, attempts=3, next_attempt_at=None)
    message_send(message_id=sent.pk)
    with django_capture_on_commit_callbacks() as callbacks:
        assert outbox_retry_now(message_ids=[failed.pk, sent.pk]) == 1
    assert len(callbacks) == 1
    assert reload(failed).status == OutboxStatus.PENDING
    assert outbox_dispatch_due() == 1
    assert reload(failed).status == OutboxStatus.SENT and reload(sent).status == OutboxStatus.SENT
    assert len(sms_file.lines()) == 2


# --- exactly once, for real: committed rows, separate connections -----------------------------------

@pytest.fixture
def committed(django_db_blocker):
    """Unblocks the database outside the test transaction; deletes the messages made meanwhile."""
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        before = set(OutboxMessage.objects.values_list("pk", flat=True))
        try:
            yield
        finally:
            OutboxMessage.objects.exclude(pk__in=before).delete()


def in_thread(target, results, index, barrier):
    try:
        barrier.wait(timeout=10)
        results[index] = target()
    except Exception as exc:  # noqa: BLE001
        results[index] = exc
    finally:
        connection.close()


def test_two_workers_sending_the_same_message_at_once_send_it_once(committed, gateway):
    gateway.delay = 0.5  # a slow gateway: the second worker comes while the first is sending
    message = enqueue()
    results: list = [None, None]
    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=in_thread, args=(lambda: message_send(message_id=message.pk), results, i,
                                                        barrier)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(gateway.requests) == 1
    assert sorted(results) == ["sending", "sent"] or sorted(results) == ["pending", "sent"], results
    assert reload(message).status == OutboxStatus.SENT


def test_two_dispatchers_at_once_send_every_message_once(committed, gateway):
    gateway.delay = 0.05
    messages = [enqueue(to=f"1390000{i:04d}") for i in range(12)]
    results: list = [None, None]
    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=in_thread, args=(outbox_dispatch_due, results, i, barrier)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(gateway.sent_to()) == sorted(m.to for m in messages)
    assert sum(results) == 12
    assert set(OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).values_list("status", flat=True)) == {
        "sent"}


def test_the_message_is_committed_as_sending_before_the_backend_is_called(committed):
    seen: list[str] = []

    class Peeking:
        """Reads the message's status through another connection while it is being sent."""

        name = "peeking"

        def send(self, *, to, text, message_id):
            def peek():
                try:
                    seen.append(OutboxMessage.objects.get(pk=message_id).status)
                finally:
                    connection.close()

            thread = threading.Thread(target=peek)
            thread.start()
            thread.join(timeout=10)
            return "peek-1"

    message = enqueue()
    assert message_send(message_id=message.pk, backend=Peeking()) == OutboxStatus.SENT
    assert seen == ["sending"]
    assert reload(message).provider_id == "peek-1"
