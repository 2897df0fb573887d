"""A hall whose rows are committed (other connections must see them: the stream's listener, a live server)
and removed afterwards: windows with numbers no other test uses, one queue, an administrator who may call."""
from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django_tenants.utils import tenant_context


@dataclass
class CommittedHall:
    centre: object
    queue: object
    windows: list
    admin: object


@contextlib.contextmanager
def committed_hall(centre, *, letter: str, window_numbers: tuple[str, ...]) -> Iterator[CommittedHall]:
    """Run with the database unblocked and no transaction open (everything here commits)."""
    from hall.models import HallEvent, Queue, Ticket, TicketDay
    from hall.services import queue_save
    from registry.models import HallVisit
    from tenants.choices import Role
    from tenants.models import Membership, User
    from tenants.services import membership_grant, user_get_or_create
    from windows.models import Window

    connection.set_schema_to_public()
    admin = user_get_or_create(username=f"hall-{secrets.token_hex(4)}", password=None)
    membership_grant(user=admin, centre=centre, role=Role.CENTRE_ADMIN, acting_user=None)
    with tenant_context(centre):
        windows = [Window.objects.create(number=n, name_zh=f"{n}号窗口", name_en=f"Window {n}") for n in window_numbers]
        queue = queue_save(letter=letter, name_zh="测试队列", name_en="Test queue", window_ids=[w.pk for w in windows])
    try:
        yield CommittedHall(centre=centre, queue=queue, windows=windows, admin=admin)
    finally:
        with tenant_context(centre):
            tickets = list(Ticket.objects.filter(queue=queue).values_list("pk", flat=True))
            HallEvent.objects.filter(ticket_id__in=tickets).delete()
            Ticket.objects.filter(pk__in=tickets).delete()
            TicketDay.objects.filter(queue=queue).delete()
            Queue.objects.filter(pk=queue.pk).delete()
            Window.objects.filter(pk__in=[w.pk for w in windows]).delete()
        connection.set_schema_to_public()
        HallVisit.objects.filter(ticket_id__in=tickets).delete()
        Membership.objects.filter(user=admin).delete()
        User.objects.filter(pk=admin.pk)._raw_delete(User.objects.db)


def free_letter() -> str:
    """A two-letter queue code no queue of the current schema uses (browser tests share the session's centres)."""
    import string

    from hall.models import Queue

    used = set(Queue.objects.values_list("letter", flat=True))
    return next(a + b for a in "XYZW" for b in string.ascii_uppercase if a + b not in used)


def today_a_working_day(centre) -> dict | None:
    """Make today (the centre's date at the real clock) a working day when it is not: what to undo for
    `undo_working_day`, or None when today already is one. For browser tests, which run at the real time."""
    from django.utils import timezone

    from workcalendar.clock import WorkCalendar

    today = timezone.localdate()
    if WorkCalendar.for_centre(centre.pk).kind(today)[0]:
        return None
    return _make_today_a_working_day(today)


def _make_today_a_working_day(today) -> dict:
    """Today as a working day in the calendar of every centre (the national schedule: browser tests share
    the session's database): what to undo. An entered year keeps its days; a year not entered yet is
    entered as the `chinese-calendar` package has it, plus today."""
    import datetime as dt

    import chinese_calendar

    from workcalendar.models import ScheduleDay, ScheduleYear

    undo: dict = {"year": None, "day": None, "was": None}
    schedule = ScheduleYear.objects.filter(year=today.year).first()
    if schedule is None:
        schedule = ScheduleYear.objects.create(year=today.year)
        undo["year"] = schedule.pk
        day, days = dt.date(today.year, 1, 1), []
        while day.year == today.year:
            try:
                national = chinese_calendar.is_workday(day)
            except NotImplementedError:
                national = day.weekday() < 5
            if national != (day.weekday() < 5) and day != today:
                days.append(ScheduleDay(schedule=schedule, date=day, is_workday=national))
            day += dt.timedelta(days=1)
        ScheduleDay.objects.bulk_create(days)
    existing = ScheduleDay.objects.filter(date=today).first()
    if existing is not None:
        undo["was"] = (existing.pk, existing.is_workday, existing.name)
        ScheduleDay.objects.filter(pk=existing.pk).update(is_workday=True)
    elif today.weekday() >= 5:
        undo["day"] = ScheduleDay.objects.create(schedule=schedule, date=today, is_workday=True, name="test").pk
    return undo


def undo_working_day(undo: dict | None) -> None:
    """Put back what `today_a_working_day` changed (nothing for None)."""
    from workcalendar.models import ScheduleDay, ScheduleYear

    if undo is None:
        return
    if undo["was"] is not None:
        pk, is_workday, name = undo["was"]
        ScheduleDay.objects.filter(pk=pk).update(is_workday=is_workday, name=name)
    if undo["day"] is not None:
        ScheduleDay.objects.filter(pk=undo["day"]).delete()
    if undo["year"] is not None:
        ScheduleYear.objects.filter(pk=undo["year"]).delete()
