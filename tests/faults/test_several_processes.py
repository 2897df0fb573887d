"""Several processes on one database and broker: two web servers (gunicorn, 2 workers each), two Celery workers
and beat.

- A centre renamed, then suspended, takes effect on every web process within the routing check interval
  (ROUTING_CHECK_SECONDS, 1 s: tenants.routing's version, bumped by a trigger): no process keeps answering with
  the old name or keeps serving a suspended centre; beat sends the suspended centre nothing from its next tick.
  Broken variant: `routing_never_rechecked`.
- Beat runs exactly once: a second beat started by mistake finds the beat lock (tenants.beat.BeatLock) taken,
  says so in its log and sends nothing — the heartbeat keeps its one-a-second rate — and takes over when the
  first is killed. Broken variant: `beat_without_lock`.
"""
from __future__ import annotations

import time

import pytest

from tests.faults.conftest import broken_variant
from tests.faults.harness import call, free_port, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.celery_integration]

#: Requests to each server per look: its two workers both answer some of them (a new connection each).
LOOKS = 10
#: ROUTING_CHECK_SECONDS in the processes (tests/faults/conftest.py), and what a look may add to it.
INTERVAL, SLACK = 1.0, 1.0


def heartbeats(platform, schema: str) -> int:
    rows = platform.sql(f'SELECT beats FROM "{schema}".windows_centreheartbeat WHERE id = 1')  # noqa: S608
    return rows[0][0] if rows else 0


def rename_and_suspend(platform, redis_broker, *, variant: str = "") -> list[str]:
    seed, processes = platform.seed, platform.processes
    env = {"CELERY_BROKER_URL": redis_broker.url, "GOVSERVICE_FAULTS_BEAT": "heartbeat"}
    ports = [free_port(), free_port()]
    webs = [processes.web(f"web-{n}", port, workers=2, threads=2, variant=variant, wait=False, **env)
            for n, port in enumerate(ports, 1)]
    workers = [processes.worker(f"worker-{n}", concurrency=1, variant=variant, wait=False, **env) for n in (1, 2)]
    processes.beat("beat", variant=variant, **env)
    processes.ready(*webs, *workers)
    yanta = platform.sql("SELECT schema_name FROM tenants_centre WHERE slug = 'yanta'")[0][0]
    [(name_en,)] = platform.sql("SELECT name_en FROM tenants_centre WHERE id = %s", [seed["centre_id"]])

    def answers() -> set[tuple[int, str]]:
        seen = set()
        for port in ports:
            for _ in range(LOOKS):
                answer = call(port, "GET", "/api/v1/centre/", host=seed["host"])
                body = answer.body if isinstance(answer.body, dict) else {}
                seen.add((answer.status, body.get("centre", {}).get("name_en") or body.get("code", "")))
        return seen

    def until(expected: set, what: str, limit: float = 8) -> float | None:
        began = time.monotonic()
        while time.monotonic() - began < limit:
            if answers() == expected:
                return time.monotonic() - began
            time.sleep(0.05)
        return None

    findings = []
    wait_for(lambda: answers() == {(200, name_en)}, 30, 0.2, "every web process serving Beilin")
    wait_for(lambda: heartbeats(platform, seed["schema"]) > 0 and heartbeats(platform, yanta) > 0, 30, 0.2,
             "beat's heartbeats reaching Beilin and Yanta")
    renamed = f"{name_en} (renamed)"
    try:
        platform.sql("UPDATE tenants_centre SET name_en = %s WHERE id = %s", [renamed, seed["centre_id"]])
        took = until({(200, renamed)}, "the new name")
        if took is None or took > INTERVAL + SLACK:
            findings.append(f"the new name reached every web process after {took} s (interval {INTERVAL} s)")
        platform.sql("UPDATE tenants_centre SET status = 'suspended' WHERE id = %s", [seed["centre_id"]])
        suspended_at = time.monotonic()
        took_suspended = until({(503, "centre_suspended")}, "the suspension")
        if took_suspended is None or took_suspended > INTERVAL + SLACK:
            findings.append(f"the suspension reached every web process after {took_suspended} s")
        time.sleep(max(0.0, suspended_at + 2 - time.monotonic()))  # beat's next ticks, tasks already sent run
        beilin_then, yanta_then = heartbeats(platform, seed["schema"]), heartbeats(platform, yanta)
        time.sleep(4)
        beilin_more = heartbeats(platform, seed["schema"]) - beilin_then
        yanta_more = heartbeats(platform, yanta) - yanta_then
        if beilin_more:
            findings.append(f"beat sent the suspended centre {beilin_more} heartbeats")
        if yanta_more < 2:
            findings.append(f"beat sent Yanta only {yanta_more} heartbeats in 4 s")
    finally:
        platform.sql("UPDATE tenants_centre SET name_en = %s, status = 'ready' WHERE id = %s",
                     [name_en, seed["centre_id"]])
    for worker in workers:
        if "centre_heartbeat" not in worker.output() or "succeeded" not in worker.output():
            findings.append(f"{worker.name} ran no task: both workers take from the one queue")
    print(f"several processes: renamed everywhere in {took} s, suspended everywhere in {took_suspended} s")
    return findings


def test_a_renamed_or_suspended_centre_takes_effect_on_every_process_within_the_interval(platform, redis_broker):
    assert rename_and_suspend(platform, redis_broker) == []


@broken_variant
def test_the_rename_is_noticed_when_processes_never_look_at_the_routing_version_again(platform, redis_broker):
    findings = rename_and_suspend(platform, redis_broker, variant="routing_never_rechecked")
    print(f"broken variant found: {findings}")
    assert any("new name" in finding for finding in findings), findings


# --- beat, exactly once ---------------------------------------------------------------------------------------

WINDOW = 8.0


def two_beats(platform, redis_broker, *, variant: str = "") -> list[str]:
    schema, processes = platform.seed["schema"], platform.processes
    env = {"CELERY_BROKER_URL": redis_broker.url, "GOVSERVICE_FAULTS_BEAT": "heartbeat",
           "GOVSERVICE_FAULTS_HEARTBEAT_SECONDS": "1"}
    worker = processes.worker("worker", concurrency=2, wait=False, **env)
    first = processes.beat("beat-1", variant=variant, **env)
    processes.ready(worker)
    first.wait_output("Scheduler: Sending due task|beat lock taken", 30)
    second = processes.beat("beat-2", variant=variant, **env)
    findings = []
    try:
        second.wait_output("beat lock held by another beat", 15)
    except AssertionError:
        findings.append("the second beat did not say that another beat holds the lock")
    time.sleep(1.5)  # the second beat is up (its first tick is past)

    def rate(seconds: float) -> float:
        before, began = heartbeats(platform, schema), time.monotonic()
        time.sleep(seconds)
        return (heartbeats(platform, schema) - before) / (time.monotonic() - began)

    both_running = rate(WINDOW)
    if both_running > 1.35:
        findings.append(f"with two beats running Beilin's heartbeat came {both_running:.2f} times a second, "
                        "not once: both beats send")
    first.kill()
    mark = len(second.output())
    try:
        second.wait_output("beat lock taken", 10, after=mark)
    except AssertionError:
        findings.append("the second beat did not take over within 10 s of the first one's death")
    time.sleep(1.5)
    after_takeover = rate(4)
    if not 0.5 <= after_takeover <= 1.5:
        findings.append(f"after the takeover Beilin's heartbeat came {after_takeover:.2f} times a second, not once")
    print(f"two beats: {both_running:.2f} heartbeats a second with both running, {after_takeover:.2f} after the "
          "first was killed")
    return findings


def test_a_second_beat_sends_nothing_says_so_and_takes_over_when_the_first_dies(platform, redis_broker):
    assert two_beats(platform, redis_broker) == []


@broken_variant
def test_two_beats_are_noticed_without_the_lock(platform, redis_broker):
    findings = two_beats(platform, redis_broker, variant="beat_without_lock")
    print(f"broken variant found: {findings}")
    assert any("both beats send" in finding for finding in findings), findings
