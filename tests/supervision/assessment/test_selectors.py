"""Reads of the assessment room: the yearly scores (100 − deductions, never below 0), the monthly awards
and the daily bulletin on known sets."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from catalog.models import Department
from supervision.assessment.selectors import (
    daily_bulletin,
    monthly_awards,
    yearly_centre_scores,
    yearly_department_scores,
)
from supervision.assessment.services import inspection_record
from tests.supervision.assessment.conftest import at, handled
from windows.models import Window

pytestmark = pytest.mark.django_db


def test_yearly_score_is_100_minus_deductions_never_below_0(beilin, yanta, rules, people, django_assert_num_queries):
    sc = Department.objects.get_or_create(code="SC", defaults={"name_zh": "市场监管", "name_en": "Market"})[0]
    ga = Department.objects.get_or_create(code="GA", defaults={"name_zh": "公安", "name_en": "Police"})[0]
    for day in (3, 4, 5):
        inspection_record(centre=beilin, window_number="5", rule=rules["late"], department=sc,
                          acting_user=people["supervisor"], at=at(2026, 3, day))
    for day in range(1, 23):  # 22 × 5 = 110 points: the score stops at 0
        inspection_record(centre=yanta, window_number="1", rule=rules["rude"], department=ga,
                          acting_user=people["yanta_supervisor"], at=at(2026, 4, day))
    inspection_record(centre=beilin, window_number="5", rule=rules["rude"], department=sc,
                      acting_user=people["supervisor"], at=at(2025, 12, 31))  # another year
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
        Window.objects.update(is_active=False)
        for number in ("01", "02", "03"):
            Window.objects.create(number=number, name_zh=f"{number}号窗口", name_en=f"Window {number}")
    # wang: 2 points; li, zhang, zhao: none. li and zhang handled 3 cases, zhao 1: 张三 (U+5F20) < 李四 (U+674E).
    inspection_record(centre=beilin, window_number="01", staff=people["wang"], rule=rules["late"],
                      acting_user=people["supervisor"], at=at(2026, 11, 10))
    inspection_record(centre=beilin, window_number="02", staff=people["zhang"], rule=rules["rude"],
                      acting_user=people["supervisor"], at=at(2026, 10, 30))  # last month: does not count
    inspection_record(centre=beilin, window_number="03", staff=None, rule=rules["rude"],
                      acting_user=people["supervisor"], at=at(2026, 11, 11))
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
    inspection_record(centre=beilin, window_number="5", rule=rules["late"], acting_user=people["supervisor"],
                      at=at(2026, 11, 10, 9))
    inspection_record(centre=yanta, window_number="1", rule=rules["rude"], acting_user=people["yanta_supervisor"],
                      at=at(2026, 11, 10, 15))
    inspection_record(centre=beilin, window_number="5", rule=rules["rude"], acting_user=people["supervisor"],
                      at=at(2026, 11, 11, 9))
    mine = daily_bulletin(day=dt.date(2026, 11, 10), centre=beilin)
    assert [i.points for i in mine.inspections] == [Decimal(2)] and mine.total_points == Decimal(2)
    city = daily_bulletin(day=dt.date(2026, 11, 10))
    assert city.total_points == Decimal(7)
    assert [(r["centre__division_code"], r["points"]) for r in city.by_centre] == [("610103", 2), ("610113", 5)]
