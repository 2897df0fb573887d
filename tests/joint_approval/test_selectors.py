"""Who sees what: joint cases by the centres of their legs and the city; linked projects by their zone
and the city; everyone else gets 404 (missing and forbidden look alike)."""
from __future__ import annotations

import pytest
from django.http import Http404

from common.errors import ApplicationError
from joint_approval import selectors
from joint_approval.services import joint_case_accept, linked_project_register
from projects.models import KeyProject
from tests.joint_approval.conftest import VALID_USCC, accept


@pytest.fixture
def project(company_items, gaoxin):
    registration, seal, tax = company_items
    return linked_project_register(name_zh="高新区测试园", centre=gaoxin, company_name="西安测试科技有限公司",
                                   credit_code=VALID_USCC, year=2014,
                                   items=[(registration, "local"), (tax, "city")])


def test_a_joint_case_is_seen_by_its_legs_centres_and_the_city(bundle, city, beilin, yanta, clerk_beilin,
                                                                 chief_city, make_user):
    from tenants.choices import Role

    joint = accept(bundle, clerk_beilin, beilin)
    assert selectors.joint_case_get_for(user=clerk_beilin, centre=beilin, joint_case_id=joint.pk) == joint
    assert selectors.joint_case_get_for(user=chief_city, centre=city, joint_case_id=joint.pk) == joint
    assert selectors.joint_case_get_for(user=chief_city, centre=None, joint_case_id=joint.pk) == joint
    other = make_user((yanta, Role.WINDOW_CLERK))
    with pytest.raises(Http404):
        selectors.joint_case_get_for(user=other, centre=yanta, joint_case_id=joint.pk)
    with pytest.raises(Http404):
        selectors.joint_case_get_for(user=other, centre=beilin, joint_case_id=joint.pk)  # not Beilin's staff
    with pytest.raises(Http404):
        selectors.joint_case_get_for(user=clerk_beilin, centre=None, joint_case_id=joint.pk)  # not the city's
    assert list(selectors.joint_case_list_for(user=other, centre=yanta)) == []


def test_a_linked_project_is_seen_by_its_zone_and_the_city_only(project, city, beilin, gaoxin, clerk_gaoxin,
                                                                  clerk_beilin, chief_city):
    assert selectors.project_get_for(user=clerk_gaoxin, centre=gaoxin, project_id=project.pk) == project
    assert selectors.project_get_for(user=chief_city, centre=city, project_id=project.pk) == project
    with pytest.raises(Http404):
        selectors.project_get_for(user=clerk_beilin, centre=beilin, project_id=project.pk)
    with pytest.raises(Http404):
        selectors.project_get_for(user=clerk_gaoxin, centre=city, project_id=project.pk)  # not the city's staff
    assert [p.pk for p in selectors.project_list_for(user=clerk_beilin, centre=beilin)] == []
    assert [p.pk for p in selectors.project_list_for(user=chief_city, centre=None)] == [project.pk]


def test_a_project_with_a_bad_credit_code_is_not_registered(company_items, gaoxin, city):
    """The register's checks (projects.services) apply to a linked project, and nothing is left behind."""
    registration, seal, tax = company_items
    with pytest.raises(ApplicationError) as error:
        linked_project_register(name_zh="坏项目", centre=gaoxin, company_name="某公司",
                                credit_code="91110000600037341X", year=2014, items=[(registration, "local")])
    assert error.value.code == "project_invalid" and "credit_code" in error.value.extra["fields"]
    with pytest.raises(ApplicationError) as error:
        linked_project_register(name_zh="市级项目", centre=city, company_name="某公司", credit_code=VALID_USCC,
                                year=2014, items=[(registration, "local")])
    assert "centre" in error.value.extra["fields"]
    with pytest.raises(ApplicationError) as error:
        linked_project_register(name_zh="无事项项目", centre=gaoxin, company_name="某公司", credit_code=VALID_USCC,
                                year=2014, items=[])
    assert error.value.code == "joint_invalid_project" and "items" in error.value.extra["fields"]
    assert not KeyProject.objects.filter(name_zh__in=["坏项目", "市级项目", "无事项项目"]).exists()


def test_every_leg_withdrawn_withdraws_the_joint_case(bundle, beilin, clerk_beilin, chief_city):
    from joint_approval.models import JointCase
    from tests.joint_approval.conftest import step

    joint = accept(bundle, clerk_beilin, beilin, chosen_item_ids=[])
    for leg in joint.legs.select_related("centre"):
        step(leg, "withdraw", clerk_beilin if leg.centre == beilin else chief_city, note="申请人撤回")
    assert JointCase.objects.get(pk=joint.pk).status == "withdrawn"


def test_the_zone_follows_its_projects_joint_cases_even_with_every_leg_at_the_city(
        centre_client, company_items, city, gaoxin, chief_city, clerk_gaoxin):
    """Both centres see the whole project's progress: a project's joint case accepted at the city with
    only city-level items is still on the zone's project page, and its link opens there."""
    registration, seal, tax = company_items
    project = linked_project_register(name_zh="高新区市级项目", centre=gaoxin, company_name="西安测试科技有限公司",
                                      credit_code=VALID_USCC, year=2015, items=[(tax, "city")])
    joint = joint_case_accept(accepting_centre=city, acting_user=chief_city, project=project,
                              applicant_kind="organisation", applicant_name="西安测试科技有限公司",
                              applicant_id_number=VALID_USCC, phone="13912345678").joint_case
    client = centre_client(gaoxin, clerk_gaoxin)
    assert f"/joint/cases/{joint.pk}/" in client.get(f"/joint/projects/{project.pk}/").content.decode()
    assert client.get(f"/joint/cases/{joint.pk}/").status_code == 200
    assert client.get(f"/api/v1/joint/cases/{joint.pk}/").status_code == 200
    assert joint.number in client.get("/joint/cases/").content.decode()
