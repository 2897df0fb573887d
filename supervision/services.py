"""Writes of supervision besides the sweep: findings of out-of-process handling, acknowledgements."""
from __future__ import annotations

from django.utils import timezone

from cases.hooks import StepRefused, step_refused
from supervision.models import DeadlineWarning, Finding
from tenants.models import User


def finding_record(event: StepRefused) -> Finding:
    """Record out-of-process handling (电子监察: a step by a role not allowed to take it, a step
    skipped), whatever the door it was tried through: a listener of `cases.hooks.step_refused`, written
    in its own statement (the refused change itself is not)."""
    user = event.acting_user if event.acting_user is not None and event.acting_user.is_authenticated else None
    return Finding.objects.create(centre=event.centre, case_id=event.case.pk, case_number=event.case.number,
                                  kind=event.kind, action=event.action, status=event.case.status, acting_user=user,
                                  at=event.now)


def connect() -> None:
    """Hear of every out-of-process step (called from the app's `ready`)."""
    step_refused.connect(finding_record)


def warning_acknowledge(*, warning: DeadlineWarning, acting_user: User) -> DeadlineWarning:
    DeadlineWarning.objects.filter(pk=warning.pk, acknowledged_at__isnull=True).update(acknowledged_at=timezone.now())
    warning.refresh_from_db()
    return warning
