"""Writes of the registry: called by the cases services inside their transaction."""
from __future__ import annotations

from django.db.models import F, JSONField, Value
from django.db.models.expressions import CombinedExpression
from django.utils import timezone

from registry.hashing import applicant_hmac, lookup_hmac
from registry.models import RegistryEntry


def registry_sync(*, case, centre_id: int, event_status: str | None = None, holder_zh: str = "",
                  holder_en: str = "") -> None:
    """Mirror `case` into its registry row (create or update) and append the public history step."""
    from cases.choices import CLOCK_PAUSED, TERMINAL

    now = timezone.now()
    step = [{"status": event_status, "at": now.isoformat(), "holder_zh": holder_zh, "holder_en": holder_en}] \
        if event_status else []
    values = {
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
    # One statement either way: a transition appends its step to the history inside the UPDATE.
    updated = RegistryEntry.objects.filter(case_id=case.id).update(
        **values, history=CombinedExpression(F("history"), "||", Value(step, output_field=JSONField())))
    if not updated:
        RegistryEntry.objects.create(case_id=case.id, history=step, **values)
