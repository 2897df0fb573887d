"""Due dates after a calendar change: the registry finds, across every centre, the open cases whose
count of working days crosses the changed days, and has each centre recompute them through the
cases' door (`cases.door.due_dates_recompute`: a revision, an event, the registry row, a joint case's
due date). Queued on the calendar's hook after its change commits; runs in a Celery worker."""
from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from celery import shared_task
from django.db.models import F
from django.db.models.functions import Greatest

from cases import door
from cases.choices import CLOCK_PAUSED, CLOCK_RUNNING
from registry.models import RegistryEntry
from tenants.models import Centre
from workcalendar.hooks import CalendarChanged, calendar_changed

logger = logging.getLogger(__name__)


def affected_cases(*, first_day: dt.date, last_day: dt.date, centre_id: int | None) -> dict[int, list]:
    """Cases (by centre) whose clock runs or is paused and whose count runs across [first_day,
    last_day]: accepted before the last changed day, due on or after the first. One query over the
    registry."""
    rows = (RegistryEntry.objects.filter(is_open=True, status__in=CLOCK_RUNNING | CLOCK_PAUSED,
                                         accepted_on__lt=last_day)
            .alias(latest_due=Greatest(F("promised_due"), F("legal_due"))).filter(latest_due__gte=first_day))
    if centre_id is not None:
        rows = rows.filter(centre_id=centre_id)
    by_centre: dict[int, list] = defaultdict(list)
    for case_id, centre in rows.values_list("case_id", "centre_id"):
        by_centre[centre].append(case_id)
    return by_centre


def due_dates_recompute(*, first_day: dt.date, last_day: dt.date, centre_id: int | None, reason: str) -> int:
    """Recompute the due dates of every case the change can move; returns how many moved. Each
    centre's cases in one transaction of their own (a centre that fails does not hold the others)."""
    by_centre = affected_cases(first_day=first_day, last_day=last_day, centre_id=centre_id)
    moved = 0
    for centre in Centre.objects.filter(pk__in=by_centre).order_by("pk"):
        moved += door.due_dates_recompute(centre=centre, case_ids=by_centre[centre.pk], reason=reason)
    logger.info("calendar change %s..%s: %d of %d cases moved", first_day, last_day, moved,
                sum(map(len, by_centre.values())))
    return moved


@shared_task(name="registry.recompute_due_dates")
def recompute_due_dates_task(first_day: str, last_day: str, centre_id: int | None, reason: str) -> int:
    return due_dates_recompute(first_day=dt.date.fromisoformat(first_day), last_day=dt.date.fromisoformat(last_day),
                               centre_id=centre_id, reason=reason)


def on_calendar_changed(change: CalendarChanged) -> None:
    recompute_due_dates_task.delay(change.first_day.isoformat(), change.last_day.isoformat(), change.centre_id,
                                   change.reason)


def connect() -> None:
    calendar_changed.connect(on_calendar_changed)
