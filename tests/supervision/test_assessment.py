"""Assessment: rules as data, inspections, the daily bulletin, the monthly awards and the yearly scores
(100 − deductions, never below 0); another centre's staff get 404."""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone
from django_tenants.utils import tenant_context

from catalog.models import Department
from registry.models import RegistryEntry
from supervision.assessment import (
    awards_for,
    bulletin_for,
    daily_bulletin,
    inspection_record,
    inspections_for,
    monthly_awards,
    scoring_rule_save,
    yearly_centre_scores,
    yearly_department_scores,
)
from tenants.choices import Role

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()


def at(y, m, d, h=10):
    return dt.datetime(y, m, d, h, tzinfo=TZ)


@pytest.fixture
def rules(db):
    return {"late": scoring_rule_save(code="K01", description_zh="迟到", description_en="Late at the window",
                                      points=Decimal("2"), acting_user=None),
            "rude": scoring_rule_save(code="K02", description_zh="态度生硬", description_en="Rude to an applicant",
                                      points=Decimal("5"), acting_user=None)}


@pytest.fixture
def people(beilin, yanta, city, make_user):
    def named(user, name):
        user.full_name = name
        user.save(update_fields=["full_name"])
        return user

    return {"supervisor": make_user((beilin, Role.SUPERVISOR)),
            "admin": make_user((beilin, Role.CENTRE_ADMIN)),
            "yanta_supervisor": make_user((yanta, Role.SUPERVISOR)),
            "city_supervisor": make_user((city, Role.SUPERVISOR)),
            "wang": named(make_user((beilin, Role.WINDOW_CLERK)), "王五"),
            "li": named(make_user((beilin, Role.WINDOW_CLERK)), "李四"),
            "zhang": named(make_user((beilin, Role.WINDOW_CLERK)), "张三"),
            "zhao": named(make_user((beilin, Role.WINDOW_CLERK)), "赵六")}


def handled(centre, user, n, on=dt.date(2026, 11, 5)):
    for _ in range(n):
        RegistryEntry.objects.create(
            centre=centre, case_id=uuid.uuid4(), number=f"T{uuid.uuid4().hex[:12]}", item_code="X",
            item_name_zh="x", item_name_en="x", channel="window", status="accepted",
            submitted_at=at(on.year, on.month, on.day), accepted_on=on, last_event_at=at(on.year, on.month, on.day),
            applicant_hmac="x" * 64, handler_id=user.pk)


def test_yearly_score_is_100_minus_deductions_never_below_0(beilin, yanta, rules, people, django_assert_num_queries):
    sc = Department.objects.get_or_create(code="SC", defaults={"name_zh": "市场监管", "name_en": "Market"})[0]
    ga = Department.objects.get_or_create(code="GA", defaults={"name_zh": "公安", "name_en": "Police"})[0]
    for day in (3, 4, 5):
        inspection_record(centre=beilin, window_number="5", rule=rules["late"], department=sc,
                          inspector=people["supervisor"], at=at(2026, 3, day))
    for day in range(1, 23):  # 22 × 5 = 110 points: the score stops at 0
        inspection_record(centre=yanta, window_number="1", rule=rules["rude"], department=ga,
                          inspector=people["yanta_supervisor"], at=at(2026, 4, day))
    inspection_record(centre=beilin, window_number="5", rule=rules["rude"], department=sc,
                      inspector=people["supervisor"], at=at(2025, 12, 31))  # another year
    with django_assert_num_queries(1):
        centres = {c.division_code: c for c in yearly_centre_scores(year=2026)}
    assert centres["610103"].deducted == Decimal(6) and centres["610103"].score == Decimal(94)
    assert centres["610113"].deducted == Decimal(110) and centres["610113"].score == Decimal(0)
    assert centres["610100"].score == Decimal(100)
    with django_assert_num_queries(1):
        departments = {d.code: d for d in yearly_department_scores(year=2026)}
    assert departments["SC"].score == Decimal(94) and departments["GA"].score == Decimal(0)
    assert {d.code: d.score for d in yearly_department_scores(year=2026, centre=beilin)}["GA"] == Decimal(100)


def test_service_star_and_satisfied_window_on_a_known_set(beilin, rules, people):
    with tenant_context(beilin):
        from windows.models import Window

        Window.objects.update(is_active=False)
        for number in ("01", "02", "03"):
            Window.objects.create(number=number, name_zh=f"{number}号窗口", name_en=f"Window {number}")
    # wang: 2 points; li, zhang, zhao: none. li and zhang handled 3 cases, zhao 1: 张三 (U+5F20) < 李四 (U+674E).
    inspection_record(centre=beilin, window_number="01", staff=people["wang"], rule=rules["late"],
                      inspector=people["supervisor"], at=at(2026, 11, 10))
    inspection_record(centre=beilin, window_number="02", staff=people["zhang"], rule=rules["rude"],
                      inspector=people["supervisor"], at=at(2026, 10, 30))  # last month: does not count
    inspection_record(centre=beilin, window_number="03", staff=None, rule=rules["rude"],
                      inspector=people["supervisor"], at=at(2026, 11, 11))
    handled(beilin, people["li"], 3)
    handled(beilin, people["zhang"], 3)
    handled(beilin, people["zhao"], 1)
    handled(beilin, people["wang"], 9)
    handled(beilin, people["zhao"], 5, on=dt.date(2026, 10, 5))  # last month
    awards = monthly_awards(centre=beilin, month=dt.date(2026, 11, 1))
    assert awards.service_star.user == people["zhang"]
    ranking = [s.user for s in awards.staff]
    assert ranking.index(people["zhang"]) < ranking.index(people["li"]) < ranking.index(people["zhao"]) \
        < ranking.index(people["wang"])
    assert awards.satisfied_window.number == "02"  # 01 and 03 lost points in November; 02 only in October
    assert [w.number for w in awards.windows] == ["02", "01", "03"]


def test_the_daily_bulletin_lists_the_days_deductions_of_a_centre_and_of_the_city(beilin, yanta, rules, people):
    inspection_record(centre=beilin, window_number="5", rule=rules["late"], inspector=people["supervisor"],
                      at=at(2026, 11, 10, 9))
    inspection_record(centre=yanta, window_number="1", rule=rules["rude"], inspector=people["yanta_supervisor"],
                      at=at(2026, 11, 10, 15))
    inspection_record(centre=beilin, window_number="5", rule=rules["rude"], inspector=people["supervisor"],
                      at=at(2026, 11, 11, 9))
    mine = daily_bulletin(day=dt.date(2026, 11, 10), centre=beilin)
    assert [i.points for i in mine.inspections] == [Decimal(2)] and mine.total_points == Decimal(2)
    city = daily_bulletin(day=dt.date(2026, 11, 10))
    assert city.total_points == Decimal(7)
    assert [(r["centre__division_code"], r["points"]) for r in city.by_centre] == [("610103", 2), ("610113", 5)]


def test_another_centres_staff_never_see_its_inspections_awards_or_bulletin(beilin, rules, people, centre_client):
    inspection_record(centre=beilin, window_number="5", rule=rules["late"], inspector=people["supervisor"],
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
        inspection_record(centre=beilin, window_number="5", rule=rules["late"], inspector=people["yanta_supervisor"])
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


def test_a_supervisor_records_an_inspection_on_the_page(beilin, rules, people, centre_client):
    client = centre_client(beilin, people["supervisor"])
    response = client.post("/supervision/inspections/", {"window_number": "7", "rule": rules["late"].pk,
                                                          "staff": people["wang"].username, "note": "迟到"})
    assert response.status_code == 302
    inspection = inspections_for(user=people["supervisor"], centre=beilin).get()
    assert (inspection.staff, inspection.points, inspection.inspector) == (people["wang"], Decimal(2),
                                                                          people["supervisor"])
