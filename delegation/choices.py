"""Station kinds, consent methods, handover steps (in order), agency levels."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import DECIDED, CaseStatus


class StationKind(models.TextChoices):
    VILLAGE = "village", _("Village station")
    COMMUNITY = "community", _("Community station")


class ConsentMethod(models.TextChoices):
    SIGNED_FORM = "signed_form", _("Signed authorisation form")
    FINGERPRINT = "fingerprint", _("Fingerprint on the form")
    RECORDED_CALL = "recorded_call", _("Recorded phone call")
    SMS_CODE = "sms_code", _("Code sent by SMS and read back")


class HandoverStepKind(models.TextChoices):
    """The materials' journey, in this order (a step is logged only after the one before it)."""

    RECEIVED_FROM_RESIDENT = "received_from_resident", _("Materials received from the resident")
    HANDED_TO_CENTRE = "handed_to_centre", _("Materials handed to the centre")
    RESULT_RECEIVED = "result_received", _("Result received from the centre")
    DELIVERED_TO_RESIDENT = "delivered_to_resident", _("Result delivered to the resident")


#: The handover steps in order.
HANDOVER_ORDER: list[str] = [s.value for s in HandoverStepKind]


def next_step(last: str) -> str | None:
    """The step that may be logged after `last` ("" before the first); None after the last."""
    if not last:
        return HANDOVER_ORDER[0]
    index = HANDOVER_ORDER.index(last) + 1
    return HANDOVER_ORDER[index] if index < len(HANDOVER_ORDER) else None


#: Case states in which the centre has something for the resident: a decision (approved or denied,
#: ready, collected) or a refusal to accept (不予受理: the notice and the materials come back). From
#: these the agent can log "result received" and the filing is among the results to deliver.
RESULT_STATUSES: frozenset[str] = frozenset({*DECIDED, CaseStatus.REFUSED})


#: The SMS template of each milestone (notifications.services.DEFAULT_TEMPLATES).
STEP_TEMPLATE: dict[str, str] = {
    HandoverStepKind.RECEIVED_FROM_RESIDENT: "proxy_received",
    HandoverStepKind.HANDED_TO_CENTRE: "proxy_handed_to_centre",
    HandoverStepKind.RESULT_RECEIVED: "proxy_result_received",
    HandoverStepKind.DELIVERED_TO_RESIDENT: "proxy_delivered",
}


class AgencyLevel(models.TextChoices):
    GUIDE = "guide", _("Guide (导办)")
    ASSIST = "assist", _("Assist (协办)")
    FULL = "full", _("Full agency (代办)")
