"""The warnings room's test data: a clerk and two chief representatives (SC and GA) at Beilin, each
with a mobile, and a case the clerk accepted."""
from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from cases.choices import Action
from cases.services import case_submit, case_transition
from supervision.warnings.models import DeadlineWarning
from tenants.choices import Role
from tenants.services import membership_grant
from tests.cases.conftest import VALID_ID
from tests.cases.test_lifecycle import at


@pytest.fixture
def staff(beilin, make_user, clerk):
    clerk.mobile = "+8613800000001"
    clerk.save(update_fields=["mobile"])
    chief = make_user(username="chief-sc")
    chief.mobile = "+8613800000002"
    chief.save(update_fields=["mobile"])
    membership_grant(user=chief, centre=beilin, role=Role.CHIEF_REPRESENTATIVE, department_code="SC",
                     acting_user=None)
    other_chief = make_user(username="chief-ga")
    other_chief.mobile = "+8613800000003"
    other_chief.save(update_fields=["mobile"])
    membership_grant(user=other_chief, centre=beilin, role=Role.CHIEF_REPRESENTATIVE, department_code="GA",
                     acting_user=None)
    return {"clerk": clerk, "chief": chief, "other_chief": other_chief}


def submitted_case(in_beilin, clerk):
    with tenant_context(in_beilin):
        return case_submit(centre=connection.tenant,
                           item_code="610100SC-XK-0001", applicant_kind="person", applicant_name="张三",
                           applicant_id_number=VALID_ID, phone="13812345678", channel="window",
                           acting_user=clerk).case


def accepted_case(in_beilin, clerk, when=None):
    when = when or at(2026, 9, 28)
    with tenant_context(in_beilin):
        case = case_submit(centre=connection.tenant,
                           item_code="610100SC-XK-0001", applicant_kind="person", applicant_name="张三",
                           applicant_id_number=VALID_ID, phone="13812345678", channel="window",
                           acting_user=clerk, now=when).case
        return case_transition(centre=connection.tenant, case=case, action=Action.ACCEPT, acting_user=clerk, now=when)


def levels(case) -> list[str]:
    return sorted(DeadlineWarning.objects.filter(case_id=case.pk).values_list("level", flat=True))
