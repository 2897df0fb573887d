"""Joint acceptance, materials asked once, the join, and the rollback of a leg that cannot start."""
from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from common.errors import ApplicationError
from common.idempotency import ClientKey
from joint_approval.choices import JointStatus
from joint_approval.services import linked_project_register
from tests.joint_approval.conftest import VALID_USCC, accept, leg_case, make_item, step


def _states(case) -> dict[str, str]:
    return {m.name_zh.strip(): m.state for m in case.materials.all()}


# --- materials submitted once --------------------------------------------------------------------

def test_a_material_several_legs_need_is_asked_once_and_a_produced_document_not_at_all(bundle, company_items):
    from joint_approval.services import bundle_legs, merged_checklist

    registration, seal, tax = company_items
    checklist = merged_checklist(bundle_legs(bundle=bundle, chosen_item_ids=[seal.pk]))
    asked = [line.name_zh.strip() for line in checklist.asked()]
    assert asked == ["申请表", "法定代表人身份证明", "公司章程", "财务负责人身份证明"]
    form = next(line for line in checklist.lines if line.name_zh.strip() == "申请表")
    assert form.legs == [1, 2, 3]  # "申请表 " with a trailing space is the same material
    produced = {line.name_zh: line.produced_by for line in checklist.produced()}
    assert produced == {"营业执照复印件": 1, "营业执照": 1}


def test_provided_once_is_provided_on_every_leg_and_the_licence_is_not_asked_of_the_applicant(
        bundle, company_items, beilin, clerk_beilin):
    registration, seal, tax = company_items
    joint = accept(bundle, clerk_beilin, beilin, chosen_item_ids=[seal.pk],
                   provided_keys=["申请表", "法定代表人身份证明"])
    legs = {leg.item_code: leg for leg in joint.legs.all()}
    assert len(legs) == 3
    tax_case = leg_case(legs[tax.code])
    assert _states(tax_case) == {"申请表": "provided", "法定代表人身份证明": "provided", "营业执照": "not_needed",
                                 "财务负责人身份证明": "missing"}
    assert _states(leg_case(legs[seal.code])) == {"申请表": "provided", "营业执照复印件": "not_needed"}
    assert _states(leg_case(legs[registration.code])) == {"申请表": "provided", "法定代表人身份证明": "provided",
                                                          "公司章程": "missing"}


def test_fees_are_one_total_kept_per_leg(bundle, company_items, beilin, clerk_beilin):
    registration, seal, tax = company_items
    joint = accept(bundle, clerk_beilin, beilin, chosen_item_ids=[seal.pk])
    assert sorted(str(leg.fee_yuan) for leg in joint.legs.all()) == ["0.00", "20.00", "50.00"]
    assert str(joint.fee_total_yuan) == "70.00"


def test_an_optional_item_not_chosen_is_not_started(bundle, company_items, beilin, clerk_beilin):
    registration, seal, tax = company_items
    joint = accept(bundle, clerk_beilin, beilin, chosen_item_ids=[])
    assert sorted(joint.legs.values_list("item_code", flat=True)) == sorted([registration.code, tax.code])


# --- acceptance ----------------------------------------------------------------------------------

def test_one_acceptance_starts_every_leg_at_its_own_centre_with_the_joint_id_in_the_registry(
        bundle, company_items, city, beilin, clerk_beilin):
    from registry.models import RegistryEntry

    registration, seal, tax = company_items
    joint = accept(bundle, clerk_beilin, beilin)
    legs = {leg.item_code: leg for leg in joint.legs.select_related("centre")}
    assert legs[registration.code].centre == beilin and legs[tax.code].centre == city
    assert legs[tax.code].case_number.startswith("610100-")
    for leg in legs.values():
        case = leg_case(leg)
        assert case.status == "accepted" and case.channel == "joint" and case.joint_case_id == joint.id
        assert case.promised_limit_days <= bundle.promised_days  # the bundle's limit caps every leg
    entries = RegistryEntry.objects.filter(joint_case_id=joint.id)
    assert sorted(entries.values_list("centre__division_code", flat=True)) == ["610100", "610103", "610103"]
    assert joint.status == JointStatus.RUNNING
    assert joint.due == max(leg.promised_due for leg in legs.values())
    # one after another: 3 + 2 + 5 working days; at once: the longest leg, capped by the bundle (4)
    assert (joint.sequential_days, joint.parallel_days, joint.days_saved) == (10, 4, 6)


def test_the_legs_at_another_centre_record_the_joint_acceptance_as_their_authority(
        bundle, company_items, beilin, clerk_beilin):
    registration, seal, tax = company_items
    joint = accept(bundle, clerk_beilin, beilin)
    city_leg = joint.legs.get(item_code=tax.code)
    own_leg = joint.legs.get(item_code=registration.code)
    from cases.models import Case, CaseEvent
    from registry.models import RegistryEntry

    with tenant_context(city_leg.centre):
        events = list(CaseEvent.objects.filter(case_id=city_leg.case_id).values_list("action", "to_status", "note"))
        city_case = Case.objects.get(pk=city_leg.case_id)
    assert [(a, s) for a, s, _n in events] == [("submit", "submitted"), ("accept", "accepted")]
    assert joint.number in events[1][2]
    # The city names its own responsible clerk; at Beilin the accepting clerk is responsible.
    assert city_case.handler_id is None and city_case.accepted_on == joint.accepted_on
    with tenant_context(own_leg.centre):
        assert Case.objects.get(pk=own_leg.case_id).handler_id == clerk_beilin.pk
    history = RegistryEntry.objects.get(case_id=city_leg.case_id).history
    assert [h["status"] for h in history] == ["submitted", "accepted"]


def test_only_the_accepting_centres_window_staff_accept(bundle, beilin, make_user, yanta):
    from tenants.choices import Role

    yanta_clerk = make_user((yanta, Role.WINDOW_CLERK))
    with pytest.raises(ApplicationError) as error:
        accept(bundle, yanta_clerk, beilin)
    assert error.value.code == "joint_not_staff" and error.value.http_status == 403


def test_the_same_idempotency_key_gives_the_same_joint_case(bundle, beilin, clerk_beilin):
    from joint_approval.models import JointCase

    key = ClientKey(key="k-1", user_id=clerk_beilin.pk)
    first = accept(bundle, clerk_beilin, beilin, idempotency_key=key)
    again = accept(bundle, clerk_beilin, beilin, idempotency_key=key)
    assert again.pk == first.pk and JointCase.objects.count() == 1
    with pytest.raises(ApplicationError) as error:
        accept(bundle, clerk_beilin, beilin, idempotency_key=key, applicant_name="另一家公司")
    assert error.value.code == "idempotency_key_reused"


# --- rollback ------------------------------------------------------------------------------------

def test_a_leg_that_cannot_start_rolls_the_whole_acceptance_back(bundle, company_items, city, beilin, clerk_beilin):
    """The city has not adopted the bundle's new item: the legs already started at Beilin are undone
    with the joint case and every registry row."""
    from cases.models import Case
    from joint_approval.models import BundleItem, JointCase, JointLeg
    from registry.models import RegistryEntry

    late = make_item("610100SW-XK-0102", "SW", "发票领用", "Invoice issue", [("申请表", "Application form")],
                     adopt_at=(beilin,))
    BundleItem.objects.create(bundle=bundle, item=late, level="city", position=9)
    with pytest.raises(ApplicationError) as error:
        accept(bundle, clerk_beilin, beilin)
    assert error.value.code == "joint_leg_failed"
    assert error.value.extra["leg"] == 4 and error.value.extra["item_code"] == late.code
    assert error.value.extra["cause"]["code"] == "case_item_not_accepted"
    assert late.code in str(error.value)
    assert not JointCase.objects.exists() and not JointLeg.objects.exists()
    assert not RegistryEntry.objects.filter(joint_case_id__isnull=False).exists()
    for centre in (beilin, city):
        with tenant_context(centre):
            assert not Case.objects.exists()


def test_an_invalid_applicant_starts_nothing(bundle, beilin, clerk_beilin):
    from joint_approval.models import JointCase

    with pytest.raises(ApplicationError) as error:
        accept(bundle, clerk_beilin, beilin, applicant_id_number="91110000600037341X")
    assert error.value.code == "case_invalid_applicant"
    assert not JointCase.objects.exists()


# --- the join ------------------------------------------------------------------------------------

def _decide(leg, chief, action="approve", note=""):
    step(leg, "start_review", chief)
    step(leg, action, chief, note=note)


def test_the_joint_case_completes_when_every_leg_is_approved(bundle, company_items, beilin, clerk_beilin,
                                                             chief_beilin, chief_city):
    from joint_approval.models import JointCase

    registration, seal, tax = company_items
    joint = accept(bundle, clerk_beilin, beilin, chosen_item_ids=[])
    legs = {leg.item_code: leg for leg in joint.legs.select_related("centre")}
    _decide(legs[registration.code], chief_beilin)
    joint = JointCase.objects.get(pk=joint.pk)
    assert joint.status == JointStatus.RUNNING and joint.completed_at is None
    _decide(legs[tax.code], chief_city)
    joint = JointCase.objects.get(pk=joint.pk)
    assert joint.status == JointStatus.COMPLETED and joint.completed_at is not None
    assert joint.actual_workdays == 0
    assert set(joint.legs.values_list("outcome", flat=True)) == {"approved"}
    assert joint.events.filter(kind="joined").count() == 1
    # later steps of a leg (result ready) do not re-open or re-join it
    step(legs[tax.code], "result_ready", chief_city)
    joint = JointCase.objects.get(pk=joint.pk)
    assert joint.status == JointStatus.COMPLETED and joint.events.filter(kind="joined").count() == 1
    assert joint.legs.get(item_code=tax.code).status == "result_ready"


def test_a_denied_leg_makes_the_joint_case_partly_denied_with_the_reason(bundle, company_items, beilin, clerk_beilin,
                                                                         chief_beilin, chief_city):
    from joint_approval.models import JointCase

    registration, seal, tax = company_items
    joint = accept(bundle, clerk_beilin, beilin, chosen_item_ids=[])
    legs = {leg.item_code: leg for leg in joint.legs.select_related("centre")}
    _decide(legs[tax.code], chief_city, "deny", note="经营范围不属于本税务机关管辖")
    joint = JointCase.objects.get(pk=joint.pk)
    assert joint.status == JointStatus.RUNNING
    assert joint.denial_reasons[0]["reason"] == "经营范围不属于本税务机关管辖"
    _decide(legs[registration.code], chief_beilin)
    joint = JointCase.objects.get(pk=joint.pk)
    assert joint.status == JointStatus.PARTLY_DENIED
    assert [(r["leg"], r["item_zh"], r["reason"]) for r in joint.denial_reasons] == [
        (legs[tax.code].position, "税务登记", "经营范围不属于本税务机关管辖")]
    assert joint.legs.get(item_code=tax.code).denial_reason == "经营范围不属于本税务机关管辖"


def test_every_leg_denied_denies_the_joint_case(bundle, company_items, beilin, clerk_beilin, chief_beilin, chief_city):
    from joint_approval.models import JointCase

    registration, seal, tax = company_items
    joint = accept(bundle, clerk_beilin, beilin, chosen_item_ids=[])
    legs = {leg.item_code: leg for leg in joint.legs.select_related("centre")}
    _decide(legs[tax.code], chief_city, "deny", note="不符合条件")
    _decide(legs[registration.code], chief_beilin, "deny", note="名称不合规")
    assert JointCase.objects.get(pk=joint.pk).status == JointStatus.DENIED


def test_a_one_time_notice_pauses_only_its_leg(bundle, company_items, beilin, clerk_beilin, chief_beilin, chief_city):
    from joint_approval.models import JointCase

    registration, seal, tax = company_items
    joint = accept(bundle, clerk_beilin, beilin, chosen_item_ids=[])
    legs = {leg.item_code: leg for leg in joint.legs.select_related("centre")}
    due_before = legs[registration.code].promised_due
    step(legs[registration.code], "issue_notice", clerk_beilin)
    joint = JointCase.objects.get(pk=joint.pk)
    mirrors = {leg.item_code: leg for leg in joint.legs.all()}
    assert mirrors[registration.code].paused and mirrors[registration.code].status == "awaiting_supplement"
    assert not mirrors[tax.code].paused and mirrors[tax.code].status == "accepted"
    assert leg_case(legs[tax.code]).status == "accepted"
    assert joint.status == JointStatus.RUNNING
    # the other leg goes on and is decided while this one waits
    _decide(legs[tax.code], chief_city)
    assert JointCase.objects.get(pk=joint.pk).status == JointStatus.RUNNING
    step(legs[registration.code], "supplement", clerk_beilin)
    mirror = JointCase.objects.get(pk=joint.pk).legs.get(item_code=registration.code)
    assert not mirror.paused and mirror.promised_due >= due_before


# --- linked projects -----------------------------------------------------------------------------

@pytest.fixture
def project(company_items, gaoxin):
    registration, seal, tax = company_items
    return linked_project_register(name_zh="高新区测试产业园", name_en="Hi-tech test park", centre=gaoxin,
                                   company_name="西安测试科技有限公司", credit_code=VALID_USCC, year=2014,
                                   items=[(registration, "local"), (tax, "city")],
                                   produces={registration.code: "营业执照"})


def test_a_linked_project_accepted_at_the_zone_starts_the_city_leg_at_once(project, company_items, city, gaoxin,
                                                                           clerk_gaoxin):
    from joint_approval.services import joint_case_accept

    registration, seal, tax = company_items
    joint = joint_case_accept(accepting_centre=gaoxin, acting_user=clerk_gaoxin, project=project,
                              applicant_kind="organisation", applicant_name=project.company_name,
                              applicant_id_number=project.credit_code, phone="13912345678").joint_case
    legs = {leg.item_code: leg.centre for leg in joint.legs.select_related("centre")}
    assert legs == {registration.code: gaoxin, tax.code: city}
    assert joint.project == project and joint.accepting_centre == gaoxin


def test_a_linked_project_is_accepted_only_at_the_city_or_its_zone(project, beilin, clerk_beilin):
    from joint_approval.services import joint_case_accept

    with pytest.raises(ApplicationError) as error:
        joint_case_accept(accepting_centre=beilin, acting_user=clerk_beilin, project=project,
                          applicant_kind="organisation", applicant_name=project.company_name,
                          applicant_id_number=project.credit_code, phone="13912345678")
    assert error.value.code == "joint_wrong_centre"


def test_each_accepting_centre_numbers_its_own_joint_cases(bundle, beilin, gaoxin, clerk_beilin, clerk_gaoxin):
    """The counter is the accepting centre's: another centre's acceptances neither wait for it nor use it."""
    first_beilin = accept(bundle, clerk_beilin, beilin)
    first_gaoxin = accept(bundle, clerk_gaoxin, gaoxin)
    second_beilin = accept(bundle, clerk_beilin, beilin)
    day = first_beilin.accepted_on.strftime("%Y%m%d")
    assert (first_beilin.number, second_beilin.number, first_gaoxin.number) == (
        f"J610103-{day}-0001", f"J610103-{day}-0002", f"J610171-{day}-0001")
