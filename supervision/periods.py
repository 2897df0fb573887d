"""The months and days supervision counts in (local time, the settings' zone)."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import ApplicationError, ErrorCode


def month_start(value: str | dt.date) -> dt.date:
    """`2026-11` (or any date in it) → 2026-11-01."""
    if isinstance(value, str):
        try:
            year, month = (int(part) for part in value.split("-")[:2])
            return dt.date(year, month, 1)
        except ValueError as exc:
            raise ApplicationError(_("A month is written YYYY-MM."), ErrorCode.VALIDATION) from exc
    return value.replace(day=1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month of `month` as [its first midnight, the next month's first midnight)."""
    tz = timezone.get_current_timezone()
    start = dt.datetime(month.year, month.month, 1, tzinfo=tz)
    return start, dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=tz)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The day as [its midnight, the next midnight)."""
    start = dt.datetime(day.year, day.month, day.day, tzinfo=timezone.get_current_timezone())
    return start, start + dt.timedelta(days=1)
