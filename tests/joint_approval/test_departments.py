"""Departments bind on a joint case's page too (issue 12, fault 4): a department's clerk sees the joint
case (its centre holds legs) but links only to the legs of their own department; another department's
leg is missing for them, on its case page as everywhere."""
from __future__ import annotations

import pytest

from tenants.choices import Role
from tenants.services import membership_grant
from tests.joint_approval.conftest import VALID_USCC

pytestmark = pytest.mark.django_db


def test_a_department_clerk_links_only_to_their_departments_leg(centre_client, bundle, company_items, beilin,
                                                                 clerk_beilin, make_user):
    from joint_approval.models import JointCase

    registration, seal, _tax = company_items
    response = centre_client(beilin, clerk_beilin).post("/joint/bundles/company-test/", {
        "accept": "1", "items": [seal.pk], "materials": ["申请表"], "applicant_kind": "organisation",
        "applicant_name": "西安测试科技有限公司", "applicant_id_number": VALID_USCC, "phone": "13912345678"})
    assert response.status_code == 302
    joint = JointCase.objects.get()
    market_leg, police_leg = joint.legs.get(item_code=registration.code), joint.legs.get(item_code=seal.code)

    police = make_user(username="j-clerk-beilin-ga")
    membership_grant(user=police, centre=beilin, role=Role.WINDOW_CLERK, department_code="GA", acting_user=None)
    client = centre_client(beilin, police)
    html = client.get(f"/joint/cases/{joint.pk}/").content.decode()
    assert f"/cases/{police_leg.case_id}/" in html
    assert f"/cases/{market_leg.case_id}/" not in html
    assert client.get(f"/cases/{market_leg.case_id}/").status_code == 404
    assert client.get(f"/cases/{police_leg.case_id}/").status_code == 200
