"""Reads of the dashboards room: what the figures count, on known sets of registry rows and warnings."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from supervision.dashboards import selectors as dashboards
from supervision.warnings.models import DeadlineWarning
from tests.supervision.dashboards.conftest import at, entry

pytestmark = pytest.mark.django_db


def test_the_on_time_rate_of_a_known_set(nanyuanmen, item):
    """Five decided cases in March 2021 at one centre: three on time (one decided on its due date),
    one decided late, one collected after its due date (late: the last event counts)."""
    d = dt.date
    due = d(2021, 3, 20)
    entry(nanyuanmen, "T-1", status="approved", submitted=d(2021, 3, 1), promised_due=due, last_event=d(2021, 3, 10))
    entry(nanyuanmen, "T-2", status="denied", submitted=d(2021, 3, 2), promised_due=due, last_event=due)
    entry(nanyuanmen, "T-3", status="collected", submitted=d(2021, 3, 3), promised_due=due, last_event=d(2021, 3, 19))
    entry(nanyuanmen, "T-4", status="result_ready", submitted=d(2021, 3, 4), promised_due=due,
          last_event=d(2021, 3, 21))
    entry(nanyuanmen, "T-5", status="collected", submitted=d(2021, 3, 5), promised_due=due, last_event=d(2021, 3, 25))
    # not decided: open, refused, withdrawn; and one outside the period
    entry(nanyuanmen, "T-6", status="under_review", submitted=d(2021, 3, 6), promised_due=due)
    entry(nanyuanmen, "T-7", status="refused", submitted=d(2021, 3, 7), promised_due=None)
    entry(nanyuanmen, "T-8", status="withdrawn", submitted=d(2021, 3, 8), promised_due=due)
    entry(nanyuanmen, "T-9", status="approved", submitted=d(2020, 11, 1), promised_due=d(2020, 11, 20),
          last_event=d(2020, 11, 2))
    scope = dashboards.scope_for(centre=nanyuanmen, period_days=90, today=d(2021, 3, 31))

    chart = dashboards.on_time(scope)
    assert chart.summary == {"decided": 5, "on_time": 3, "late": 2, "rate": 60.0}
    assert [(r["category"], r["decided"], r["on_time"], r["late"]) for r in chart.rows] == [("licence", 5, 3, 2)]

    days = dashboards.days_used(scope).rows[0]
    # used: 9, 18, 16, 17, 20 calendar days from acceptance (= submission here); promise allowed 19..15
    assert days["decided"] == 5
    assert days["avg_used"] == 16.0
    assert days["avg_promised_allowed"] == 17.0
    assert days["avg_legal_allowed"] == 31.0
    assert days["avg_promised_limit"] == 10.0 and days["avg_legal_limit"] == 20.0

    assert dashboards.volume_by_category(scope).summary["total"] == 8
    week = dashboards.volume_by_week(scope)
    assert sum(r["cases"] for r in week.rows) == 8
    assert week.rows[0]["week"].weekday() == 0 and week.rows[0]["week"] <= scope.start


def test_overdue_now_excludes_paused_decided_closed_and_not_yet_due(nanyuanmen, item):
    d = dt.date
    today, past = d(2021, 3, 31), d(2021, 3, 20)
    entry(nanyuanmen, "O-1", submitted=d(2021, 3, 1), promised_due=past)  # overdue by 11 days
    entry(nanyuanmen, "O-2", status="accepted", submitted=d(2021, 3, 2), promised_due=d(2021, 3, 30))  # by 1
    entry(nanyuanmen, "O-3", status="awaiting_supplement", submitted=d(2021, 3, 3), promised_due=past, paused=True)
    entry(nanyuanmen, "O-4", status="approved", submitted=d(2021, 3, 4), promised_due=past,
          last_event=d(2021, 3, 25))  # decided late but its clock has stopped
    entry(nanyuanmen, "O-5", status="collected", submitted=d(2021, 3, 5), promised_due=past)
    entry(nanyuanmen, "O-6", submitted=d(2021, 3, 6), promised_due=today)  # due today: not yet overdue
    scope = dashboards.scope_for(centre=nanyuanmen, period_days=30, today=today)

    listed = dashboards.overdue_list(scope)
    assert [(r["number"], r["days_overdue"]) for r in listed.rows] == [("O-1", 11), ("O-2", 1)]
    assert listed.rows[0]["centre"] == "Nanyuanmen Subdistrict" and listed.rows[0]["department"] == "Market Regulation"
    breakdown = dashboards.overdue_breakdown(scope)
    assert breakdown.summary["total"] == 2 and breakdown.rows[0]["code"] == "SC"


def test_items_outside_the_catalogue_count_as_other_and_channels_keep_their_order(nanyuanmen, item):
    d = dt.date
    entry(nanyuanmen, "C-1", submitted=d(2021, 3, 1), promised_due=None, channel="online")
    entry(nanyuanmen, "C-2", submitted=d(2021, 3, 2), promised_due=None, item_code="LOCAL-0001", channel="proxy")
    entry(nanyuanmen, "C-3", submitted=d(2021, 3, 3), promised_due=None)
    scope = dashboards.scope_for(centre=nanyuanmen, period_days=90, today=d(2021, 3, 31))
    assert [(r["category"], r["cases"]) for r in dashboards.volume_by_category(scope).rows] == [
        ("licence", 2), ("other", 1)]
    assert [(r["channel"], r["cases"]) for r in dashboards.volume_by_channel(scope).rows] == [
        ("window", 1), ("online", 1), ("proxy", 1)]


def test_warnings_by_level_count_the_periods_warnings(nanyuanmen, beilin):
    d = dt.date
    fired = [(nanyuanmen, "yellow", d(2021, 3, 10)), (nanyuanmen, "red", d(2021, 3, 12)),
             (nanyuanmen, "red", d(2021, 3, 13)), (nanyuanmen, "red", d(2021, 1, 1)), (beilin, "black", d(2021, 3, 14))]
    for i, (centre, level, day) in enumerate(fired):
        DeadlineWarning.objects.create(centre=centre, case_id=uuid.uuid4(), case_number=f"W-{i}",
                                       item_name_zh="事项", level=level, due_date=day, fired_at=at(day))
    scope = dashboards.scope_for(centre=nanyuanmen, period_days=30, today=d(2021, 3, 31))
    chart = dashboards.warnings_by_level(scope)
    assert [(r["level"], r["warnings"]) for r in chart.rows] == [("yellow", 1), ("red", 2), ("black", 0)]


def test_the_city_page_reads_the_rows_after_the_roll_up_once(beilin, yanta, item, today):
    """Every period chart of the page (cases by week, category and channel, on time, days used, centres) is
    added up from one live read of today's registry rows, not one read each; the figures are the same as
    each chart read on its own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    entry(beilin, "610103-LIVE-0001", status="approved", submitted=today, promised_due=today, last_event=today)
    entry(yanta, "610113-LIVE-0001", submitted=today, promised_due=today + dt.timedelta(days=5), channel="online")
    scope = dashboards.scope_for(centre=None, period_days=7, today=today)
    with CaptureQueriesContext(connection) as queries:
        page = dashboards.dashboard(scope)
    live_reads = [q["sql"] for q in queries if "r.submitted_at >=" in q["sql"]]
    assert len(live_reads) == 1
    assert page["channel"].summary["total"] == 2
    assert {r["code"]: r["cases"] for r in page["centres"].rows} == {"610103": 1, "610113": 1}
    assert page["on_time"].summary == dashboards.on_time(scope).summary == {
        "decided": 1, "on_time": 1, "late": 0, "rate": 100.0}
    assert page["week"].rows == dashboards.volume_by_week(scope).rows
