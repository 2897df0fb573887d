"""The hall answers the calendar's hook: appointments on days that stopped being working days are moved
or cancelled (by a Celery task, after the change commits)."""
from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from hall import door
from workcalendar.hooks import CalendarChanged, calendar_changed


@shared_task(name="hall.appointments_reschedule")
def appointments_reschedule_task(first_day: str, last_day: str, centre_id: int | None, reason: str) -> list[int]:
    moved, cancelled = door.appointments_reschedule(
        first_day=dt.date.fromisoformat(first_day), last_day=dt.date.fromisoformat(last_day), centre_id=centre_id,
        reason=reason, now=timezone.now())
    return [moved, cancelled]


@calendar_changed.connect
def on_calendar_changed(change: CalendarChanged) -> None:
    appointments_reschedule_task.delay(change.first_day.isoformat(), change.last_day.isoformat(), change.centre_id,
                                       change.reason)
