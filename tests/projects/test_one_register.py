"""One register: a key project put on it by the agency service (delegation) or by the linked approval
(joint approvals) is one row, and both services' pages read that row."""
from __future__ import annotations

import datetime as dt

import pytest

from delegation.selectors import key_project_report
from delegation.services import agency_assign
from joint_approval import selectors as joint_selectors
from joint_approval.models import LinkedProject
from joint_approval.services import linked_project_register
from projects.models import KeyProject
from projects.services import key_project_register

pytestmark = pytest.mark.django_db

USCC = "91110000600037341L"


def test_a_project_on_the_agency_list_taken_into_the_linked_approval_is_the_same_row(
        centre_client, company_items, gaoxin, chief_city, make_user):
    registration, seal, tax = company_items
    agent = make_user(username="kp-one-agent")
    listed = key_project_register(year=2014, name_zh="高新区同一园区", company_name="西安测试科技有限公司",
                                  credit_code=USCC, centre=gaoxin)
    agency_assign(project=listed, agent=agent, level="full", today=dt.date(2014, 3, 1))
    linked = linked_project_register(name_zh="高新区同一园区", centre=gaoxin, company_name="西安测试科技有限公司",
                                     credit_code="９１１１００００６０００３７３４１Ｌ", year=2014,
                                     items=[(registration, "local"), (tax, "city")])
    assert linked.pk == listed.pk and KeyProject.objects.filter(name_zh="高新区同一园区").count() == 1
    assert LinkedProject.objects.get(project=listed) and listed.linked_items.count() == 2
    # the agency's report and page, and the linked approval's list and page, all show this row
    assert listed.pk in [p.pk for p in key_project_report(year=2014)]
    assert listed.pk in [p.pk for p in joint_selectors.project_list_for(user=chief_city, centre=None)]
    client = centre_client(None, chief_city)
    for url in (f"/delegation/key-projects/{listed.pk}/", f"/joint/projects/{listed.pk}/"):
        page = client.get(url)
        assert page.status_code == 200 and f'data-key-project="{listed.pk}"' in page.content.decode(), url


def test_a_linked_project_then_put_under_the_agency_service_is_the_same_row(company_items, gaoxin, make_user):
    registration, seal, tax = company_items
    linked = linked_project_register(name_zh="高新区联动在先", centre=gaoxin, company_name="西安测试科技有限公司",
                                     credit_code=USCC, year=2015, items=[(tax, "city")])
    listed = key_project_register(year=2015, name_zh="高新区联动在先", company_name="西安测试科技有限公司",
                                  credit_code=USCC, centre=gaoxin)
    assert listed == linked
    agency_assign(project=listed, agent=make_user(username="kp-one-agent-2"), level="guide",
                  today=dt.date(2015, 3, 1))
    [row] = [p for p in key_project_report(year=2015) if p.name_zh == "高新区联动在先"]
    assert row.pk == linked.pk and row.linked.bundle is None
    # registered again by the linked approval: returned as it is, its items not doubled
    again = linked_project_register(name_zh="高新区联动在先", centre=gaoxin, company_name="西安测试科技有限公司",
                                    credit_code=USCC, year=2015, items=[(registration, "local"), (tax, "city")])
    assert again == linked and linked.linked_items.count() == 1
