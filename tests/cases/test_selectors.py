"""Reads of cases for staff: only the centre's staff see its cases; missing and forbidden are both 404."""
from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.http import Http404

from cases.selectors import CaseFilters, case_get_for, case_list_for
from cases.services import case_submit
from tenants.choices import Role
from tests.cases.conftest import VALID_ID

pytestmark = pytest.mark.django_db


def submit(clerk):
    return case_submit(centre=connection.tenant,
                       item_code="610100SC-XK-0001", applicant_kind="person", applicant_name="张三",
                       applicant_id_number=VALID_ID, phone="13812345678", channel="window", acting_user=clerk).case


def test_staff_of_the_centre_read_its_cases(in_beilin, item, clerk, chief):
    case = submit(clerk)
    for user in (clerk, chief):
        assert list(case_list_for(user=user, centre=in_beilin)) == [case]
        assert case_get_for(user=user, centre=in_beilin, case_id=case.pk) == case


def test_another_centres_clerk_and_a_user_without_a_role_get_404(in_beilin, item, clerk, yanta, make_user):
    case = submit(clerk)
    for user in (make_user((yanta, Role.WINDOW_CLERK)), make_user(), make_user((in_beilin, Role.VILLAGE_AGENT))):
        with pytest.raises(Http404):
            case_list_for(user=user, centre=in_beilin)
        with pytest.raises(Http404):
            case_get_for(user=user, centre=in_beilin, case_id=case.pk)


def test_a_missing_case_is_404_like_a_forbidden_one(in_beilin, item, clerk):
    with pytest.raises(Http404):
        case_get_for(user=clerk, centre=in_beilin, case_id=uuid.uuid4())


def test_filters_ignore_unknown_values():
    filters = CaseFilters.from_mapping({"status": "nonsense", "due": "yesterday", "department": "sc "})
    assert (filters.status, filters.due, filters.department) == ("open", "", "SC")
