"""Which day the demo halls play, and the demo devices' keys (the whole demo's halls are checked in
test_demo_tells_the_seeds_story.py)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("now", "day", "until"), [
    (dt.datetime(2026, 12, 1, 14, 5, tzinfo=SHANGHAI), dt.date(2026, 12, 1), dt.time(14, 5)),  # Tuesday afternoon
    (dt.datetime(2026, 12, 1, 21, 0, tzinfo=SHANGHAI), dt.date(2026, 12, 1), dt.time(16, 59)),  # after closing
    (dt.datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI), dt.date(2026, 11, 30), dt.time(11, 45)),  # before opening
    (dt.datetime(2026, 12, 5, 10, 0, tzinfo=SHANGHAI), dt.date(2026, 12, 4), dt.time(11, 45)),  # a Saturday
    (dt.datetime(2026, 12, 7, 9, 40, tzinfo=SHANGHAI), dt.date(2026, 12, 4), dt.time(11, 45)),  # Monday, just opened
])
def test_the_demo_plays_today_once_the_hall_has_been_open_a_while_else_the_last_working_morning(city, now, day,
                                                                                                until):
    from django.utils import timezone

    from demo.hall import demo_day

    played, stops = demo_day(city, now)

    assert played == day and timezone.localtime(stops).time().replace(second=0, microsecond=0) == until


def test_the_demo_devices_keys_are_the_same_on_every_run_and_differ_between_devices():
    from demo.hall import hall_devices

    city, again, beilin = hall_devices("xian"), hall_devices("xian"), hall_devices("beilin")

    assert [d.key for d in city] == [d.key for d in again]
    keys = [d.key for d in city + beilin]
    assert len(set(keys)) == len(keys) and all(len(k) >= 24 for k in keys)
    assert {d.kind for d in city} == {"kiosk", "screen", "pad"}
