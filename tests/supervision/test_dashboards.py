"""Supervision dashboards: who sees which dashboard, what the figures count, and that every CSV export
carries the chart's numbers. Registry rows are created directly (the dashboards read nothing else)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
from django.utils import timezone

from supervision import dashboards
from tenants.choices import Role

pytestmark = pytest.mark.django_db

URL = "/supervision/dashboard/"
TZ = timezone.get_default_timezone()


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def entry(centre, number: str, *, status: str = "under_review", submitted: dt.date, promised_due: dt.date | None,
          last_event: dt.date | None = None, accepted: dt.date | None = None, legal_due: dt.date | None = None,
          item_code: str = "610100SC-XK-0001", channel: str = "window", paused: bool = False,
          is_open: bool | None = None):
    from registry.models import RegistryEntry

    terminal = status in {"refused", "collected", "withdrawn"}
    return RegistryEntry.objects.create(
        centre=centre, case_id=uuid.uuid4(), number=number, item_code=item_code, item_name_zh="食品经营许可",
        item_name_en="Food business licence", department_code="SC", department_name_zh="市市场监督管理局",
        department_name_en="Market Regulation", channel=channel, status=status, submitted_at=at(submitted),
        accepted_on=accepted or (submitted if status not in {"submitted", "refused"} else None),
        promised_limit_days=10, legal_limit_days=20, promised_due=promised_due,
        legal_due=legal_due or (promised_due + dt.timedelta(days=14) if promised_due else None), paused=paused,
        is_open=(not terminal) if is_open is None else is_open,
        last_event_at=at(last_event or submitted, 16), applicant_hmac="0" * 64)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def overdue_in_beilin(beilin, item, today):
    """Beilin: one case overdue by 3 days; Yanta: one overdue and one on track."""
    return entry(beilin, "610103-DASH-0001", submitted=today - dt.timedelta(days=20),
                 promised_due=today - dt.timedelta(days=3))


@pytest.fixture
def yanta_cases(yanta, item, today):
    entry(yanta, "610113-DASH-0001", submitted=today - dt.timedelta(days=30), promised_due=today - dt.timedelta(days=9))
    entry(yanta, "610113-DASH-0002", submitted=today - dt.timedelta(days=2), promised_due=today + dt.timedelta(days=8),
          channel="online")


@pytest.fixture
def city_coordinator(make_user, city):
    return make_user((city, Role.SUPERVISOR), username="city-coordinator")


def overdue_row(html: str, number: str) -> str:
    start = html.index(f'<tr data-number="{number}">')
    return html[start:html.index("</tr>", start)]


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- access ----------------------------------------------------------------------------------------------

def test_the_city_dashboard_shows_a_districts_overdue_case_to_the_city_coordinator(
        centre_client, city_coordinator, overdue_in_beilin, yanta_cases):
    response = centre_client(user=city_coordinator).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    row = overdue_row(html, "610103-DASH-0001")
    assert "Beilin District" in row
    assert "Food business licence" in row and "Market Regulation" in row
    assert '<td class="num">3</td>' in row
    assert "610113-DASH-0001" in html  # every centre's
    assert "610113-DASH-0002" not in html  # not overdue
    assert 'data-code="610103"' in html  # the per-centre breakdown
    assert html.count("<svg") >= 5 and "<script" not in html.split("</header>", 1)[1]


def test_a_district_clerk_gets_404_on_the_city_dashboard_and_its_csv(centre_client, clerk, overdue_in_beilin):
    client = centre_client(user=clerk)
    assert client.get(URL).status_code == 404
    assert client.get(URL + "overdue_list.csv").status_code == 404
    assert centre_client().get(URL).status_code == 404  # anonymous


def test_a_platform_admin_sees_the_city_dashboard(centre_client, make_user):
    admin = make_user((None, Role.PLATFORM_ADMIN))
    assert centre_client(user=admin).get(URL).status_code == 200


def test_a_centres_dashboard_shows_only_its_own_numbers(centre_client, beilin, clerk, overdue_in_beilin,
                                                         yanta_cases):
    response = centre_client(beilin, user=clerk).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "610103-DASH-0001" in html
    assert "610113-DASH-0001" not in html and "Yanta" not in html
    assert 'id="centres"' not in html  # no per-centre breakdown on a centre's dashboard
    assert 'id="kpi-overdue">1<' in html
    assert response.context["charts"]["channel"].summary["total"] == 1


def test_another_centres_staff_get_404_on_a_centres_dashboard(centre_client, beilin, yanta, make_user,
                                                              city_coordinator):
    yanta_clerk = make_user((yanta, Role.WINDOW_CLERK))
    assert centre_client(beilin, user=yanta_clerk).get(URL).status_code == 404
    assert centre_client(beilin, user=yanta_clerk).get(URL + "category.csv").status_code == 404
    assert centre_client(beilin, user=city_coordinator).get(URL).status_code == 404  # the city's role is not Beilin's
    assert centre_client(beilin).get(URL).status_code == 404


# --- CSV exports -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["category", "channel", "week", "on_time", "days", "overdue", "overdue_list",
                                  "compression", "warnings"])
def test_each_csv_has_the_charts_numbers(centre_client, beilin, clerk, overdue_in_beilin, yanta_cases, today, name):
    if name == "warnings" and not dashboards.warnings_available():
        assert centre_client(beilin, user=clerk).get(URL + "warnings.csv").status_code == 404
        return
    entry(beilin, "610103-DASH-0002", status="collected", submitted=today - dt.timedelta(days=10),
          promised_due=today - dt.timedelta(days=1), last_event=today - dt.timedelta(days=2), channel="online")
    response = centre_client(beilin, user=clerk).get(URL + f"{name}.csv?period=30")
    assert response.status_code == 200
    rows = read_csv(response)
    chart = dashboards.chart(name, dashboards.scope_for(centre=beilin, period_days=30))
    assert rows == [[str(cell) if cell is not None else "" for cell in row] for row in chart.csv_rows()]
    assert len(rows) >= 2 or name == "warnings"


def test_the_city_csv_of_centres_equals_the_breakdown_on_the_page(centre_client, city_coordinator,
                                                                   overdue_in_beilin, yanta_cases):
    client = centre_client(user=city_coordinator)
    page = client.get(URL).context["charts"]["centres"]
    rows = read_csv(client.get(URL + "centres.csv"))
    assert rows[1:] == [[str(r[k]) if r[k] is not None else "" for k, _label in page.columns] for r in page.rows]
    beilin = next(r for r in rows if r[0] == "610103")
    assert beilin[-1] == "1"  # overdue now
    assert centre_client(user=city_coordinator).get(URL + "nothing.csv").status_code == 404


# --- what the figures count -------------------------------------------------------------------------------

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
    model = dashboards.warning_model()
    if model is None:
        pytest.skip("supervision's warning table is not there")

    d = dt.date
    fired = [(nanyuanmen, "yellow", d(2021, 3, 10)), (nanyuanmen, "red", d(2021, 3, 12)),
             (nanyuanmen, "red", d(2021, 3, 13)), (nanyuanmen, "red", d(2021, 1, 1)), (beilin, "black", d(2021, 3, 14))]
    for i, (centre, level, day) in enumerate(fired):
        model.objects.create(centre=centre, case_id=uuid.uuid4(), case_number=f"W-{i}", item_name_zh="事项",
                               level=level, due_date=day, fired_at=at(day))
    scope = dashboards.scope_for(centre=nanyuanmen, period_days=30, today=d(2021, 3, 31))
    chart = dashboards.warnings_by_level(scope)
    assert [(r["level"], r["warnings"]) for r in chart.rows] == [("yellow", 1), ("red", 2), ("black", 0)]


def test_the_page_is_localised_and_the_charts_are_accessible(centre_client, beilin, clerk, overdue_in_beilin):
    client = centre_client(beilin, user=clerk)
    english = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Overdue now" in english and 'role="img"' in english and "<title id=" in english and "<desc id=" in english
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": URL})
    chinese = client.get(URL).content.decode()
    assert "Food business licence" not in chinese and "食品经营许可" in chinese
    assert "碑林区" in chinese
