"""The dashboards' daily roll-up (监察看板日汇总): every period chart shows the same numbers from the roll-up
as from a GROUP BY over every registry row, and a decision on an earlier day's case reaches that day's
figures at the next run."""
from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app
from registry.models import RegistryEntry
from supervision.dashboards import rollup
from supervision.dashboards import selectors as dashboards
from supervision.dashboards.models import DashboardDay, DashboardRollupRun
from tests.supervision.dashboards.conftest import TZ, entry

pytestmark = pytest.mark.django_db

D1, D2, D3, D4 = (dt.date(2021, 3, 1) + dt.timedelta(days=i) for i in range(4))
PERIOD_CHARTS = ("category", "channel", "week", "on_time", "days", "centres")
OTHER_ITEM = "610100QT-QT-9999"  # not in the catalogue: the "other" category


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def run(day: dt.date, **kwargs) -> rollup.RollupResult:
    """The beat's run at 00:20 on `day`."""
    return rollup.dashboard_rollup(now=at(day, 0, 20), **kwargs)


def figures(scope: dashboards.Scope) -> dict:
    out = {}
    for name in PERIOD_CHARTS:
        chart = dashboards.chart(name, scope)
        if chart is not None:
            out[name] = (chart.rows, chart.summary)
    return out


def direct(scope: dashboards.Scope) -> dict:
    """The same charts with no roll-up: every row of the period read from the registry."""
    return figures(dataclasses.replace(scope, rolled_through=None))


def scopes(centres, today: dt.date):
    for centre in [None, *centres]:
        for period in (1, 2, 3, 7, 30, 90):
            yield dashboards.scope_for(centre=centre, period_days=period, today=today)


@pytest.fixture
def days_of_cases(beilin, yanta, item):
    """Four days of cases at Beilin and Yanta: decided on time and late, open, refused, withdrawn, one
    with no promised date, one of an item outside the catalogue, two near local midnight; the case
    "610103-R-A" submitted on day 1, still under review."""
    e = entry
    e(beilin, "610103-R-A", submitted=D1, promised_due=D1 + dt.timedelta(days=3))
    e(beilin, "610103-R-B", status="approved", submitted=D1, promised_due=D2, last_event=D2)
    e(beilin, "610103-R-C", status="collected", submitted=D1, promised_due=D1, last_event=D2, channel="online")
    e(beilin, "610103-R-D", status="refused", submitted=D1, promised_due=None, channel="proxy")
    e(yanta, "610113-R-A", status="denied", submitted=D1, promised_due=D3, last_event=D1, item_code=OTHER_ITEM)
    e(yanta, "610113-R-B", status="withdrawn", submitted=D2, promised_due=D4)
    e(yanta, "610113-R-C", status="result_ready", submitted=D2, promised_due=D3, last_event=D2, channel="online")
    e(beilin, "610103-R-E", status="accepted", submitted=D2, promised_due=D4)
    e(beilin, "610103-R-F", status="approved", submitted=D3, promised_due=D4, last_event=D3, item_code=OTHER_ITEM)
    e(yanta, "610113-R-D", status="submitted", submitted=D3, promised_due=None, channel="joint")
    # at 23:50 and 00:10 local time: day 2 and day 3 (UTC: both on day 2)
    late = e(beilin, "610103-R-G", status="approved", submitted=D2, promised_due=D3, last_event=D3)
    early = e(yanta, "610113-R-E", submitted=D3, promised_due=D4)
    RegistryEntry.objects.filter(pk=late.pk).update(submitted_at=at(D2, 23, 50))
    RegistryEntry.objects.filter(pk=early.pk).update(submitted_at=at(D3, 0, 10), last_event_at=at(D3, 0, 10))
    return beilin, yanta


def test_every_period_chart_is_the_same_from_the_roll_up_as_from_the_registry(days_of_cases):
    beilin, yanta = days_of_cases
    result = run(D4)
    assert result.through == D3 and result.rebuild
    for scope in scopes((beilin, yanta), D4):
        assert scope.rolled_through == D3 and scope.live_from == D4
        assert figures(scope) == direct(scope), (scope.centre, scope.period_days)
    # and the numbers are the cases': 12 submitted, 6 decided (collected, denied, result ready, 3 approved)
    city = dashboards.scope_for(centre=None, period_days=7, today=D4)
    assert dashboards.volume_by_category(city).summary["total"] == 12
    assert dashboards.on_time(city).summary["decided"] == 6
    assert [(r["week"], r["cases"]) for r in dashboards.volume_by_week(city).rows] == [(dt.date(2021, 2, 22), 0),
                                                                                       (D1, 12)]


def test_today_is_read_live_beside_the_rolled_up_days(days_of_cases, beilin):
    run(D3)  # rolled up through day 2; day 3 is today, live
    scope = dashboards.scope_for(centre=None, period_days=7, today=D3)
    assert scope.live_from == D3
    assert figures(scope) == direct(scope)
    assert dashboards.volume_by_channel(scope).summary["total"] == 12
    # a case submitted today shows at once
    entry(beilin, "610103-R-H", submitted=D3, promised_due=D4, channel="proxy")
    assert dashboards.volume_by_channel(scope).summary["total"] == 13
    assert figures(scope) == direct(scope)


def test_a_case_decided_two_days_after_its_submission_changes_its_day_at_the_next_run(days_of_cases, beilin):
    """Case A, submitted on day 1, decided on day 3: the run on day 4 recomputes day 1."""
    run(D2)
    run(D3)
    scope = dashboards.scope_for(centre=beilin, period_days=7, today=D3)
    before = dashboards.on_time(scope).summary
    assert figures(scope) == direct(scope)

    RegistryEntry.objects.filter(number="610103-R-A").update(status="approved", is_open=True,
                                                             last_event_at=at(D3, 15))
    # until the next run, day 1 keeps the figures it had then
    assert dashboards.on_time(scope).summary == before
    assert figures(scope) != direct(scope)

    last = DashboardRollupRun.objects.order_by("-started_at", "-id").first()
    assert D1 in rollup.days_to_recompute(last=last, today=D4)
    result = run(D4)
    assert not result.rebuild and result.through == D3
    for scope in scopes((beilin,), D4):
        assert figures(scope) == direct(scope), (scope.centre, scope.period_days)
    after = dashboards.on_time(dashboards.scope_for(centre=beilin, period_days=7, today=D4)).summary
    # decided on day 3, due day 4: one more decided, on time
    assert (after["decided"], after["on_time"]) == (before["decided"] + 1, before["on_time"] + 1)


def test_a_run_recomputes_only_the_days_not_rolled_up_and_those_written_since(days_of_cases):
    run(D3)
    last = DashboardRollupRun.objects.get()
    # day 3 (not rolled up yet), and day 2: case G, submitted at 23:50 that day, approved on day 3
    assert rollup.days_to_recompute(last=last, today=D4) == [D2, D3]
    RegistryEntry.objects.filter(number="610103-R-A").update(last_event_at=at(D2, 23, 30))  # within the margin
    assert rollup.days_to_recompute(last=last, today=D4) == [D1, D2, D3]
    RegistryEntry.objects.filter(number="610103-R-A").update(last_event_at=at(D2, 23, 10))
    assert rollup.days_to_recompute(last=last, today=D4) == [D2, D3]


def test_a_rebuild_writes_what_the_runs_wrote(days_of_cases):
    def rows():
        return list(DashboardDay.objects.order_by("day", "grain", "centre_id", "item_code", "channel").values_list(
            "day", "grain", "centre_id", "item_code", "channel", "cases", "decided", "on_time", "days_decided",
            "days_used", "promised_allowed", "legal_allowed", "promised_limit", "legal_limit"))

    run(D2)
    run(D3)
    run(D4)
    incremental = rows()
    run(D4, rebuild=True)
    assert rows() == incremental
    assert DashboardRollupRun.objects.order_by("-started_at", "-id").first().rebuild


def test_the_roll_up_runs_once_a_day_in_public_and_the_registry_keeps_no_covering_index():
    scheduled = settings.CELERY_BEAT_SCHEDULE["supervision-dashboard-rollup"]
    assert (scheduled["task"], scheduled["tenant_schemas"]) == ("supervision.dashboard_rollup", ["public"])
    assert (scheduled["schedule"].hour, scheduled["schedule"].minute) == ({0}, {20})
    app.loader.import_default_modules()
    assert "supervision.dashboard_rollup" in app.tasks
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'registry_registryentry'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert "registry_dash_submitted" not in indexes
    assert {"registry_last_event", "registry_dash_running_due"} <= indexes


def test_the_task_reports_its_run(days_of_cases):
    from supervision.tasks import dashboard_rollup_task

    report = dashboard_rollup_task()
    assert report["rows"] > 0 and report["days"] >= 3
    assert DashboardRollupRun.objects.count() == 1


def test_the_command_rebuilds_the_roll_up(days_of_cases):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("dashboard_rollup", "--rebuild", stdout=out)
    assert out.getvalue().startswith("rebuilt: 3 days")
    scope = dashboards.scope_for(centre=None, period_days=90, today=D4)
    assert figures(scope) == direct(scope)


def test_the_same_figures_over_random_rows_of_ten_days(beilin, yanta, nanyuanmen, item):
    """600 rows drawn at random (seeded) over ten days: statuses, channels, items in and out of the
    catalogue, missing dates and limits, decisions up to ten days later, submissions around midnight."""
    import random

    rng = random.Random(17)
    first = dt.date(2021, 5, 3)
    statuses = ["submitted", "accepted", "awaiting_supplement", "supplemented", "under_review", "approved",
                "denied", "result_ready", "collected", "refused", "withdrawn"]
    rows = []
    for n in range(600):
        submitted = dt.datetime.combine(first + dt.timedelta(days=rng.randrange(10)), dt.time(rng.randrange(24),
                                        rng.randrange(60)), tzinfo=TZ)
        accepted = submitted.date() + dt.timedelta(days=rng.choice([0, 0, 1])) if rng.random() < 0.9 else None
        promised = accepted + dt.timedelta(days=rng.randrange(1, 8)) if accepted and rng.random() < 0.9 else None
        legal = accepted + dt.timedelta(days=rng.randrange(5, 15)) if accepted and rng.random() < 0.9 else None
        rows.append(RegistryEntry(
            centre=rng.choice([beilin, yanta, nanyuanmen]), case_id=uuid.uuid4(), number=f"RND-{n:04}",
            item_code=rng.choice(["610100SC-XK-0001", OTHER_ITEM, "610100JT-XK-0002"]), item_name_zh="事项",
            item_name_en="Item", channel=rng.choice(["window", "online", "proxy", "joint"]),
            status=rng.choice(statuses), submitted_at=submitted, accepted_on=accepted,
            promised_limit_days=rng.choice([None, 5, 10]), legal_limit_days=rng.choice([None, 20]),
            promised_due=promised, legal_due=legal,
            last_event_at=submitted + dt.timedelta(hours=rng.randrange(0, 240)), applicant_hmac="0" * 64))
    RegistryEntry.objects.bulk_create(rows)
    last_day = first + dt.timedelta(days=9)
    for day in (first + dt.timedelta(days=3), last_day, last_day + dt.timedelta(days=1)):
        run(day)
        for scope in scopes((beilin, yanta, nanyuanmen), day):
            assert figures(scope) == direct(scope), (day, scope.centre, scope.period_days)
    assert dashboards.volume_by_channel(dashboards.scope_for(centre=None, period_days=30,
                                                             today=last_day)).summary["total"] == 600
