"""The hall's test set-up: windows and queues at Beilin, on a working day inside opening hours."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import tenant_context

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: A Tuesday, a working day; 10:00 in the centre's time.
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
TOMORROW = dt.date(2026, 12, 2)


@pytest.fixture
def hall(beilin):
    """Beilin's hall: windows 1–3; queue A (windows 1, 2), queue B (window 3); in Beilin's schema."""
    from hall.services import queue_save
    from windows.models import Window

    with tenant_context(beilin):
        windows = [Window.objects.create(number=str(n), name_zh=f"{n}号窗口", name_en=f"Window {n}") for n in (1, 2, 3)]
        a = queue_save(letter="A", name_zh="市场监管", name_en="Market regulation",
                       window_ids=[windows[0].pk, windows[1].pk], daily_tickets=5, slot_capacity=2)
        b = queue_save(letter="B", name_zh="社保", name_en="Social security",
                       window_ids=[windows[2].pk])
        yield {"centre": beilin, "windows": windows, "A": a, "B": b}


@pytest.fixture
def clerk(hall, make_user):
    from tenants.choices import Role
    from windows.services import window_grant_operator

    user = make_user((hall["centre"], Role.WINDOW_CLERK))
    for window in hall["windows"]:
        window_grant_operator(centre=hall["centre"], window=window, user=user, acting_user=None)
    return user
