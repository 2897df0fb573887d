"""Writes of the assessment room: a rule keeps who changed it last; an inspection keeps its inspector;
only the city's overseers change rules and only a centre's overseers (or the city's) inspect it."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from common.errors import ApplicationError
from supervision.assessment.models import Inspection
from supervision.assessment.services import inspection_record, scoring_rule_save
from tenants.choices import Role

pytestmark = pytest.mark.django_db


def test_a_rule_keeps_who_changed_it_last_and_when(rules, people):
    assert (rules["late"].updated_by, rules["late"].updated_at is not None) == (None, True)  # seeded: the system
    now = timezone.now()
    changed = scoring_rule_save(code="K01", description_zh="迟到", description_en="Late at the window",
                                points=Decimal("3"), acting_user=people["city_supervisor"], now=now)
    assert changed.pk == rules["late"].pk
    assert (changed.points, changed.updated_by, changed.updated_at) == (Decimal(3), people["city_supervisor"], now)
    with pytest.raises(Http404):
        scoring_rule_save(code="K01", description_zh="迟到", description_en="Late", points=Decimal(9),
                          acting_user=people["supervisor"])  # a district's supervisor does not keep the rules
    with pytest.raises(ApplicationError) as negative:
        scoring_rule_save(code="K01", description_zh="迟到", description_en="Late", points=Decimal(-1),
                          acting_user=None)
    assert negative.value.code == "assessment_negative_points"


def test_an_inspection_keeps_its_inspector_and_an_inactive_rule_is_refused(beilin, rules, people):
    inspection = inspection_record(centre=beilin, window_number=" 5 ", rule=rules["late"],
                                   acting_user=people["supervisor"])
    assert (inspection.inspector, inspection.window_number, inspection.points) == (
        people["supervisor"], "5", Decimal(2))
    retired = scoring_rule_save(code="K02", description_zh="态度生硬", description_en="Rude", points=Decimal(5),
                                is_active=False, acting_user=None)
    with pytest.raises(ApplicationError) as refused:
        inspection_record(centre=beilin, window_number="5", rule=retired, acting_user=people["supervisor"])
    assert refused.value.code == "assessment_rule_inactive"


def test_a_deduction_for_someone_who_does_not_work_at_the_centre_is_refused(beilin, yanta, rules, people, make_user):
    elsewhere = make_user((yanta, Role.WINDOW_CLERK))
    with pytest.raises(ApplicationError) as refused:
        inspection_record(centre=beilin, window_number="5", rule=rules["late"], staff=elsewhere,
                          acting_user=people["supervisor"])
    assert refused.value.code == "assessment_staff_not_at_centre"
    assert not Inspection.objects.filter(staff=elsewhere).exists()
    recorded = inspection_record(centre=beilin, window_number="5", rule=rules["late"], staff=people["wang"],
                                 acting_user=people["supervisor"])
    assert recorded.staff == people["wang"]
