"""Writes of the registry: the rows of cases as `cases` announces them (registry.listeners), through the
centre's outbox (`cases.outbox`): in the case change's transaction, or projected just after it commits
(`CASE_PUBLIC_WRITES`). One row per case; no personal data."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import F, JSONField, Q, Value
from django.db.models.expressions import CombinedExpression

from cases import door
from cases.choices import CLOCK_PAUSED, TERMINAL, CaseStatus
from cases.door import Case
from common.identity import identity_hmac
from registry.hashing import lookup_hmac
from registry.models import RegistryEntry
from tenants.models import Centre


def _values(case: Case, centre: Centre, now: dt.datetime) -> dict:
    return {
        "centre_id": centre.pk, "number": case.number, "item_code": case.item_code,
        "item_name_zh": case.item_name_zh, "item_name_en": case.item_name_en,
        "department_code": case.department_code, "department_name_zh": case.department_name_zh,
        "department_name_en": case.department_name_en, "channel": case.channel, "status": case.status,
        "submitted_at": case.submitted_at, "accepted_on": case.accepted_on,
        "promised_limit_days": case.promised_limit_days if case.accepted_on else None,
        "legal_limit_days": case.legal_limit_days if case.accepted_on else None,
        "paused_workdays": case.paused_workdays, "promised_due": case.promised_due, "legal_due": case.legal_due,
        "promised_due_provisional": case.promised_due_provisional,
        "legal_due_provisional": case.legal_due_provisional, "paused": case.status in CLOCK_PAUSED,
        "is_open": case.status not in TERMINAL, "last_event_at": now,
        "applicant_hmac": identity_hmac(case.applicant_id_number),
        "lookup_hmacs": [lookup_hmac(case.number, case.applicant_id_number[-4:]),
                         lookup_hmac(case.number, case.phone[-4:])],
        "joint_case_id": case.joint_case_id, "handler_id": case.handler_id,
        "green_channel": case.green_channel,
    }


def holder(case: Case, centre: Centre) -> tuple[str, str]:
    """Who holds the case now, as the public history says (zh, en): its department once accepted,
    else the centre."""
    if case.status == CaseStatus.SUBMITTED:
        return centre.name_zh, centre.name_en
    return case.department_name_zh or centre.name_zh, case.department_name_en or centre.name_en


def _step(status: str, at: dt.datetime, names: tuple[str, str]) -> dict:
    return {"status": status, "at": at.isoformat(), "holder_zh": names[0], "holder_en": names[1]}


ROWS_TOPIC = "registry.rows"


def registry_add(*, centre: Centre, cases: Iterable[Case], now: dt.datetime, accepted: bool = False) -> None:
    """The rows of new cases, each with its public history: submitted at the centre, and (for the legs of a
    joint case, filed already accepted) accepted by the department. Published through the centre's outbox
    (`cases.door.outbox_publish`): written now in one statement, or projected after commit."""
    centre_names = (centre.name_zh, centre.name_en)
    cases = list(cases)
    rows = [{"case_id": case.id, "values": _values(case, centre, now),
             "history": [_step(CaseStatus.SUBMITTED, now, centre_names)]
             + ([_step(CaseStatus.ACCEPTED, now, holder(case, centre))] if accepted else [])}
            for case in cases]
    if rows:
        door.outbox_publish(centre=centre, topic=ROWS_TOPIC, case_id=cases[0].id if len(cases) == 1 else None,
                            payload={"new": True, "rows": rows})


def registry_sync(*, centre: Centre, case: Case, now: dt.datetime, step: bool,
                  named: tuple[str, str] | None = None) -> None:
    """Mirror `case` into its row; with `step`, append the public history step (its new status, at
    `now`, the time the service was given; naming `named` (zh, en) if given, else the department or
    centre). Published through the centre's outbox like `registry_add`."""
    history = [_step(case.status, now, named or holder(case, centre))] if step else []
    door.outbox_publish(centre=centre, topic=ROWS_TOPIC, case_id=case.id, payload={
        "new": False, "rows": [{"case_id": case.id, "values": _values(case, centre, now), "history": history}]})


@door.outbox_handler(ROWS_TOPIC)
def registry_rows_apply(_centre: Centre, payload: dict, outbox_id: int | None) -> None:
    """Write the rows of `payload` (`{"new": bool, "rows": [{"case_id", "values", "history"}]}`, JSON):
    new rows in one statement; a change updates its row's values and appends its history steps in one
    statement (a missing row is written whole). From the centre's outbox (`outbox_id` given), a row that
    already applied this id or a later one is left alone, so a row projected twice changes nothing."""
    if payload["new"]:
        RegistryEntry.objects.bulk_create(
            [RegistryEntry(case_id=row["case_id"], history=row["history"], outbox_id=outbox_id, **row["values"])
             for row in payload["rows"]], ignore_conflicts=outbox_id is not None)
        return
    for row in payload["rows"]:
        entries = RegistryEntry.objects.filter(case_id=row["case_id"])
        if outbox_id is not None:
            entries = entries.filter(Q(outbox_id__isnull=True) | Q(outbox_id__lt=outbox_id))
        updated = entries.update(**row["values"], outbox_id=outbox_id, history=CombinedExpression(
            F("history"), "||", Value(row["history"], output_field=JSONField())))
        if not updated and not RegistryEntry.objects.filter(case_id=row["case_id"]).exists():
            RegistryEntry.objects.create(case_id=row["case_id"], history=row["history"], outbox_id=outbox_id,
                                         **row["values"])
