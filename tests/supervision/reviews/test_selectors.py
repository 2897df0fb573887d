"""Reads of the reviews room: the applicant's case found by number and factor at its own centre, and
the published rates."""
from __future__ import annotations

import pytest

from supervision.reviews.selectors import (
    rate_city,
    rate_of_item,
    rates_by_centre,
    rates_by_department,
    rates_by_item,
    reviewable_entry,
)
from supervision.reviews.services import review_submit
from tests.supervision.reviews.conftest import entry, noon

pytestmark = pytest.mark.django_db


def test_the_online_form_finds_the_case_by_number_and_factor_at_its_own_centre_only(beilin, yanta):
    case = entry(beilin, factor="5678")
    assert reviewable_entry(centre=beilin, number=case.number.lower(), factor="5678") == case
    assert reviewable_entry(centre=beilin, number=case.number, factor="0000") is None
    assert reviewable_entry(centre=yanta, number=case.number, factor="5678") is None


def test_satisfaction_and_bad_review_rates_on_a_small_known_set(beilin, yanta):
    levels = {beilin: [("SC", "very_satisfied"), ("SC", "satisfied"), ("SC", "dissatisfied"),
                       ("GA", "basically"), ("GA", "very_dissatisfied")],
              yanta: [("SC", "very_satisfied"), ("SC", "very_satisfied"), ("SC", "satisfied")]}
    for centre, rows in levels.items():
        for department, level in rows:
            code = "610100SC-XK-0001" if department == "SC" else "610100GA-XK-0002"
            review_submit(entry=entry(centre, item_code=code, department=department), channel="counter",
                          levels={"overall": level}, acting_user=None, now=noon(2026, 10, 9))

    city = rate_city()
    assert (city.reviews, city.satisfied, city.bad) == (8, 6, 2)
    assert city.satisfaction_rate == 0.75 and city.bad_rate == 0.25
    by_centre = {r.key: (r.reviews, r.satisfied, r.bad) for r in rates_by_centre()}
    assert by_centre == {"610103": (5, 3, 2), "610113": (3, 3, 0)}
    by_department = {r.key: (r.satisfaction_rate, r.bad_rate) for r in rates_by_department(centre=beilin)}
    assert by_department == {"GA": (0.5, 0.5), "SC": (2 / 3, 1 / 3)}
    by_item = {r.key: r.reviews for r in rates_by_item()}
    assert by_item == {"610100GA-XK-0002": 2, "610100SC-XK-0001": 6}
    assert rate_of_item(item_code="610100SC-XK-0001", centre=yanta).satisfaction_rate == 1.0
