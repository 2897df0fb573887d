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
from workcalendar.error_codes import CalendarErrorCode
from workcalendar.hooks import CalendarChanged, calendar_changed
from workcalendar.models import CentreClosure, ScheduleDay, ScheduleYear

logger = logging.getLogger(__name__)
SATURDAY = 5  # date.weekday()


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
                               % {"year": year, "dates": ", ".join(map(str, errors))}, CalendarErrorCode.INVALID_DAY)
    if not holidays and not workdays:
        raise ApplicationError(_("The schedule lists no days: nothing was entered. A year's schedule has at least "
                                 "its holidays; to withdraw a year's schedule, delete it."),
                               CalendarErrorCode.EMPTY_SCHEDULE)
    both = {d for d, _n in holidays} & {d for d, _n in workdays}
    if both:
        raise ApplicationError(_("A day cannot be both a holiday and a workday: %(dates)s.")
                               % {"dates": ", ".join(map(str, sorted(both)))}, CalendarErrorCode.INVALID_DAY)
    listed = [d for d, _n in holidays + workdays]
    twice = sorted({d for d in listed if listed.count(d) > 1})
    if twice:
        raise ApplicationError(_("A day is listed more than once: %(dates)s.")
                               % {"dates": ", ".join(map(str, twice))}, CalendarErrorCode.INVALID_DAY)
    weekdays = [d for d, _n in workdays if d.weekday() < SATURDAY]
    if weekdays:
        raise ApplicationError(
            _("A weekend workday (调休上班) is a Saturday or a Sunday made a working day; these are weekdays, "
              "working days anyway: %(dates)s.") % {"dates": ", ".join(map(str, weekdays))},
            CalendarErrorCode.INVALID_DAY)
    with transaction.atomic():
        before = WorkCalendar.for_centre(None)
        schedule, created = ScheduleYear.objects.update_or_create(year=year, defaults={"entered_by": acting_user})
        was = schedule_counts(schedule)
        schedule.days.all().delete()
        ScheduleDay.objects.bulk_create(
            [ScheduleDay(schedule=schedule, date=d, is_workday=False, name=n) for d, n in holidays]
            + [ScheduleDay(schedule=schedule, date=d, is_workday=True, name=n) for d, n in workdays])
        audit_record(kind=AuditKind.SCHEDULE_ENTERED, actor=acting_user, target_type=AuditTarget.SCHEDULE_YEAR,
                     target_id=year, target_label=str(year), before=None if created else was,
                     after={"holidays": len(holidays), "workdays": len(workdays)})
        schedule_changed(year=year, before=before)
    return schedule


def schedule_remove(*, schedule: ScheduleYear, acting_user: User | None) -> None:
    """Withdraw an entered schedule: the year falls back to `chinese-calendar`, or to weekends alone
    (then provisional); the cases counting across the days that change move."""
    with transaction.atomic():
        before = WorkCalendar.for_centre(None)
        locked = ScheduleYear.objects.select_for_update().get(pk=schedule.pk)
        audit_record(kind=AuditKind.SCHEDULE_REMOVED, actor=acting_user, target_type=AuditTarget.SCHEDULE_YEAR,
                     target_id=locked.year, target_label=str(locked.year),
                     before=schedule_counts(locked))
        year = locked.year
        locked.delete()
        schedule_changed(year=year, before=before, reason=f"撤销 {year} 年节假日安排")


def schedule_counts(schedule: ScheduleYear) -> dict[str, int]:
    """How many holidays and weekend workdays an entered schedule holds (what the audit log keeps)."""
    return {"holidays": schedule.days.filter(is_workday=False).count(),
            "workdays": schedule.days.filter(is_workday=True).count()}


def schedule_changed(*, year: int, before: WorkCalendar, reason: str = "") -> None:
    """Announce, after commit, the days of `year` that changed since `before` (the national calendar
    as it was). For every writer of a schedule (the service, the admin). `reason`, in Chinese, goes
    on the moved cases' events (default: the year's schedule entered)."""
    span = changed_span(before, WorkCalendar.for_centre(None), year)
    if span is not None:
        change = CalendarChanged(first_day=span[0], last_day=span[1], centre_id=None,
                                 reason=reason or f"录入 {year} 年节假日安排")
        transaction.on_commit(lambda: _announce(change))


def closure_add(*, centre: Centre, date: dt.date, reason: str, acting_user: User | None) -> CentreClosure:
    """Close a centre for a working day; its open cases whose count crosses that day move."""
    _require_reason(reason)
    with transaction.atomic():
        closure, created = CentreClosure.objects.get_or_create(centre=centre, date=date,
                                                               defaults={"reason": reason.strip()})
        if created:
            audit_record(kind=AuditKind.CLOSURE_SET, actor=acting_user, centre=centre, target_type=AuditTarget.CLOSURE,
                         target_id=closure.pk, target_label=str(date), after={"date": date, "reason": closure.reason})
            closure_changed(centre_id=centre.pk, days=[date])
    return closure


def closure_change(*, closure: CentreClosure, date: dt.date, reason: str, acting_user: User | None) -> CentreClosure:
    """Move a closure day or change its reason: the cases counting across the old day or the new one
    move. Refuses a day the centre is already closed on (`workcalendar_duplicate_day`)."""
    _require_reason(reason)
    with transaction.atomic():
        locked = CentreClosure.objects.select_for_update().select_related("centre").get(pk=closure.pk)
        was_day = locked.date
        before: dict[str, object] = {"date": locked.date, "reason": locked.reason}
        if date != locked.date and CentreClosure.objects.filter(centre_id=locked.centre_id, date=date).exists():
            raise ApplicationError(_("That day is already a closure day."), "workcalendar_duplicate_day",
                                   {"fields": {"date": [_("That day is already a closure day.")]}})
        locked.date, locked.reason = date, reason.strip()
        locked.save(update_fields=["date", "reason"])
        after = {"date": locked.date, "reason": locked.reason}
        if after != before:
            audit_record(kind=AuditKind.CLOSURE_CHANGED, actor=acting_user, centre=locked.centre,
                         target_type=AuditTarget.CLOSURE, target_id=locked.pk, target_label=str(date),
                         before={k: v for k, v in before.items() if after[k] != v},
                         after={k: v for k, v in after.items() if before[k] != v})
        if date != was_day:
            closure_changed(centre_id=locked.centre_id, days=[was_day, date])
    return locked


def closure_remove(*, closure: CentreClosure, acting_user: User | None) -> None:
    """Open a centre again on a closure day: the cases counting across it move back."""
    with transaction.atomic():
        locked = CentreClosure.objects.select_for_update().select_related("centre").get(pk=closure.pk)
        audit_record(kind=AuditKind.CLOSURE_REMOVED, actor=acting_user, centre=locked.centre,
                     target_type=AuditTarget.CLOSURE, target_id=locked.pk, target_label=str(locked.date),
                     before={"date": locked.date, "reason": locked.reason})
        closure_changed(centre_id=locked.centre_id, days=[locked.date])
        locked.delete()


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise ApplicationError(_("A reason is required."), "workcalendar_reason_required",
                               {"fields": {"reason": [_("This field is required.")]}})


def closure_changed(*, centre_id: int, days: list[dt.date]) -> None:
    """Announce, after commit, that a centre's working days changed on `days` (a closure set, moved or
    removed; for every writer of one)."""
    change = CalendarChanged(first_day=min(days), last_day=max(days), centre_id=centre_id,
                             reason="停止办公日调整 " + "、".join(str(d) for d in sorted(set(days))))
    transaction.on_commit(lambda: _announce(change))
