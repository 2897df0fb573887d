"""The broker restarted (Redis, then a RabbitMQ node) while tasks wait in its queue: the worker and beat
reconnect by themselves, every queued task runs after the restart (40 SMS, each sent by its own task: the
outbox's sweep is off here, so nothing else would send them), none runs twice to the gateway, and beat keeps
sending its schedule (the centres' heartbeat every second).

Real processes: a worker (one process, so that tasks queue up) and beat on a broker of the test's own — a
redis-server with its append-only file (what docs/operations.md asks of a production Redis), and a RabbitMQ
node of its own (own node name, ports and folders, not the machine's `rabbit@localhost`) — and the private
PostgreSQL. Broken variants: Redis without persistence; tasks sent as transient messages to RabbitMQ.
"""
from __future__ import annotations

import time
import uuid

import pytest

from tests.faults.conftest import broken_variant, require
from tests.faults.harness import PrivateRabbit, PrivateRedis, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.celery_integration]

MESSAGES = 40


def queued(broker) -> int:
    """Messages waiting in the default queue `celery`."""
    from kombu import Connection

    with Connection(broker.url, connect_timeout=5) as conn:
        if isinstance(broker, PrivateRedis):
            return conn.default_channel.client.llen("celery")
        return conn.default_channel.queue_declare("celery", passive=True).message_count


def restart_broker_with_tasks_queued(platform, gateway, broker, *, settle: float = 40, **env: str) -> list[str]:
    schema = platform.seed["schema"]

    def beats() -> int:
        rows = platform.sql(f'SELECT beats FROM "{schema}".windows_centreheartbeat WHERE id = 1')  # noqa: S608
        return rows[0][0] if rows else 0

    prefix = f"broker-{uuid.uuid4().hex[:8]}"
    gateway.delay = 0.1
    env = {"CELERY_BROKER_URL": broker.url, "SMS_BACKEND": "http", "SMS_HTTP_URL": gateway.url,
           "GOVSERVICE_FAULTS_BEAT": "heartbeat", "GOVSERVICE_FAULTS_HEARTBEAT_SECONDS": "1", **env}
    processes = platform.processes
    beat = processes.beat("beat", **env)
    worker = processes.worker("worker", concurrency=1, **env)
    start = beats()
    wait_for(lambda: beats() >= start + 2, 30, 0.2, "beat's heartbeats running")
    processes.tool("enqueue", str(MESSAGES), prefix, **env)
    wait_for(lambda: len(gateway.received) >= 3, 30, 0.05, "the first messages at the gateway")
    waiting = queued(broker)
    assert waiting >= 10, f"only {waiting} tasks queued at the restart: the test would prove nothing"
    broker.restart(down_seconds=1.0)
    back, beats_back, mark = time.monotonic(), beats(), len(beat.output())

    findings = []
    deadline = back + settle
    rows = {}
    while time.monotonic() < deadline:
        rows = dict(platform.sql("SELECT id, status FROM notifications_outboxmessage WHERE dedupe_key LIKE %s",
                                 [f"{prefix}-%"]))
        if set(rows.values()) == {"sent"}:
            break
        time.sleep(0.3)
    unsent = sorted(pk for pk, status in rows.items() if status != "sent")
    if unsent:
        findings.append(f"{len(unsent)} of {MESSAGES} queued tasks never ran after the restart: {unsent[:10]}")
    twice = {pk: n for pk, n in gateway.counts().items() if n > 1}
    if twice:
        findings.append(f"messages sent more than once: {twice}")
    time.sleep(max(0.0, back + 6 - time.monotonic()))
    sent = beat.output()[mark:].count("Sending due task centre-heartbeat")
    elapsed = time.monotonic() - back
    if sent < elapsed * 0.6:
        findings.append(f"beat sent {sent} heartbeats in the {elapsed:.0f} s after the restart (schedule: 1 a second)")
    try:  # and what it sent runs (after the SMS ahead of it in the queue)
        wait_for(lambda: beats() - beats_back >= sent - 1, 20, 0.2)
    except AssertionError:
        findings.append(f"of the {sent} heartbeats beat sent after the restart only {beats() - beats_back} ran")
    for proc in (worker, beat):
        if not proc.alive():
            findings.append(f"{proc.name} exited at the broker's restart:\n{proc.tail()}")
    failed_ticks = beat.output()[:mark].count("ERROR/MainProcess] Couldn't apply scheduled task")
    print(f"broker restart: {waiting} tasks queued at the restart; beat sent {sent} heartbeats in the {elapsed:.0f} s "
          f"after it; {failed_ticks} ticks failed while it was down")
    return findings


def redis(tmp_path, *, appendonly: bool = True) -> PrivateRedis:
    import shutil

    require(shutil.which("redis-server") is not None, "redis-server")
    folder = tmp_path / "redis"
    folder.mkdir()
    broker = PrivateRedis(folder, appendonly=appendonly)
    broker.start()
    return broker


def rabbit(tmp_path) -> PrivateRabbit:
    require(PrivateRabbit.available(), "RabbitMQ (rabbitmq-server and erl)")
    folder = tmp_path / "rabbitmq"
    folder.mkdir()
    broker = PrivateRabbit(folder)
    broker.start()
    return broker


def test_a_redis_restart_with_tasks_queued_loses_none_and_beat_keeps_its_schedule(platform, gateway, tmp_path):
    broker = redis(tmp_path)
    try:
        assert restart_broker_with_tasks_queued(platform, gateway, broker) == []
    finally:
        platform.processes.stop_all()
        broker.stop()


def test_a_rabbitmq_restart_with_tasks_queued_loses_none_and_beat_keeps_its_schedule(platform, gateway, tmp_path):
    broker = rabbit(tmp_path)
    try:
        assert restart_broker_with_tasks_queued(platform, gateway, broker) == []
    finally:
        platform.processes.stop_all()
        broker.stop()


@broken_variant
def test_the_redis_restart_is_noticed_when_redis_keeps_nothing_on_disk(platform, gateway, tmp_path):
    broker = redis(tmp_path, appendonly=False)
    try:
        findings = restart_broker_with_tasks_queued(platform, gateway, broker, settle=10)
    finally:
        platform.processes.stop_all()
        broker.stop()
    print(f"broken variant found: {findings}")
    assert any("never ran" in finding for finding in findings), findings


@broken_variant
def test_the_rabbitmq_restart_is_noticed_when_tasks_are_sent_as_transient_messages(platform, gateway, tmp_path):
    broker = rabbit(tmp_path)
    try:
        findings = restart_broker_with_tasks_queued(platform, gateway, broker, settle=10,
                                                    GOVSERVICE_FAULTS_TRANSIENT="1")
    finally:
        platform.processes.stop_all()
        broker.stop()
    print(f"broken variant found: {findings}")
    assert any("never ran" in finding for finding in findings), findings
