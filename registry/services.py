"""Writes of the registry: called by the cases services inside their transaction."""
from __future__ import annotations

from collections.abc import Callable

from django.db.models import F, JSONField, Value
from django.db.models.expressions import CombinedExpression
from django.utils import timezone

from registry.hashing import applicant_hmac, lookup_hmac
from registry.models import RegistryEntry


def _values(case, centre_id: int, now) -> dict:
    from cases.choices import CLOCK_PAUSED, TERMINAL

    return {
        "centre_id": centre_id, "number": case.number, "item_code": case.item_code,
        "item_name_zh": case.item_name_zh, "item_name_en": case.item_name_en,
        "department_code": case.department_code, "department_name_zh": case.department_name_zh,
        "department_name_en": case.department_name_en, "channel": case.channel, "status": case.status,
        "submitted_at": case.submitted_at, "accepted_on": case.accepted_on,
        "promised_limit_days": case.promised_limit_days if case.accepted_on else None,
        "legal_limit_days": case.legal_limit_days if case.accepted_on else None,
        "paused_workdays": case.paused_workdays, "promised_due": case.promised_due, "legal_due": case.legal_due,
        "due_provisional": case.due_provisional, "paused": case.status in CLOCK_PAUSED,
        "is_open": case.status not in TERMINAL, "last_event_at": now,
        "applicant_hmac": applicant_hmac(case.applicant_id_number),
        "lookup_hmacs": [lookup_hmac(case.number, case.applicant_id_number[-4:]),
                         lookup_hmac(case.number, case.phone[-4:])],
        "joint_case_id": case.joint_case_id, "handler_id": case.handler_id,
        "green_channel": case.green_channel,
    }


def _steps(pending, now) -> list[dict]:
    at = now.isoformat()
    return [{"status": status, "at": at, "holder_zh": zh, "holder_en": en} for status, zh, en in pending]


def registry_sync(*, case, centre_id: int, event_status: str | None = None, holder_zh: str = "",
                  holder_en: str = "", now=None, created: bool = False) -> None:
    """Mirror `case` into its registry row (create or update) and append the public history step at
    `now` (the time the service was given). `created`: the case is new, so its row is inserted at once."""
    now = now or timezone.now()
    step = _steps([(event_status, holder_zh, holder_en)] if event_status else [], now)
    values = _values(case, centre_id, now)
    if created:
        RegistryEntry.objects.create(case_id=case.id, history=step, **values)
        return
    # One statement either way: a transition appends its step to the history inside the UPDATE.
    updated = RegistryEntry.objects.filter(case_id=case.id).update(
        **values, history=CombinedExpression(F("history"), "||", Value(step, output_field=JSONField())))
    if not updated:
        RegistryEntry.objects.create(case_id=case.id, history=step, **values)


def registry_add(*, cases, centre_id: int, now, steps: Callable[[object], list[tuple[str, str, str]]]) -> None:
    """The rows of new cases, in one statement, each with its history (`steps(case)`: status, holders)."""
    RegistryEntry.objects.bulk_create([
        RegistryEntry(case_id=case.id, history=_steps(steps(case), now), **_values(case, centre_id, now))
        for case in cases])
