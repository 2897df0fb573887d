"""The sampling room's test data: registry rows closed in a month (and some not), at 10:00 local time."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from registry.models import RegistryEntry

TZ = timezone.get_current_timezone()


def at(y, m, d, h=10):
    return dt.datetime(y, m, d, h, tzinfo=TZ)


def entry(centre, n: int, *, closed_at: dt.datetime | None, status: str = "collected") -> RegistryEntry:
    """A registry row: submitted and accepted 10 days before it closed (or still open when `closed_at` is None)."""
    closed = closed_at or at(2026, 11, 15)
    submitted = closed - dt.timedelta(days=10)
    history = [{"status": "submitted", "at": submitted.isoformat()},
               {"status": "accepted", "at": submitted.isoformat()},
               {"status": "approved", "at": (closed - dt.timedelta(days=2)).isoformat()},
               {"status": status, "at": closed.isoformat()}]
    return RegistryEntry.objects.create(
        centre=centre, case_id=uuid.uuid4(), number=f"{centre.division_code}-{n:05d}",
        item_code="610100SC-XK-0001", item_name_zh="食品经营许可", item_name_en="Food business licence",
        department_code="SC", channel="window", status=status if closed_at else "under_review",
        submitted_at=submitted, accepted_on=submitted.date(), is_open=closed_at is None,
        last_event_at=closed, applicant_hmac="x" * 64, history=history)


@pytest.fixture
def november(beilin, yanta):
    """Beilin: 30 cases closed in November, 3 closed in October, 4 still open; Yanta: 5 closed in November."""
    closed = [entry(beilin, i, closed_at=at(2026, 11, 1 + i % 28)) for i in range(30)]
    for i in range(3):
        entry(beilin, 100 + i, closed_at=at(2026, 10, 20))
    for i in range(4):
        entry(beilin, 200 + i, closed_at=None)
    yanta_closed = [entry(yanta, i, closed_at=at(2026, 11, 3)) for i in range(5)]
    return {"beilin": closed, "yanta": yanta_closed}
