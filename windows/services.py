"""Writes for service windows and the centre heartbeat.

They take the centre and run inside its schema (a request on its host, or windows.door); their audit
entries go to the public audit log in the same transaction.
"""
from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from guardian.shortcuts import assign_perm

from tenants.audit import audit_record
from tenants.choices import AuditKind, AuditTarget
from tenants.models import Centre, User
from tenants.schemas import require_schema
from windows.models import CentreHeartbeat, Window, WindowUserObjectPermission

OPERATE = "operate_window"


@transaction.atomic
def window_create(*, centre: Centre, number: str, name_zh: str, name_en: str, department: str = "",
                  acting_user: User | None) -> Window:
    """A service window at `centre` (its number unique there). Raises Django's `ValidationError`."""
    require_schema(centre)
    window = Window(number=number, name_zh=name_zh, name_en=name_en, department=department)
    window.full_clean()
    window.save()
    audit_record(kind=AuditKind.WINDOW_CREATED, actor=acting_user, centre=centre,
                 target_type=AuditTarget.WINDOW, target_id=window.pk, target_label=str(window),
                 after={key: value for key, value in (("number", number), ("name_zh", name_zh),
                                                      ("name_en", name_en), ("department", department)) if value})
    return window


@transaction.atomic
def window_grant_operator(*, centre: Centre, window: Window, user: User, acting_user: User | None) -> None:
    """Let `user` operate `window` of `centre` (an object permission, kept in the centre's schema).
    Granting it again changes nothing and records nothing."""
    require_schema(centre)
    held = WindowUserObjectPermission.objects.filter(user=user, content_object=window,
                                                     permission__codename=OPERATE).exists()
    assign_perm(f"windows.{OPERATE}", user, window)
    if not held:
        audit_record(kind=AuditKind.OPERATOR_GRANTED, actor=acting_user, centre=centre,
                     target_type=AuditTarget.WINDOW, target_id=window.pk, target_label=str(window),
                     after={"operator": user.get_username()})


def heartbeat_record(*, now: datetime) -> CentreHeartbeat:
    CentreHeartbeat.objects.get_or_create(id=1)
    CentreHeartbeat.objects.filter(id=1).update(last_beat_at=now, beats=F("beats") + 1)
    return CentreHeartbeat.objects.get(id=1)
