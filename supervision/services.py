"""Writes of supervision besides the sweep: findings of out-of-process handling, acknowledgements."""
from __future__ import annotations

from django.utils import timezone

from supervision.models import DeadlineWarning, Finding
from tenants.models import Centre, User


def finding_record(*, centre: Centre, case, kind: str, action: str, acting_user: User | None) -> Finding:
    """Record out-of-process handling (written in its own statement: the refused change itself is not)."""
    return Finding.objects.create(centre=centre, case_id=case.pk, case_number=case.number, kind=kind, action=action,
                                  status=case.status, acting_user=acting_user if getattr(acting_user, "pk", None)
                                  else None, at=timezone.now())


def warning_acknowledge(*, warning: DeadlineWarning, acting_user: User) -> DeadlineWarning:
    DeadlineWarning.objects.filter(pk=warning.pk, acknowledged_at__isnull=True).update(acknowledged_at=timezone.now())
    warning.refresh_from_db()
    return warning
