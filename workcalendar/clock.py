"""Count working days (工作日) the way deadlines are counted.

A day is a working day by, in order: the administrator's schedule for its year (if entered), else
the `chinese-calendar` package (the State Council's announced schedules, weekend workdays 调休
included), else the weekend rule alone — and then such a day is *provisional*. A centre's closure
days are never working days for that centre.

Conventions: the day of acceptance is day 0; a limit of N working days falls due on the N-th
working day after it. Working days paused between two dates are the working days in (start, end].
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import chinese_calendar
from django.db import connection

from workcalendar.models import CentreClosure, ScheduleDay, ScheduleYear

MAX_DAYS = 3 * 366  # a limit longer than three years is an input error, not a deadline


@dataclass(frozen=True)
class Due:
    date: dt.date
    provisional: bool


@dataclass
class WorkCalendar:
    """A calendar loaded for one computation — every entered schedule and one centre's closures — in
    one query (schedules are a few dozen rows a year)."""

    centre_id: int | None = None
    _entered: dict[int, dict[dt.date, bool]] = field(default_factory=dict)
    _closures: set[dt.date] = field(default_factory=set)

    @classmethod
    def for_centre(cls, centre_id: int | None) -> WorkCalendar:
        calendar = cls(centre_id=centre_id)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 0, date, false FROM {CentreClosure._meta.db_table} WHERE centre_id = %s "
                f"UNION ALL SELECT 1, make_date(year, 1, 1), false FROM {ScheduleYear._meta.db_table} "
                f"UNION ALL SELECT 2, d.date, d.is_workday FROM {ScheduleDay._meta.db_table} d",
                [centre_id])
            for kind, day, is_workday in cursor.fetchall():
                if kind == 0:
                    calendar._closures.add(day)
                elif kind == 1:
                    calendar._entered.setdefault(day.year, {})
                else:
                    calendar._entered.setdefault(day.year, {})[day] = is_workday
        return calendar

    def kind(self, day: dt.date) -> tuple[bool, bool]:
        """(is a working day, known from a schedule rather than guessed from weekends)."""
        if day in self._closures:
            return False, True
        entered = self._entered.get(day.year)
        if entered is not None:
            return entered.get(day, day.weekday() < 5), True
        try:
            return chinese_calendar.is_workday(day), True
        except NotImplementedError:
            return day.weekday() < 5, False

    def add_workdays(self, start: dt.date, days: int) -> Due:
        """The `days`-th working day after `start` (start itself when 0)."""
        if days < 0:
            raise ValueError("a number of working days is 0 or more")
        provisional = False
        current, counted = start, 0
        for _ in range(MAX_DAYS):
            if counted == days:
                return Due(current, provisional)
            current += dt.timedelta(days=1)
            is_workday, known = self.kind(current)
            if is_workday:
                counted += 1
                provisional = provisional or not known
        raise ValueError("a limit longer than three years")

    def workdays_between(self, start: dt.date, end: dt.date) -> tuple[int, bool]:
        """Working days in (start, end], and whether any was guessed."""
        count, provisional, current = 0, False, start
        while current < end:
            current += dt.timedelta(days=1)
            is_workday, known = self.kind(current)
            count += int(is_workday)
            provisional = provisional or not known
        return count, provisional


def due_dates(*, calendar: WorkCalendar, accepted_on: dt.date, promised_days: int, legal_days: int,
              paused_workdays: int = 0) -> tuple[Due, Due]:
    """The promised and the legal due date of a case: its limits (working days) counted from acceptance
    (day 0) on its centre's `calendar`, moved by the working days its clock was paused. Each says on its
    own whether it was counted on guessed days. The one rule for every due date the platform keeps."""
    return (calendar.add_workdays(accepted_on, promised_days + paused_workdays),
            calendar.add_workdays(accepted_on, legal_days + paused_workdays))
