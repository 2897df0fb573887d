"""The months and days supervision counts in (local time, the settings' zone)."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import ApplicationError, ErrorCode


def _countable(year: int) -> bool:
    """Whether a period in `year` and its neighbours (the day, month or year before and after, which
    the pages link to and the queries bound by) can be written as dates."""
    return dt.MINYEAR < year < dt.MAXYEAR


def month_start(value: str | dt.date) -> dt.date:
    """`2026-11` (or any date in it) → 2026-11-01. Raises ApplicationError (`validation`) for text that
    is not a month, or a year whose neighbours no date can hold."""
    if isinstance(value, str):
        try:
            year, month = (int(part) for part in value.split("-")[:2])
            if not _countable(year):
                raise ValueError(year)
            return dt.date(year, month, 1)
        except ValueError as exc:
            raise ApplicationError(_("A month is written YYYY-MM."), ErrorCode.VALIDATION) from exc
    return value.replace(day=1)


def day_or(value: str | None, default: dt.date) -> dt.date:
    """A day from a query string (`2026-11-30`), else `default` (none given, not a date, or at the
    ends of the calendar)."""
    try:
        day = dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default
    return day if _countable(day.year) else default


def year_or(value: str | None, default: int) -> int:
    """A year from a query string (`2026`), else `default` (none given, not a number, or at the ends
    of the calendar)."""
    try:
        year = int(value) if value else default
    except ValueError:
        return default
    return year if _countable(year) else default


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month of `month` as [its first midnight, the next month's first midnight)."""
    tz = timezone.get_current_timezone()
    start = dt.datetime(month.year, month.month, 1, tzinfo=tz)
    return start, dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=tz)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The day as [its midnight, the next midnight)."""
    start = dt.datetime(day.year, day.month, day.day, tzinfo=timezone.get_current_timezone())
    return start, start + dt.timedelta(days=1)
