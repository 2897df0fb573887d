"""Enter a year's holiday schedule or a centre's closure day. After the change commits the calendar
announces which days changed (`workcalendar.hooks.calendar_changed`): every open case whose count of
working days crosses one of them is recomputed (the registry listens and goes through the cases' door)."""
from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils.translation import gettext as _

from common.errors import ApplicationError
from tenants.audit import audit_record
from tenants.choices import AuditKind, AuditTarget
from tenants.models import Centre, User
from workcalendar.clock import WorkCalendar
from workcalendar.hooks import CalendarChanged, calendar_changed
from workcalendar.models import CentreClosure, ScheduleDay, ScheduleYear

logger = logging.getLogger(__name__)


def _year_days(year: int) -> list[dt.date]:
    first = dt.date(year, 1, 1)
    return [first + dt.timedelta(days=n) for n in range((dt.date(year + 1, 1, 1) - first).days)]


def changed_span(before: WorkCalendar, after: WorkCalendar, year: int) -> tuple[dt.date, dt.date] | None:
    """The first and last day of `year` whose kind differs between two calendars: a working day that
    became a holiday or the reverse, or a day that was guessed from weekends and is now known (its
    due dates stop being provisional). None when nothing changed."""
    changed = [day for day in _year_days(year) if before.kind(day) != after.kind(day)]
    return (changed[0], changed[-1]) if changed else None


def _announce(change: CalendarChanged) -> None:
    logger.info("calendar changed %s..%s (centre %s): %s", change.first_day, change.last_day,
                change.centre_id or "all", change.reason)
    calendar_changed.send(change)


def schedule_enter(*, year: int, holidays: list[tuple[dt.date, str]], workdays: list[tuple[dt.date, str]],
                   acting_user: User | None) -> ScheduleYear:
    """Enter (or correct) the State Council schedule of `year`: holidays on weekdays and weekend
    workdays (调休). After commit, the days whose kind changed are announced (a correction announces
    only what it corrected), and the due dates counting across them are recomputed."""
    errors = [day for day, _name in holidays + workdays if day.year != year]
    if errors:
        raise ApplicationError(_("Every date must be in %(year)d: %(dates)s.")
                               % {"year": year, "dates": ", ".join(map(str, errors))}, "workcalendar_invalid_day")
    both = {d for d, _n in holidays} & {d for d, _n in workdays}
    if both:
        raise ApplicationError(_("A day cannot be both a holiday and a workday: %(dates)s.")
                               % {"dates": ", ".join(map(str, sorted(both)))}, "workcalendar_invalid_day")
    with transaction.atomic():
        before = WorkCalendar.for_centre(None)
        schedule, created = ScheduleYear.objects.update_or_create(year=year, defaults={"entered_by": acting_user})
        was = {"holidays": schedule.days.filter(is_workday=False).count(),
               "workdays": schedule.days.filter(is_workday=True).count()}
        schedule.days.all().delete()
        ScheduleDay.objects.bulk_create(
            [ScheduleDay(schedule=schedule, date=d, is_workday=False, name=n) for d, n in holidays]
            + [ScheduleDay(schedule=schedule, date=d, is_workday=True, name=n) for d, n in workdays])
        audit_record(kind=AuditKind.SCHEDULE_ENTERED, actor=acting_user, target_type=AuditTarget.SCHEDULE_YEAR,
                     target_id=year, target_label=str(year), before=None if created else was,
                     after={"holidays": len(holidays), "workdays": len(workdays)})
        schedule_changed(year=year, before=before)
    return schedule


def schedule_changed(*, year: int, before: WorkCalendar) -> None:
    """Announce, after commit, the days of `year` that changed since `before` (the national calendar
    as it was). For every writer of a schedule (the service, the admin)."""
    span = changed_span(before, WorkCalendar.for_centre(None), year)
    if span is not None:
        change = CalendarChanged(first_day=span[0], last_day=span[1], centre_id=None,
                                 reason=_("holiday schedule %(year)d entered") % {"year": year})
        transaction.on_commit(lambda: _announce(change))


def closure_add(*, centre: Centre, date: dt.date, reason: str, acting_user: User | None) -> CentreClosure:
    """Close a centre for a working day; its open cases whose count crosses that day move."""
    if not reason.strip():
        raise ApplicationError(_("A reason is required."), "workcalendar_reason_required",
                               {"fields": {"reason": [_("This field is required.")]}})
    with transaction.atomic():
        closure, created = CentreClosure.objects.get_or_create(centre=centre, date=date,
                                                               defaults={"reason": reason.strip()})
        if created:
            audit_record(kind=AuditKind.CLOSURE_SET, actor=acting_user, centre=centre, target_type=AuditTarget.CLOSURE,
                         target_id=closure.pk, target_label=str(date), after={"date": date, "reason": closure.reason})
            closure_changed(closure=closure)
    return closure


def closure_changed(*, closure: CentreClosure) -> None:
    """Announce, after commit, a centre's closure day (for every writer of one: the service, the admin)."""
    change = CalendarChanged(first_day=closure.date, last_day=closure.date, centre_id=closure.centre_id,
                             reason=_("closure day %(date)s") % {"date": closure.date})
    transaction.on_commit(lambda: _announce(change))
