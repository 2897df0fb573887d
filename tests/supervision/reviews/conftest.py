"""The reviews room's test data: registry rows (a decided case by default) and times at noon in Xi'an."""
from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from registry.hashing import lookup_hmac
from registry.models import RegistryEntry

SHANGHAI = ZoneInfo("Asia/Shanghai")


def noon(year, month, day) -> dt.datetime:
    return dt.datetime(year, month, day, 12, tzinfo=SHANGHAI)


_counter = {"n": 0}


def entry(centre, *, status="approved", item_code="610100SC-XK-0001", department="SC", factor="1234"):
    _counter["n"] += 1
    number = f"T{centre.division_code}{_counter['n']:06d}"
    return RegistryEntry.objects.create(
        centre=centre, case_id=uuid.uuid4(), number=number, item_code=item_code, item_name_zh="食品经营许可",
        item_name_en="Food business licence", department_code=department, channel="window", status=status,
        submitted_at=noon(2026, 9, 1), last_event_at=noon(2026, 9, 1), applicant_hmac="x" * 64,
        lookup_hmacs=[lookup_hmac(number, factor)], is_open=status not in ("collected",))


def online(level, **more):
    return {"overall": level, "efficiency": level, **more}
