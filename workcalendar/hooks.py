"""What the working-day calendar announces when it changes (a typed hook, common.hooks): a year's
holiday schedule entered or corrected, a centre's closure day. Sent after the change commits; the
registry listens and has the due dates that count across the changed days recomputed."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from common.hooks import Hook


@dataclass(frozen=True)
class CalendarChanged:
    """Working days changed between `first_day` and `last_day` (inclusive): for every centre
    (`centre_id` None: a national schedule) or one centre (a closure). `reason` says what changed, for
    the moved cases' events; it is written in Chinese, as an event's note is kept as written."""

    first_day: dt.date
    last_day: dt.date
    centre_id: int | None
    reason: str


calendar_changed: Hook[CalendarChanged] = Hook("calendar_changed")
