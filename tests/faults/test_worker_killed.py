"""The Celery worker killed (SIGKILL, its whole process group) while it sends SMS: after a new worker starts,
every message is sent, none is lost, and none reaches the gateway twice except those in flight at the kill —
taken and handed to the gateway, the result not yet recorded — at most one per worker process (the documented
at-least-once window, notifications.dispatch).

Real processes: a worker (prefork, 2 processes) and beat (the outbox's sweep every second) on a private Redis
and the private PostgreSQL, sending through the `http` backend to a gateway in this test that holds one message
unanswered while the worker is killed. Broken variant: `outbox_no_requeue` (a message left `sending` is never
sent again).
"""
from __future__ import annotations

import json
import time
import uuid

import pytest

from tests.faults.conftest import broken_variant

pytestmark = [pytest.mark.faults, pytest.mark.celery_integration]

MESSAGES = 40
CONCURRENCY = 2


def statuses(platform, prefix: str) -> dict[int, str]:
    return dict(platform.sql("SELECT id, status FROM notifications_outboxmessage WHERE dedupe_key LIKE %s",
                             [f"{prefix}-%"]))


def kill_worker_mid_send(platform, gateway, redis_broker, *, variant: str = "", settle: float = 40) -> list[str]:
    """The scenario; returns what went wrong (nothing: [])."""
    prefix = f"kill-{uuid.uuid4().hex[:8]}"
    gateway.delay = 0.05
    env = {"CELERY_BROKER_URL": redis_broker.url, "SMS_BACKEND": "http", "SMS_HTTP_URL": gateway.url,
           "SMS_HTTP_TIMEOUT": "60", "GOVSERVICE_FAULTS_BEAT": "outbox"}
    processes = platform.processes
    gateway.hold(10)  # the 10th message to reach the gateway gets no answer
    worker = processes.worker("worker-1", concurrency=CONCURRENCY, variant=variant, **env)
    ids = json.loads(processes.tool("enqueue", str(MESSAGES), prefix, **env))
    held = int(gateway.wait_held())
    worker.kill()  # SIGKILL to the worker and its pool
    gateway.release()
    in_flight = {pk for pk, status in statuses(platform, prefix).items() if status == "sending"}
    assert held in in_flight, "the held message was not in flight at the kill"
    at_kill = dict(gateway.counts())

    processes.beat("beat", variant=variant, **env)
    processes.worker("worker-2", concurrency=CONCURRENCY, variant=variant, **env)
    deadline = time.monotonic() + settle
    while time.monotonic() < deadline and set(statuses(platform, prefix).values()) != {"sent"}:
        time.sleep(0.3)

    findings = []
    if len(in_flight) > CONCURRENCY:
        findings.append(f"{len(in_flight)} messages in flight at the kill, more than the {CONCURRENCY} processes")
    for pk, status in sorted(statuses(platform, prefix).items()):
        if status != "sent":
            findings.append(f"message {pk} is {status}, not sent, {settle:g} s after the restart")
    counts = gateway.counts()
    for pk in ids:
        times = counts.get(str(pk), 0)
        if times == 0:
            findings.append(f"message {pk} never reached the gateway (lost)")
        elif times > 1 and pk not in in_flight:
            findings.append(f"message {pk} reached the gateway {times} times and was not in flight at the kill")
        elif times > 2:
            findings.append(f"message {pk} reached the gateway {times} times")
    print(f"worker killed: {len(at_kill)} messages at the gateway before the kill, in flight {sorted(in_flight)}, "
          f"sent twice {sorted(pk for pk in ids if counts.get(str(pk), 0) > 1)}")
    return findings


def test_a_worker_killed_mid_send_loses_nothing_and_repeats_only_what_was_in_flight(platform, gateway,
                                                                                   redis_broker):
    assert kill_worker_mid_send(platform, gateway, redis_broker) == []


@broken_variant
def test_the_worker_kill_is_noticed_when_a_message_left_sending_is_never_sent_again(platform, gateway,
                                                                                      redis_broker):
    findings = kill_worker_mid_send(platform, gateway, redis_broker, variant="outbox_no_requeue", settle=12)
    print(f"broken variant found: {findings}")
    assert any("not sent" in finding for finding in findings), findings
