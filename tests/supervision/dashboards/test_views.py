"""Pages of the dashboards room: who sees which dashboard, that every CSV export carries the chart's
numbers, and that the page is localised and its charts accessible."""
from __future__ import annotations

import datetime as dt

import pytest

from supervision.dashboards import selectors as dashboards
from tenants.choices import Role
from tests.supervision.dashboards.conftest import URL, entry, overdue_row, read_csv

pytestmark = pytest.mark.django_db


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


def test_the_page_is_localised_and_the_charts_are_accessible(centre_client, beilin, clerk, overdue_in_beilin):
    client = centre_client(beilin, user=clerk)
    english = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Overdue now" in english and 'role="img"' in english and "<title id=" in english and "<desc id=" in english
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": URL})
    chinese = client.get(URL).content.decode()
    assert "Food business licence" not in chinese and "食品经营许可" in chinese
    assert "碑林区" in chinese
