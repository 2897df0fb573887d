"""Writes for service windows and the centre heartbeat."""
from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from guardian.shortcuts import assign_perm

from tenants.models import User
from windows.models import CentreHeartbeat, Window


@transaction.atomic
def window_create(*, number: str, name_zh: str, name_en: str, department: str = "",
                  acting_user: User | None) -> Window:
    window = Window(number=number, name_zh=name_zh, name_en=name_en, department=department)
    window.full_clean()
    window.save()
    return window


def window_grant_operator(*, window: Window, user: User, acting_user: User | None) -> None:
    """Let `user` operate `window` (an object permission, kept in this centre's schema)."""
    assign_perm("windows.operate_window", user, window)


def heartbeat_record(*, now: datetime) -> CentreHeartbeat:
    CentreHeartbeat.objects.get_or_create(id=1)
    CentreHeartbeat.objects.filter(id=1).update(last_beat_at=now, beats=F("beats") + 1)
    return CentreHeartbeat.objects.get(id=1)
