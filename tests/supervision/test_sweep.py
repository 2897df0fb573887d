"""The deadline sweep: each level fires once per case, pauses respected, SMS to the right people,
findings of out-of-process handling, and a centre's staff see only their own."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from cases.choices import Action
from cases.services import case_submit, case_transition
from common.errors import ApplicationError
from notifications.models import OutboxMessage
from registry.models import RegistryEntry
from supervision.models import DeadlineWarning, Finding, SupervisionSetting
from supervision.selectors import findings_for, warnings_for
from supervision.sweep import deadline_sweep
from tenants.choices import Role
from tests.cases.conftest import VALID_ID
from tests.cases.test_lifecycle import at

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def staff(beilin, make_user, clerk):
    from tenants.services import membership_grant

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


def test_each_level_fires_once_as_the_dates_pass_and_a_rerun_fires_nothing(in_beilin, item, staff):
    case = accepted_case(in_beilin, staff["clerk"])  # promised 14 Oct, legal 30 Oct 2026
    assert deadline_sweep(today=D(2026, 10, 8)).fired == {"yellow": 0, "red": 0, "black": 0}
    assert deadline_sweep(today=D(2026, 10, 12)).fired["yellow"] == 1  # 2 working days before 14 Oct
    assert deadline_sweep(today=D(2026, 10, 13)).fired["yellow"] == 0
    assert deadline_sweep(today=D(2026, 10, 15)).fired["red"] == 1
    assert deadline_sweep(today=D(2026, 10, 15)).fired == {"yellow": 0, "red": 0, "black": 0}
    assert deadline_sweep(today=D(2026, 11, 2)).fired["black"] == 1
    assert levels(case) == ["black", "red", "yellow"]


def test_a_paused_case_gets_no_warning_and_after_resuming_each_level_still_fires_only_once(
        in_beilin, item, staff):
    case = accepted_case(in_beilin, staff["clerk"])
    deadline_sweep(today=D(2026, 10, 12))
    assert levels(case) == ["yellow"]
    with tenant_context(in_beilin):
        material = case.materials.first().material_id
        case = case_transition(centre=connection.tenant,
                               case=case, action=Action.ISSUE_NOTICE, acting_user=staff["clerk"],
                               missing_material_ids=[material], now=at(2026, 10, 12))
    assert deadline_sweep(today=D(2026, 10, 20)).fired["red"] == 0  # paused: the clock is stopped
    with tenant_context(in_beilin):
        case = case_transition(centre=connection.tenant,
                               case=case, action=Action.SUPPLEMENT, acting_user=staff["clerk"],
                               now=at(2026, 10, 20))
    due = RegistryEntry.objects.get(case_id=case.pk).promised_due
    assert due > D(2026, 10, 20)
    assert deadline_sweep(today=due - dt.timedelta(days=1)).fired["yellow"] == 0  # fired before the pause
    assert deadline_sweep(today=due + dt.timedelta(days=1)).fired["red"] == 1
    assert levels(case) == ["red", "yellow"]


def test_each_warning_is_an_sms_to_the_clerk_and_the_departments_chief_and_no_one_else(in_beilin, item, staff):
    case = accepted_case(in_beilin, staff["clerk"])
    result = deadline_sweep(today=D(2026, 10, 15))  # red (and not yet yellow: past the promise already)
    assert result.fired["red"] == 1 and result.messages == 2
    messages = OutboxMessage.objects.filter(dedupe_key__startswith="warning:")
    assert sorted(m.to for m in messages) == ["+8613800000001", "+8613800000002"]
    body = messages.first().body
    assert case.number in body and "红牌警告" in body and "2026-10-14" in body and "食品经营许可" in body
    deadline_sweep(today=D(2026, 10, 15))
    assert OutboxMessage.objects.filter(dedupe_key__startswith="warning:").count() == 2  # sent once


def test_a_centre_may_warn_earlier(in_beilin, beilin, item, staff):
    accepted_case(in_beilin, staff["clerk"])
    assert deadline_sweep(today=D(2026, 10, 9)).fired["yellow"] == 0
    SupervisionSetting.objects.create(centre=beilin, yellow_workdays=4)
    assert deadline_sweep(today=D(2026, 10, 9)).fired["yellow"] == 1


def test_the_warnings_show_in_the_inbox_of_those_concerned_only(in_beilin, beilin, yanta, item, staff, make_user):
    accepted_case(in_beilin, staff["clerk"])
    deadline_sweep(today=D(2026, 10, 15))
    assert warnings_for(user=staff["clerk"], centre=beilin).count() == 1
    assert warnings_for(user=staff["chief"], centre=beilin).count() == 1
    assert warnings_for(user=staff["other_chief"], centre=beilin).count() == 0
    yanta_supervisor = make_user((yanta, Role.SUPERVISOR))
    from django.http import Http404

    with pytest.raises(Http404):
        warnings_for(user=yanta_supervisor, centre=beilin)
    assert warnings_for(user=make_user((beilin, Role.SUPERVISOR)), centre=beilin).count() == 1


def test_out_of_process_handling_is_a_finding_that_only_the_centres_supervisors_see(
        in_beilin, beilin, yanta, item, staff, make_user):
    with tenant_context(in_beilin):
        case = case_submit(centre=connection.tenant,
                           item_code="610100SC-XK-0001", applicant_kind="person", applicant_name="张三",
                           applicant_id_number=VALID_ID, phone="13812345678", channel="window",
                           acting_user=staff["clerk"]).case
        with pytest.raises(ApplicationError):
            case_transition(centre=connection.tenant,
                            case=case, action=Action.APPROVE, acting_user=staff["clerk"])  # wrong role
        with pytest.raises(ApplicationError):
            case_transition(centre=connection.tenant,
                            case=case, action=Action.START_REVIEW, acting_user=staff["clerk"])  # skips accept
    kinds = sorted(Finding.objects.filter(case_id=case.pk).values_list("kind", flat=True))
    assert kinds == ["step_skipped", "wrong_role"]

    supervisor = make_user((beilin, Role.SUPERVISOR))
    assert findings_for(user=supervisor, centre=beilin).count() == 2
    from django.http import Http404

    for outsider in (make_user((yanta, Role.SUPERVISOR)), staff["clerk"]):
        with pytest.raises(Http404):
            findings_for(user=outsider, centre=beilin)


def test_a_race_lost_to_another_clerk_is_not_a_finding(in_beilin, item, staff):
    with tenant_context(in_beilin):
        case = case_submit(centre=connection.tenant,
                           item_code="610100SC-XK-0001", applicant_kind="person", applicant_name="张三",
                           applicant_id_number=VALID_ID, phone="13812345678", channel="window",
                           acting_user=staff["clerk"]).case
        seen = case.revision
        case_transition(centre=connection.tenant,
                        case=case, action=Action.ACCEPT, acting_user=staff["clerk"], expected_revision=seen)
        with pytest.raises(ApplicationError):
            case_transition(centre=connection.tenant,
                            case=case, action=Action.ACCEPT, acting_user=staff["clerk"], expected_revision=seen)
    assert not Finding.objects.filter(case_id=case.pk).exists()


def test_a_clerk_sees_the_red_warning_in_the_warnings_inbox_and_acknowledges_it(
        in_beilin, beilin, yanta, item, staff, centre_client, make_user):
    case = accepted_case(in_beilin, staff["clerk"])
    deadline_sweep(today=D(2026, 10, 15))
    client = centre_client(beilin, staff["clerk"])
    page = client.get("/supervision/warnings/")
    assert page.status_code == 200
    assert case.number in page.content.decode() and "level-red" in page.content.decode()
    warning = DeadlineWarning.objects.get(case_id=case.pk)
    assert client.post(f"/supervision/warnings/{warning.pk}/acknowledge/").status_code == 302
    warning.refresh_from_db()
    assert warning.acknowledged_at is not None
    on_yanta = centre_client(yanta, make_user((yanta, Role.SUPERVISOR))).get("/supervision/warnings/")
    assert case.number not in on_yanta.content.decode()  # Yanta's inbox holds only Yanta's warnings
    assert centre_client(beilin, make_user((yanta, Role.SUPERVISOR))).get("/supervision/warnings/").status_code == 404
    assert centre_client(beilin, staff["clerk"]).get("/supervision/findings/").status_code == 404
