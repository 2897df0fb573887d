"""A web process killed (SIGKILL) in the middle of a request: its transaction rolls back whole — no case, no
event, no idempotency key, no registry row, no SMS of it — and the client, who got no answer, sends it again
with its Idempotency-Key and gets the case made once (201).

Real processes: gunicorn (one worker) on the private PostgreSQL. The test holds a lock on the registry table,
so the submission stops inside its transaction at its registry write (the case already inserted); then the
worker is killed, the lock let go, and PostgreSQL ends the dead client's transaction. Broken variant:
`submit_without_transaction` (each statement of a submission commits on its own).
"""
from __future__ import annotations

import threading
import uuid

import psutil
import psycopg
import pytest

from tests.faults.conftest import DATABASE, broken_variant
from tests.faults.harness import call, free_port, wait_for

pytestmark = [pytest.mark.faults]

VALID_ID = "11010519491231002X"


def footprint(platform) -> dict[str, int]:
    """How many rows each table a submission writes holds."""
    schema = platform.seed["schema"]
    tables = {"cases": f'"{schema}".cases_case', "events": f'"{schema}".cases_caseevent',
              "keys": f'"{schema}".cases_caseidempotencykey', "materials": f'"{schema}".cases_casematerial',
              "registry": "public.registry_registryentry", "sms": "public.notifications_outboxmessage"}
    return {name: platform.sql(f"SELECT count(*) FROM {table}")[0][0] for name, table in tables.items()}  # noqa: S608


def kill_web_mid_request(platform, *, variant: str = "") -> list[str]:
    port = free_port()
    web = platform.processes.web("web", port, workers=1, threads=4, variant=variant)
    seed = platform.seed
    headers = {"Authorization": f"Token {seed['token']}", "Idempotency-Key": f"kill-web-{uuid.uuid4()}"}
    application = {"item_code": seed["item_code"], "applicant_kind": "person", "applicant_name": "王五",
                   "applicant_id_number": VALID_ID, "phone": "13812345678"}
    before = footprint(platform)

    answer: dict = {}

    def submit():
        try:
            answer["response"] = call(port, "POST", "/api/v1/cases/", host=seed["host"], data=application,
                                      headers=headers, timeout=60)
        except OSError as error:
            answer["error"] = error

    with psycopg.connect(platform.db.url(DATABASE)) as holder:  # a transaction: the lock lasts until it ends
        holder.execute("LOCK TABLE public.registry_registryentry IN SHARE ROW EXCLUSIVE MODE")
        client = threading.Thread(target=submit)
        client.start()
        backend = wait_for(lambda: platform.sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' "
            "AND query ILIKE %s", [DATABASE, "%INSERT INTO%registry_registryentry%"]), 30, 0.05,
            "the submission waiting at its registry write")[0][0]
        [worker] = psutil.Process(web.pid).children()
        worker.kill()  # SIGKILL, mid-request
        client.join(30)
        holder.rollback()
    wait_for(lambda: not platform.sql("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend]), 30, 0.05,
             "PostgreSQL to end the killed worker's session")

    findings = []
    if "response" in answer:
        findings.append(f"the client got an answer from a killed process: {answer['response'].status}")
    after = footprint(platform)
    for name, count in after.items():
        if count != before[name]:
            findings.append(f"the killed request left {count - before[name]} row(s) in {name}")

    retried = wait_for(lambda: call(port, "POST", "/api/v1/cases/", host=seed["host"], data=application,
                                    headers=headers, timeout=30), 60, 0.2, "gunicorn's new worker answering")
    if retried.status != 201:
        findings.append(f"the retry with the same Idempotency-Key answered {retried.status}, not 201 (made now): "
                        f"{retried.body}")
    made = footprint(platform)
    for name in ("cases", "registry", "keys"):
        if made[name] != before[name] + 1:
            findings.append(f"after the retry {name} grew by {made[name] - before[name]}, not 1")
    return findings


def test_a_web_process_killed_mid_request_leaves_nothing_and_the_retry_makes_the_case_once(platform):
    assert kill_web_mid_request(platform) == []


@broken_variant
def test_the_kill_is_noticed_when_a_submission_is_not_one_transaction(platform):
    findings = kill_web_mid_request(platform, variant="submit_without_transaction")
    print(f"broken variant found: {findings}")
    assert any("left" in finding for finding in findings), findings
