"""One node per case write (issue 17): with `CASE_PUBLIC_WRITES = "after_commit"` (a Citus cluster) a case's
submission and its steps write only the centre's own schema — the case, its events, its idempotency key and
the centre's outbox — and the registry row and the applicant's SMS follow right after the commit, in order,
once; rows a dying process left are projected by the beat's catch-up and before a reconciliation.

Checked here on one PostgreSQL by recording every statement that writes (INSERT, UPDATE, DELETE, SELECT … FOR
UPDATE) and the table it writes: on Citus a centre's tables live on its worker, public ones on the
coordinator."""
from __future__ import annotations

import io
import re
import uuid

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from cases import door
from notifications.models import OutboxMessage
from registry.models import RegistryEntry
from registry.services import registry_rows_apply
from tests.cases.conftest import VALID_ID

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/"
APPLICATION = {"item_code": "610100SC-XK-0001", "applicant_kind": "person", "applicant_name": "张三",
               "applicant_id_number": VALID_ID, "phone": "13812345678"}
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(?:[\w]+"?\.)?"?(\w+)"?', re.IGNORECASE)
_LOCKING_READ = re.compile(r'^\s*SELECT\b.*?\bFROM\s+"?(\w+)"?.*\bFOR\s+(?:NO\s+KEY\s+)?UPDATE\b',
                           re.IGNORECASE | re.DOTALL)


def centre_tables() -> set[str]:
    """The tables every centre's schema holds (the tenant apps' models)."""
    return {model._meta.db_table for app in settings.TENANT_APPS
            for model in apps.get_app_config(app.rsplit(".", 1)[-1]).get_models(include_auto_created=True)}


class WriteRecorder:
    """Every table a statement wrote (or locked for writing) while recording."""

    def __init__(self) -> None:
        self.written: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        found = _WRITE.match(sql) or _LOCKING_READ.match(sql)
        if found:
            self.written.append(found.group(1))
        return execute(sql, params, many, context)

    def public(self) -> set[str]:
        return set(self.written) - centre_tables()


def journey(client, recorder: WriteRecorder) -> str:
    """Submit with an idempotency key, then accept: the case's id."""
    with connection.execute_wrapper(recorder):
        response = client.post(URL, APPLICATION, content_type="application/json",
                               headers={"Idempotency-Key": f"k-{uuid.uuid4()}"})
        assert response.status_code == 201, response.content
        case_id = response.json()["id"]
        response = client.post(f"{URL}{case_id}/transitions/", {"action": "accept", "revision": 0},
                               content_type="application/json")
        assert response.status_code == 200, response.content
    return case_id


def test_with_writes_after_commit_a_submission_and_a_step_write_only_the_centres_schema(
        beilin, item, clerk, centre_client, settings, django_capture_on_commit_callbacks):
    settings.CASE_PUBLIC_WRITES = "after_commit"
    recorder = WriteRecorder()
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        case_id = journey(centre_client(beilin, clerk), recorder)

    assert {"cases_case", "cases_caseevent", "cases_outboxrow", "cases_caseidempotencykey"} <= set(recorder.written)
    assert recorder.public() == set()
    assert not RegistryEntry.objects.filter(case_id=case_id).exists()  # not before the commit

    for callback in after_commit:
        callback()
    entry = RegistryEntry.objects.get(case_id=case_id)
    assert entry.status == "accepted"
    assert [step["status"] for step in entry.history] == ["submitted", "accepted"]
    [message] = OutboxMessage.objects.filter(dedupe_key=f"case:{case_id}:accepted")
    assert message.to == "+8613812345678"
    assert door.outbox_backlog(centres=[beilin]) == {}


def test_in_one_transaction_the_same_journey_writes_the_public_registry(beilin, item, clerk, centre_client):
    """The default (one PostgreSQL server): the registry row and the SMS commit with the case."""
    recorder = WriteRecorder()
    case_id = journey(centre_client(beilin, clerk), recorder)

    assert {"registry_registryentry", "notifications_outboxmessage"} <= recorder.public()
    assert RegistryEntry.objects.get(case_id=case_id).status == "accepted"
    assert door.outbox_backlog(centres=[beilin]) == {}


def test_rows_a_dead_process_left_are_projected_by_the_catch_up_in_order_once(
        beilin, item, clerk, centre_client, settings, django_capture_on_commit_callbacks):
    settings.CASE_PUBLIC_WRITES = "after_commit"
    client = centre_client(beilin, clerk)
    with django_capture_on_commit_callbacks(execute=False):  # the process dies before projecting
        first = journey(client, WriteRecorder())
        second = journey(client, WriteRecorder())
    assert door.outbox_backlog(centres=[beilin]) == {beilin.pk: 6}  # each: its row, its step, its SMS
    assert not RegistryEntry.objects.filter(case_id__in=[first, second]).exists()

    assert door.outbox_catch_up() == 6

    for case_id in (first, second):
        entry = RegistryEntry.objects.get(case_id=case_id)
        assert (entry.status, [step["status"] for step in entry.history]) == ("accepted", ["submitted", "accepted"])
    assert OutboxMessage.objects.filter(template_key="case_accepted").count() == 2
    assert door.outbox_catch_up() == 0


def test_a_row_applied_but_not_yet_deleted_changes_nothing_when_projected_again(
        beilin, item, clerk, centre_client, settings, django_capture_on_commit_callbacks):
    """A projector that died after its public commit and before deleting the rows: the next one applies the
    same rows again, and the registry's history and the SMS stay single."""
    from cases.models import OutboxRow  # the test reads the centre's outbox as the projector does

    settings.CASE_PUBLIC_WRITES = "after_commit"
    with django_capture_on_commit_callbacks(execute=False):
        case_id = journey(centre_client(beilin, clerk), WriteRecorder())
    rows = list(OutboxRow.objects.order_by("id"))
    for row in rows:  # the first projector's public transaction
        if row.topic == "registry.rows":
            registry_rows_apply(beilin, row.payload, row.id)
    assert RegistryEntry.objects.get(case_id=case_id).status == "accepted"

    door.outbox_project(centre=beilin)

    entry = RegistryEntry.objects.get(case_id=case_id)
    assert [step["status"] for step in entry.history] == ["submitted", "accepted"]
    assert entry.outbox_id == max(row.id for row in rows if row.topic == "registry.rows")
    assert OutboxMessage.objects.filter(dedupe_key=f"case:{case_id}:accepted").count() == 1


def test_reconciling_projects_the_waiting_rows_first_and_finds_no_drift(
        beilin, item, clerk, centre_client, settings, django_capture_on_commit_callbacks):
    settings.CASE_PUBLIC_WRITES = "after_commit"
    with django_capture_on_commit_callbacks(execute=False):
        journey(centre_client(beilin, clerk), WriteRecorder())
    out = io.StringIO()
    call_command("reconcile_registry", "--centre", beilin.division_code, stdout=out)
    assert "outbox rows projected first" in out.getvalue()
    assert "registry and cases agree" in out.getvalue()


def test_an_unknown_mode_is_a_configuration_error(settings):
    from cases.apps import public_writes_check

    settings.CASE_PUBLIC_WRITES = "later"
    assert [error.id for error in public_writes_check(None)] == ["cases.E001"]


def test_a_change_that_took_a_smaller_id_and_committed_later_is_still_projected(beilin, settings):
    """Ids are taken in the transaction, not at its commit: a projector may read row 1000 while row 999 is
    not yet committed. Deleting by range would drop 999 unapplied; only the ids applied go."""
    from cases import outbox
    from cases.models import OutboxRow
    from tenants.schemas import centre_schema

    settings.CASE_PUBLIC_WRITES = "after_commit"
    applied: list[int] = []

    def late(_centre, payload, outbox_id):
        applied.append(outbox_id)
        if payload.get("then"):  # row 999 commits while the projector applies 1000
            with centre_schema(beilin):
                OutboxRow.objects.create(id=payload["then"], topic="test.late", payload={})

    outbox._handlers["test.late"] = late
    try:
        with centre_schema(beilin):
            OutboxRow.objects.create(id=1000, topic="test.late", payload={"then": 999})
        assert outbox.outbox_project(centre=beilin) == 1
        assert outbox.outbox_backlog(centres=[beilin]) == {beilin.pk: 1}  # 999 waits, not lost
        assert outbox.outbox_project(centre=beilin) == 1
        assert applied == [1000, 999]
    finally:
        del outbox._handlers["test.late"]
