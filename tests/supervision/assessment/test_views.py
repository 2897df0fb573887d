"""Pages of the assessment room: another centre's staff never see its inspections, awards or bulletin;
a supervisor records an inspection; the city's overseers keep the rules (shown with who changed them)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from supervision.assessment.selectors import awards_for, bulletin_for, inspections_for
from supervision.assessment.services import inspection_record, scoring_rule_save
from tests.supervision.assessment.conftest import at

pytestmark = pytest.mark.django_db


def test_another_centres_staff_never_see_its_inspections_awards_or_bulletin(beilin, rules, people, centre_client):
    inspection_record(centre=beilin, window_number="5", rule=rules["late"], acting_user=people["supervisor"],
                      note="迟到十分钟", at=at(2026, 11, 10))
    day, month = dt.date(2026, 11, 10), dt.date(2026, 11, 1)
    for user in (people["supervisor"], people["admin"], people["city_supervisor"]):
        assert inspections_for(user=user, centre=beilin).count() == 1
        assert bulletin_for(user=user, day=day, centre=beilin).total_points == Decimal(2)
        awards_for(user=user, centre=beilin, month=month)
    for user in (people["yanta_supervisor"], people["wang"]):
        with pytest.raises(Http404):
            inspections_for(user=user, centre=beilin)
        with pytest.raises(Http404):
            bulletin_for(user=user, day=day, centre=beilin)
        with pytest.raises(Http404):
            awards_for(user=user, centre=beilin, month=month)
    with pytest.raises(Http404):
        bulletin_for(user=people["supervisor"], day=day, centre=None)  # the city's bulletin: the city's only
    with pytest.raises(Http404):
        inspection_record(centre=beilin, window_number="5", rule=rules["late"], acting_user=people["yanta_supervisor"])
    with pytest.raises(Http404):
        scoring_rule_save(code="K09", description_zh="x", description_en="x", points=Decimal(1),
                          acting_user=people["supervisor"])

    yanta = people["yanta_supervisor"].memberships.get().centre
    other = centre_client(yanta, people["yanta_supervisor"])
    for path in ("inspections/", "bulletin/", "awards/", "scores/"):
        assert other.get(f"/supervision/{path}?centre=610103").status_code == 404, path
    own = centre_client(beilin, people["supervisor"])
    page = own.get("/supervision/bulletin/?day=2026-11-10")
    assert page.status_code == 200 and "迟到十分钟" in page.content.decode()
    for path in ("inspections/", "awards/?month=2026-11", "scores/?year=2026"):
        assert own.get(f"/supervision/{path}").status_code == 200, path
    assert own.get("/supervision/rules/").status_code == 404
    city = people["city_supervisor"].memberships.get().centre
    boss = centre_client(city, people["city_supervisor"])
    assert boss.get("/supervision/bulletin/?scope=city&day=2026-11-10").status_code == 200
    assert boss.get("/supervision/inspections/?centre=610103").status_code == 200
    assert boss.post("/supervision/rules/", {"code": "K03", "description_zh": "脱岗", "description_en": "Away",
                                             "points": "3", "is_active": "on"}).status_code == 302
    rules_page = boss.get("/supervision/rules/").content.decode()
    assert 'data-code="K03"' in rules_page and str(people["city_supervisor"]) in rules_page


def test_a_supervisor_records_an_inspection_on_the_page(beilin, rules, people, centre_client):
    client = centre_client(beilin, people["supervisor"])
    response = client.post("/supervision/inspections/", {"window_number": "7", "rule": rules["late"].pk,
                                                          "staff": people["wang"].username, "note": "迟到"})
    assert response.status_code == 302
    inspection = inspections_for(user=people["supervisor"], centre=beilin).get()
    assert (inspection.staff, inspection.points, inspection.inspector) == (people["wang"], Decimal(2),
                                                                          people["supervisor"])
    refused = client.post("/supervision/inspections/", {"window_number": "7", "rule": rules["late"].pk,
                                                         "staff": people["yanta_supervisor"].username, "note": "迟到"},
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400
    page = refused.content.decode()
    assert f"{people['yanta_supervisor'].username} 不在" in page  # told why, on the page, in Chinese
    assert "迟到</textarea>" in page  # and the note typed is still there
    assert inspections_for(user=people["supervisor"], centre=beilin).count() == 1  # nothing more recorded


def test_a_day_month_or_year_at_the_ends_of_the_calendar_shows_the_default_period(beilin, people, centre_client):
    """Hand-edited addresses (a year typed with too many digits, the first or last day there is) show
    today's bulletin, last month's awards or this year's scores instead of failing."""
    own = centre_client(beilin, people["supervisor"])
    this_year = timezone.localdate().year
    for path in ("bulletin/?day=9999-12-31", "bulletin/?day=0001-01-01", "awards/?month=9999-12",
                 "scores/?year=99999999999", "scores/?year=0", "scores/?year=9999"):
        response = own.get(f"/supervision/{path}")
        assert response.status_code == 200, path
    assert f"{this_year}" in own.get("/supervision/scores/?year=99999999999").content.decode()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert f"?day={tomorrow:%Y-%m-%d}" in own.get("/supervision/bulletin/?day=9999-12-31").content.decode()  # today's
