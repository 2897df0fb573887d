"""What a case carries from the programmes that file it: a green channel's compressed limit and waived
materials, and a step taken on another centre's authority (a joint acceptance)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from cases.choices import Action, CaseStatus
from cases.models import CaseEvent, CaseMaterial
from cases.services import case_submit, case_transition
from common.errors import ApplicationError
from registry.models import RegistryEntry
from tenants.choices import Role
from tests.cases.conftest import VALID_ID

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def submit(clerk, **over):
    data = dict(item_code="610100SC-XK-0001", applicant_kind="person", applicant_name="张三",
                applicant_id_number=VALID_ID, phone="13812345678", channel="window", acting_user=clerk,
                now=dt.datetime(2026, 11, 2, 10, tzinfo=SH))
    data.update(over)
    return case_submit(centre=connection.tenant, **data).case


def test_a_green_channel_case_is_accepted_with_the_programme_limit_not_the_centre_promise(in_beilin, item, clerk):
    plain = submit(clerk)
    green = submit(clerk, green_channel="coal-boilers", promised_cap_days=3)
    monday = dt.datetime(2026, 11, 2, 10, tzinfo=SH)
    plain = case_transition(centre=connection.tenant, case=plain, action=Action.ACCEPT, acting_user=clerk, now=monday)
    green = case_transition(centre=connection.tenant, case=green, action=Action.ACCEPT, acting_user=clerk, now=monday)
    assert (plain.promised_limit_days, plain.promised_due) == (8, dt.date(2026, 11, 12))
    assert (green.promised_limit_days, green.promised_due) == (3, dt.date(2026, 11, 5))
    assert green.legal_limit_days == plain.legal_limit_days == 20
    entry = RegistryEntry.objects.get(case_id=green.id)
    assert (entry.green_channel, entry.promised_limit_days) == ("coal-boilers", 3)
    assert RegistryEntry.objects.get(case_id=plain.id).green_channel == ""


def test_a_cap_longer_than_the_centre_promise_does_not_lengthen_it(in_beilin, item, clerk):
    case = submit(clerk, green_channel="slow", promised_cap_days=30)
    case = case_transition(centre=connection.tenant, case=case, action=Action.ACCEPT, acting_user=clerk,
                           now=dt.datetime(2026, 11, 2, 10, tzinfo=SH))
    assert case.promised_limit_days == 8


def test_waived_materials_are_listed_as_not_needed_and_unknown_ones_are_refused(in_beilin, item, clerk):
    from catalog.models import Material

    plan = Material.objects.get(version=item.current_version, name_en="Floor plan")
    case = submit(clerk, waived_material_ids=[plan.pk])
    states = dict(CaseMaterial.objects.filter(case=case).values_list("name_en", "state"))
    assert states["Floor plan"] == CaseMaterial.State.NOT_NEEDED
    assert states["Application"] == CaseMaterial.State.MISSING
    with pytest.raises(ApplicationError) as refused:
        submit(clerk, waived_material_ids=[999999])
    assert refused.value.code == "case_unknown_material"


def test_a_step_on_another_centres_authority_needs_no_role_here_and_says_whose_authority(
        in_beilin, item, make_user, city):
    city_clerk = make_user((city, Role.WINDOW_CLERK), username="clerk-city")
    case = submit(None, channel="joint")
    with pytest.raises(ApplicationError):
        case_transition(centre=connection.tenant, case=case, action=Action.ACCEPT, acting_user=city_clerk)
    case = case_transition(centre=connection.tenant, case=case, action=Action.ACCEPT, acting_user=city_clerk,
                           on_authority_of="joint acceptance J-1 at the city centre")
    assert case.status == CaseStatus.ACCEPTED
    event = CaseEvent.objects.filter(case=case).last()
    assert (event.acting_user_id, event.note) == (city_clerk.pk, "joint acceptance J-1 at the city centre")


def _accepted(clerk, codes, **over):
    from cases.services import AcceptedSubmission, cases_submit_accepted, validate_applicant

    applicant = validate_applicant(kind="person", name="张三", id_number=VALID_ID, phone="13812345678")
    data = dict(submissions=[AcceptedSubmission(item_code=code) for code in codes], applicant=applicant,
                channel="joint", acting_user=clerk, authority="joint acceptance J-7",
                now=dt.datetime(2026, 11, 2, 10, tzinfo=SH))
    data.update(over)
    return cases_submit_accepted(centre=connection.tenant, **data)


def test_cases_submitted_already_accepted_take_the_same_statements_for_one_or_four(in_beilin, item, clerk):
    from django.test.utils import CaptureQueriesContext

    _accepted(clerk, [item.code])  # the clerk's roles are read once, then remembered
    with CaptureQueriesContext(connection) as one:
        _accepted(clerk, [item.code])
    with CaptureQueriesContext(connection) as four:
        results = _accepted(clerk, [item.code] * 4)
    assert len(four.captured_queries) == len(one.captured_queries)
    numbers = [r.case.number for r in results]
    assert numbers == [f"610103-20261102-{n:05d}" for n in range(3, 7)]
    case = results[0].case
    assert (case.status, case.accepted_on, case.promised_due, case.handler_id) == (
        CaseStatus.ACCEPTED, dt.date(2026, 11, 2), dt.date(2026, 11, 12), clerk.pk)
    assert list(CaseEvent.objects.filter(case=case).values_list("action", "note")) == [
        ("submit", ""), ("accept", "joint acceptance J-7")]
    assert [h["status"] for h in RegistryEntry.objects.get(case_id=case.id).history] == ["submitted", "accepted"]


def test_one_item_the_centre_does_not_accept_refuses_the_whole_batch_by_name(in_beilin, item, clerk):
    from cases.models import Case

    with pytest.raises(ApplicationError) as refused:
        _accepted(clerk, [item.code, "610100ZZ-XK-9999"])
    assert refused.value.extra["item_code"] == "610100ZZ-XK-9999"
    assert not Case.objects.exists() and not RegistryEntry.objects.exists()
