"""The hall's figures (大厅) as a chief reads them on the dashboards and in the daily bulletin, and the
long-wait sweep: HallVisit rows (the public mirror) created directly, one per ticket."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.conf import settings
from django.utils import timezone

from notifications.models import OutboxMessage
from registry.models import HallVisit
from supervision.assessment.selectors import daily_bulletin
from supervision.dashboards import hall as figures
from supervision.dashboards import selectors as dashboards
from supervision.warnings.choices import HALL_LONG_WAIT
from supervision.warnings.services import hall_long_wait_sweep
from tenants.choices import Role
from tests.supervision.dashboards.conftest import URL, read_csv

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()
DAY = dt.date(2026, 11, 2)  # a Monday
NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ)
M = dt.timedelta(minutes=1)


def visit(centre, code: str, *, taken: dt.datetime, wait: int | None = None, service: int | None = None,
          status: str | None = None, window: str = "", clerk=None, day: dt.date | None = None) -> HallVisit:
    """A ticket taken at `taken`, called `wait` minutes later, served `service` minutes (then done)."""
    called = taken + wait * M if wait is not None else None
    started = called + M if called is not None and service is not None else None
    finished = started + service * M if started is not None else None
    if status is None:
        status = "done" if finished else "called" if called else "waiting"
    if status in ("no_show", "cancelled") and finished is None:
        finished = (called or taken) + 2 * M
    return HallVisit.objects.create(
        centre=centre, ticket_id=uuid.uuid4(), day=day or timezone.localtime(taken).date(), queue_letter=code[0],
        code=code, source="kiosk", status=status, taken_at=taken, called_at=called, started_at=started,
        finished_at=finished, window_number=window, clerk_id=clerk.pk if clerk else None)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


@pytest.fixture
def clerks(make_user, beilin):
    wang = make_user((beilin, Role.WINDOW_CLERK), username="hall-wang")
    wang.full_name = "王五"
    wang.save(update_fields=["full_name"])
    li = make_user((beilin, Role.WINDOW_CLERK), username="hall-li")
    li.full_name, li.full_name_en = "李四", "Li Si"
    li.save(update_fields=["full_name", "full_name_en"])
    return wang, li


@pytest.fixture
def day_of_beilin(beilin, yanta, clerks):
    """Beilin on DAY: queue A at window 1 (王五): waits 5, 10, 15, 20 min, service 6, 8, 10, 12; queue B at
    window 2 (李四): a 40-minute wait served in 10, a 35-minute wait that did not come, a cancellation after
    50 minutes; two still waiting at 10:00 (one for 40 minutes, one for 10). Yanta: one ticket."""
    wang, li = clerks
    for i, (wait, service) in enumerate([(5, 6), (10, 8), (15, 10), (20, 12)]):
        visit(beilin, f"A00{i + 1}", taken=at(9, 10 * i), wait=wait, service=service, window="1", clerk=wang)
    visit(beilin, "B001", taken=at(8, 30), wait=40, service=10, window="2", clerk=li)
    visit(beilin, "B002", taken=at(8, 40), wait=35, status="no_show", window="2", clerk=li)
    cancelled = visit(beilin, "B003", taken=at(8, 50), status="cancelled")
    HallVisit.objects.filter(pk=cancelled.pk).update(finished_at=at(9, 40))
    visit(beilin, "B004", taken=at(9, 20))
    visit(beilin, "A005", taken=at(9, 50))
    visit(yanta, "A001", taken=at(9, 0), wait=90, service=30, window="1")


# --- the figures -------------------------------------------------------------------------------------

def test_a_centres_hall_in_one_query_per_queue_window_clerk_and_hour(beilin, day_of_beilin, django_assert_num_queries):
    with django_assert_num_queries(1):
        hall = figures.centre_figures(centre=beilin, start=DAY - dt.timedelta(days=6), end=DAY + dt.timedelta(days=1),
                                      today=DAY, now=NOW)

    s = hall.summary
    assert s["tickets"] == 9 and s["called"] == 6 and s["served"] == 5 and s["no_shows"] == 1
    assert s["wait_mean"] == 20.8  # (5 + 10 + 15 + 20 + 40 + 35) / 6
    assert s["wait_p90"] == 37.5  # percentile_cont(0.9) of 5, 10, 15, 20, 35, 40: 35 + 0.5 × 5
    assert s["service_mean"] == 9.2 and s["service_p90"] == 11.2  # 6, 8, 10, 10, 12
    assert s["no_show_rate"] == 16.7  # 1 of 6 called
    assert s["long_waits"] == 4  # B001 (40), B002 (35), B003 (cancelled after 50), B004 (40 so far)
    assert s["waiting_long"] == 1 and s["flagged"] == 0

    queues = {r["queue"]: r for r in hall.charts["hall_queue"].rows}
    assert (queues["A"]["tickets"], queues["A"]["wait_mean"], queues["A"]["wait_p90"]) == (5, 12.5, 18.5)
    assert (queues["B"]["tickets"], queues["B"]["wait_mean"], queues["B"]["no_show_rate"]) == (4, 37.5, 50.0)

    windows = {r["window"]: r for r in hall.charts["hall_window"].rows}
    assert list(windows) == ["1", "2"]  # the tickets not yet called have no window and no line
    assert (windows["1"]["service_mean"], windows["1"]["service_p90"]) == (9.0, 11.4)
    assert (windows["2"]["wait_mean"], windows["2"]["no_show_rate"]) == (37.5, 50.0)

    clerks = {r["clerk"]: r for r in hall.charts["hall_clerk"].rows}
    assert set(clerks) == {"王五", "Li Si"}  # display names: English where the clerk has one (tests read English)
    assert (clerks["王五"]["tickets"], clerks["王五"]["wait_mean"]) == (4, 12.5)
    assert clerks["Li Si"]["no_shows"] == 1

    hours = {r["label"]: (r["tickets"], r["wait_mean"]) for r in hall.charts["hall_hour"].rows}
    assert hours == {"08:00": (3, 37.5), "09:00": (6, 12.5)}

    days = hall.charts["hall_day"].rows
    assert len(days) == 7 and days[-1]["day"] == DAY and days[-1]["tickets"] == 9
    assert sum(r["tickets"] for r in days) == 9

    assert [(t.code, t.minutes, t.flagged_at) for t in hall.waiting] == [("B004", 40, None)]


def test_the_citys_hall_a_line_per_centre_in_one_query(beilin, yanta, day_of_beilin, django_assert_num_queries):
    with django_assert_num_queries(1):
        hall = figures.centres_figures(start=DAY, end=DAY + dt.timedelta(days=1), today=DAY, now=NOW)
    rows = {r["code"]: r for r in hall.charts["hall_centres"].rows}
    assert set(rows) == {"610103", "610113"}
    assert (rows["610103"]["tickets"], rows["610103"]["wait_mean"], rows["610103"]["waiting_long"]) == (9, 20.8, 1)
    yanta_row = rows["610113"]
    assert (yanta_row["wait_mean"], yanta_row["service_mean"], yanta_row["long_waits"]) == (90.0, 30.0, 1)
    assert hall.summary["tickets"] == 10 and hall.summary["waiting_long"] == 1
    assert hall.summary["wait_mean"] == 30.7 and hall.summary["wait_p90"] is None  # (125 + 90) / 7; p90 per centre
    assert hall.summary["service_mean"] == 12.7  # (46 + 30) / 6


def test_the_citys_hall_covers_the_periods_last_week(city):
    scope = dashboards.scope_for(centre=None, period_days=90, today=DAY)
    hall = figures.for_scope(scope, now=NOW)
    assert (hall.start, hall.last_day) == (DAY - dt.timedelta(days=figures.CITY_DAYS - 1), DAY)


def test_an_empty_hall_shows_no_figures(nanyuanmen):
    hall = figures.centre_figures(centre=nanyuanmen, start=DAY, end=DAY + dt.timedelta(days=1), today=DAY, now=NOW)
    assert hall.summary["tickets"] == 0 and hall.summary["wait_mean"] is None and hall.summary["no_show_rate"] is None
    assert not hall.charts["hall_queue"].rows and not hall.waiting


def test_the_long_wait_is_the_halls_own():
    from hall.choices import LONG_WAIT

    assert HALL_LONG_WAIT == LONG_WAIT


# --- the pages ---------------------------------------------------------------------------------------

@pytest.fixture
def today_in_beilin(beilin, yanta, clerks):
    now = timezone.now()
    if timezone.localtime(now).time() < dt.time(0, 55):
        pytest.skip("the hall's day began under 50 minutes ago in Xi'an: no ticket of today has waited 45 minutes")
    wang, _li = clerks
    visit(beilin, "A001", taken=now - 50 * M, wait=12, service=7, window="3", clerk=wang)
    visit(beilin, "A002", taken=now - 45 * M)  # waiting 45 minutes
    visit(yanta, "C001", taken=now - 40 * M, wait=33, window="9")


def test_the_centres_dashboard_shows_its_hall(centre_client, beilin, clerk, today_in_beilin):
    response = centre_client(beilin, user=clerk).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    hall = html[html.index('id="hall"'):]
    assert 'id="kpi-hall-tickets">2<' in hall and 'id="kpi-hall-wait">12.0<' in hall
    assert 'id="kpi-hall-waiting-long">1<' in hall
    assert 'data-ticket="A002"' in hall and "C001" not in html  # Yanta's ticket is not Beilin's
    assert "王五" in hall[hall.index('id="hall_clerk"'):] and 'data-label="' in hall  # tables stack on a phone
    assert "<svg" in hall[:hall.index('id="hall_queue"')]  # the hour chart


def test_another_centres_staff_get_404_on_its_hall(centre_client, beilin, yanta, make_user, today_in_beilin):
    yanta_clerk = make_user((yanta, Role.WINDOW_CLERK))
    assert centre_client(beilin, user=yanta_clerk).get(URL).status_code == 404
    assert centre_client(beilin, user=yanta_clerk).get(URL + "hall_clerk.csv").status_code == 404
    with pytest.raises(dashboards.Http404):
        dashboards.scope_centre_for(user=yanta_clerk, centre=beilin)


def test_the_citys_dashboard_shows_each_centres_hall(centre_client, make_user, city, today_in_beilin):
    coordinator = make_user((city, Role.SUPERVISOR))
    html = centre_client(user=coordinator).get(URL).content.decode()
    hall = html[html.index('id="hall"'):]
    assert 'data-key="610103"' in hall and 'data-key="610113"' in hall
    assert 'id="kpi-hall-tickets">3<' in hall
    assert 'id="hall-waiting"' not in hall  # the city lists no tickets


def test_a_hall_csv_has_the_tables_numbers(centre_client, beilin, clerk, today_in_beilin):
    rows = read_csv(centre_client(beilin, user=clerk).get(URL + "hall_window.csv?period=7"))
    assert rows[0][:3] == ["Window", "Tickets", "Mean wait (min)"]
    assert rows[1][:3] == ["3", "1", "12.0"]
    assert centre_client(beilin, user=clerk).get(URL + "hall_centres.csv").status_code == 404  # the city's


# --- the long-wait sweep -----------------------------------------------------------------------------

@pytest.fixture
def chiefs(make_user, beilin, yanta):
    def chief(centre, username, mobile):
        user = make_user((centre, Role.CHIEF_REPRESENTATIVE), username=username)
        user.mobile = mobile
        user.save(update_fields=["mobile"])
        return user

    return [chief(beilin, "chief-b1", "13800000001"), chief(beilin, "chief-b2", "13800000002"),
            chief(beilin, "chief-b3", ""), chief(yanta, "chief-y", "13900000001")]


def test_the_sweep_flags_once_and_sends_one_sms_per_centre(beilin, yanta, chiefs, day_of_beilin):
    visit(beilin, "C007", taken=at(9, 15))  # a second long waiter at Beilin: still one SMS
    visit(yanta, "A002", taken=at(9, 25))  # Yanta: 35 minutes
    visit(yanta, "A003", taken=at(9, 40))  # 20 minutes: not yet
    visit(beilin, "A099", taken=at(9, 0, DAY - dt.timedelta(days=1)))  # yesterday's, never closed: not flagged

    result = hall_long_wait_sweep(now=NOW)

    assert result.flagged == {beilin.pk: 2, yanta.pk: 1} and result.messages == 3
    flagged = set(HallVisit.objects.filter(long_wait_flagged_at=NOW).values_list("centre__division_code", "code"))
    assert flagged == {("610103", "B004"), ("610103", "C007"), ("610113", "A002")}
    sms = {m.to: m.body for m in OutboxMessage.objects.filter(template_key="hall_long_wait")}
    assert set(sms) == {"13800000001", "13800000002", "13900000001"}  # chief-b3 has no mobile
    assert "2位群众" in sms["13800000001"] and "C007号" in sms["13800000001"] and "45分钟" in sms["13800000001"]
    assert "1位群众" in sms["13900000001"]

    again = hall_long_wait_sweep(now=NOW + 2 * M)
    assert again.flagged == {} and again.messages == 0
    assert OutboxMessage.objects.filter(template_key="hall_long_wait").count() == 3

    later = hall_long_wait_sweep(now=NOW + 15 * M)  # A003 passes 30 minutes: one more SMS to Yanta's chief
    assert later.flagged == {yanta.pk: 1} and later.messages == 1

    hall = figures.centre_figures(centre=beilin, start=DAY, end=DAY + dt.timedelta(days=1), today=DAY, now=NOW)
    assert [(t.code, t.flagged_at) for t in hall.waiting] == [("C007", NOW), ("B004", NOW)]
    assert hall.summary["flagged"] == 2


def test_the_sweep_is_on_beat_once_in_public():
    from config.celery import app

    scheduled = settings.CELERY_BEAT_SCHEDULE["supervision-hall-long-wait-sweep"]
    assert (scheduled["task"], scheduled["tenant_schemas"]) == ("supervision.hall_long_wait_sweep", ["public"])
    app.loader.import_default_modules()
    assert "supervision.hall_long_wait_sweep" in app.tasks


def test_the_dashboard_shows_a_flagged_wait(centre_client, beilin, clerk, today_in_beilin):
    hall_long_wait_sweep()
    html = centre_client(beilin, user=clerk).get(URL).content.decode()
    row = html[html.index('data-ticket="A002"'):]
    row = row[:row.index("</tr>")]
    assert 'class="flagged"' in html and "badge" in row


# --- the daily bulletin ------------------------------------------------------------------------------

def test_the_bulletin_has_the_days_hall(beilin, day_of_beilin, django_assert_num_queries):
    with django_assert_num_queries(1):
        line = figures.day_line(day=DAY, centre=beilin, now=NOW)
    assert (line.summary["tickets"], line.summary["wait_mean"], line.summary["no_show_rate"],
            line.summary["long_waits"]) == (9, 20.8, 16.7, 4)
    city = daily_bulletin(day=DAY, centre=None, now=NOW).hall
    assert [r["code"] for r in city.charts["hall_centres"].rows] == ["610103", "610113"]


def test_the_bulletin_page_shows_the_hall_line(centre_client, beilin, city, make_user, day_of_beilin):
    supervisor = make_user((beilin, Role.SUPERVISOR))
    html = centre_client(beilin, supervisor).get(f"/supervision/bulletin/?day={DAY}").content.decode()
    line = html[html.index('id="bulletin-hall-summary"'):]
    line = line[:line.index("</p>")]
    assert "9" in line and "20.8" in line and "16.7" in line
    city_supervisor = make_user((city, Role.SUPERVISOR))
    html = centre_client(city, city_supervisor).get(f"/supervision/bulletin/?day={DAY}&scope=city").content.decode()
    assert 'class="report stack hall-bulletin"' in html and 'data-code="610113"' in html
