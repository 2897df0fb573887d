"""The case lifecycle: every transition, the clock, the registry, conflicts, idempotency."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from cases.choices import Action, CaseStatus
from cases.models import CaseEvent, CaseMaterial, OneTimeNotice
from cases.services import case_submit, case_transition
from common.errors import ApplicationError, ConflictError
from common.idempotency import ClientKey
from registry.models import RegistryEntry
from tests.cases.conftest import VALID_ID, VALID_USCC

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10):
    return dt.datetime(y, m, d, h, tzinfo=SH)


def submit(clerk, **over):
    data = dict(item_code="610100SC-XK-0001", applicant_kind="person", applicant_name="张三",
                applicant_id_number=VALID_ID, phone="13812345678", channel="window", acting_user=clerk,
                now=at(2026, 9, 28))
    data.update(over)
    return case_submit(centre=connection.tenant, **data).case


def test_a_case_runs_its_whole_course_with_an_event_and_a_registry_row_at_every_step(
        in_beilin, item, clerk, chief, django_capture_on_commit_callbacks):
    case = submit(clerk)
    assert case.number == "610103-20260928-00001"
    steps = [(Action.ACCEPT, clerk, at(2026, 9, 28)), (Action.START_REVIEW, clerk, at(2026, 9, 29)),
             (Action.APPROVE, chief, at(2026, 10, 9)), (Action.RESULT_READY, clerk, at(2026, 10, 9, 15)),
             (Action.COLLECT, clerk, at(2026, 10, 12))]
    for action, user, when in steps:
        with django_capture_on_commit_callbacks():
            case = case_transition(centre=connection.tenant, case=case, action=action, acting_user=user, now=when)
    assert case.status == CaseStatus.COLLECTED
    assert [e.to_status for e in CaseEvent.objects.filter(case=case)] == [
        "submitted", "accepted", "under_review", "approved", "result_ready", "collected"]
    entry = RegistryEntry.objects.get(case_id=case.id)
    assert (entry.status, entry.is_open, entry.number) == ("collected", False, case.number)
    assert VALID_ID not in str(entry.__dict__)
    assert [h["status"] for h in entry.history][-1] == "collected"


def test_the_due_dates_count_working_days_across_national_day(in_beilin, item, clerk):
    case = submit(clerk)
    case = case_transition(centre=connection.tenant,
                           case=case, action=Action.ACCEPT, acting_user=clerk, now=at(2026, 9, 28))
    # promised 8 working days from Mon 28 Sep 2026: 29, 30 Sep; 1-7 Oct National Day; 8, 9,
    # Sat 10 Oct (a make-up workday, 调休), 12, 13, 14 Oct → 14 Oct. Legal 20 → 30 Oct.
    assert (case.promised_due, case.legal_due) == (dt.date(2026, 10, 14), dt.date(2026, 10, 30))
    assert not case.promised_due_provisional and not case.legal_due_provisional


def test_the_due_dates_count_working_days_across_spring_festival(in_beilin, item, clerk):
    case = submit(clerk, now=at(2026, 2, 13))
    case = case_transition(centre=connection.tenant,
                           case=case, action=Action.ACCEPT, acting_user=clerk, now=at(2026, 2, 13))
    # from Fri 13 Feb 2026: Sat 14 Feb (调休) 1; 15-23 Feb Spring Festival; 24, 25, 26, 27 Feb, Sat 28
    # Feb (调休), 2, 3 Mar → the 8th working day is 3 Mar.
    assert case.promised_due == dt.date(2026, 3, 3)


def test_a_one_time_notice_pauses_the_clock_and_the_supplement_moves_both_due_dates(in_beilin, item, clerk):
    case = submit(clerk)
    case = case_transition(centre=connection.tenant,
                           case=case, action=Action.ACCEPT, acting_user=clerk, now=at(2026, 9, 28))
    promised, legal = case.promised_due, case.legal_due
    missing = list(CaseMaterial.objects.filter(case=case).values_list("material_id", flat=True))[:2]
    case = case_transition(centre=connection.tenant,
                           case=case, action=Action.ISSUE_NOTICE, acting_user=clerk, missing_material_ids=missing,
                           note="请补齐", now=at(2026, 9, 29))
    assert RegistryEntry.objects.get(case_id=case.id).paused
    assert OneTimeNotice.objects.get(case=case).missing[0]["id"] == missing[0]
    case = case_transition(centre=connection.tenant,
                           case=case, action=Action.SUPPLEMENT, acting_user=clerk, now=at(2026, 10, 12))
    # paused working days in (29 Sep, 12 Oct]: 30 Sep, 8, 9, 10 (Sat, 调休), 12 Oct = 5
    assert case.paused_workdays == 5
    assert case.promised_due > promised and case.legal_due > legal
    # 8 + 5 = 13 working days from 28 Sep → 21 Oct; 20 + 5 = 25 → 6 Nov
    assert (case.promised_due, case.legal_due) == (dt.date(2026, 10, 21), dt.date(2026, 11, 6))
    assert not RegistryEntry.objects.get(case_id=case.id).paused


def test_a_due_date_in_a_year_without_a_schedule_is_provisional(in_beilin, item, clerk):
    case = submit(clerk, now=at(2026, 12, 24))
    case = case_transition(centre=connection.tenant,
                           case=case, action=Action.ACCEPT, acting_user=clerk, now=at(2026, 12, 24))
    # the promise (8 working days: 2027-01-07) and the law (20: 2027-01-22) both reach into 2027, whose
    # schedule is not out yet: each date says so on its own
    assert case.legal_due.year == 2027
    assert case.promised_due_provisional and case.legal_due_provisional
    entry = RegistryEntry.objects.get(case_id=case.id)
    assert entry.promised_due_provisional and entry.legal_due_provisional


@pytest.mark.parametrize(("over", "field"), [
    ({"applicant_id_number": "110105194912310021"}, "applicant_id_number"),
    ({"applicant_kind": "organisation", "applicant_id_number": "91110000600037341X"}, "applicant_id_number"),
    ({"phone": "12345"}, "phone"),
    ({"applicant_name": " "}, "applicant_name"),
])
def test_bad_applicant_details_are_refused_naming_the_field_and_nothing_is_saved(in_beilin, item, clerk, over,
                                                                                  field):
    with pytest.raises(ApplicationError) as error:
        submit(clerk, **over)
    assert error.value.code == "case_invalid_applicant"
    assert field in error.value.extra["fields"]
    assert not RegistryEntry.objects.exists()


def test_an_organisation_with_a_valid_credit_code_is_accepted(in_beilin, item, clerk):
    case = submit(clerk, applicant_kind="organisation", applicant_id_number=VALID_USCC, applicant_name="某公司")
    assert case.materials.filter(state="not_needed").count() == 0
    person = submit(clerk)
    assert person.materials.filter(state="not_needed").count() == 1  # the business licence


def test_an_item_the_centre_has_not_adopted_is_refused(in_beilin, item, clerk):
    with pytest.raises(ApplicationError) as error:
        submit(clerk, item_code="610100SC-XK-0999")
    assert error.value.code == "case_item_not_accepted"


def test_a_transition_not_allowed_from_this_state_or_for_this_role_is_refused(in_beilin, item, clerk, chief):
    case = submit(clerk)
    with pytest.raises(ApplicationError) as error:
        case_transition(centre=connection.tenant, case=case, action=Action.APPROVE, acting_user=chief)
    assert error.value.code == "case_transition_not_allowed"
    case = case_transition(centre=connection.tenant,
                           case=case, action=Action.ACCEPT, acting_user=clerk, now=at(2026, 9, 28))
    case = case_transition(centre=connection.tenant,
                           case=case, action=Action.START_REVIEW, acting_user=clerk, now=at(2026, 9, 28))
    with pytest.raises(ApplicationError) as error:
        case_transition(centre=connection.tenant, case=case, action=Action.APPROVE, acting_user=clerk)
    assert error.value.code == "case_role_not_allowed"
    with pytest.raises(ApplicationError) as error:
        case_transition(centre=connection.tenant, case=case, action=Action.DENY, acting_user=chief, note="")
    assert error.value.code == "case_note_required"


def test_refusal_needs_a_reason_and_ends_the_case(in_beilin, item, clerk):
    case = submit(clerk)
    with pytest.raises(ApplicationError):
        case_transition(centre=connection.tenant, case=case, action=Action.REFUSE, acting_user=clerk)
    case = case_transition(centre=connection.tenant,
                           case=case, action=Action.REFUSE, acting_user=clerk, note="不属于本中心受理范围")
    assert case.status == CaseStatus.REFUSED and case.closed_at is not None


def test_the_applicant_may_withdraw_before_a_decision_but_not_after(in_beilin, item, clerk, chief):
    case = submit(clerk)
    withdrawn = case_transition(centre=connection.tenant, case=case, action=Action.WITHDRAW, acting_user=None)
    assert withdrawn.status == CaseStatus.WITHDRAWN
    other = submit(clerk)
    for action, user in ((Action.ACCEPT, clerk), (Action.START_REVIEW, clerk), (Action.APPROVE, chief)):
        other = case_transition(centre=connection.tenant,
                                case=other, action=action, acting_user=user, now=at(2026, 9, 28))
    with pytest.raises(ApplicationError):
        case_transition(centre=connection.tenant, case=other, action=Action.WITHDRAW, acting_user=None)


def test_two_clerks_acting_on_the_same_view_of_a_case_one_wins_the_other_is_told(in_beilin, item, clerk):
    case = submit(clerk)
    seen = case.revision
    case_transition(centre=connection.tenant,
                    case=case, action=Action.ACCEPT, acting_user=clerk, expected_revision=seen,
                    now=at(2026, 9, 28))
    with pytest.raises(ConflictError) as error:
        case_transition(centre=connection.tenant,
                        case=case, action=Action.REFUSE, acting_user=clerk, note="x", expected_revision=seen)
    assert "changed by someone else" in str(error.value)
    assert CaseEvent.objects.filter(case=case).count() == 2


def test_the_same_idempotency_key_twice_creates_one_case(in_beilin, item, clerk):
    first = case_submit(centre=connection.tenant,
                        item_code="610100SC-XK-0001", applicant_kind="person", applicant_name="张三",
                        applicant_id_number=VALID_ID, phone="13812345678", channel="online", acting_user=None,
                        idempotency_key=ClientKey(key="k-1", user_id=None))
    again = case_submit(centre=connection.tenant,
                        item_code="610100SC-XK-0001", applicant_kind="person", applicant_name="张三",
                        applicant_id_number=VALID_ID, phone="13812345678", channel="online", acting_user=None,
                        idempotency_key=ClientKey(key="k-1", user_id=None))
    assert first.created and not again.created and again.case.pk == first.case.pk
    with pytest.raises(ApplicationError) as error:
        case_submit(centre=connection.tenant,
                    item_code="610100SC-XK-0001", applicant_kind="person", applicant_name="李四",
                    applicant_id_number=VALID_ID, phone="13812345678", channel="online", acting_user=None,
                    idempotency_key=ClientKey(key="k-1", user_id=None))
    assert error.value.code == "idempotency_key_reused"
    assert RegistryEntry.objects.count() == 1


def test_result_ready_writes_one_sms_to_the_outbox_in_the_same_transaction(in_beilin, item, clerk, chief):
    from notifications.models import OutboxMessage

    case = submit(clerk)
    for action, user in ((Action.ACCEPT, clerk), (Action.START_REVIEW, clerk), (Action.APPROVE, chief),
                         (Action.RESULT_READY, clerk)):
        case = case_transition(centre=connection.tenant,
                               case=case, action=action, acting_user=user, now=at(2026, 9, 28))
    message = OutboxMessage.objects.get(template_key="case_result_ready")
    assert message.to == "+8613812345678"
    assert case.number in message.body and "领取" in message.body


def test_a_second_request_racing_on_the_same_idempotency_key_gets_the_first_case(in_beilin, item, clerk,
                                                                                  monkeypatch):
    """The racer's early lookup misses (the first request had not committed); its insert then meets the
    unique key, its case is rolled back, and it answers with the first one."""
    from django.db.models import QuerySet

    from cases.models import Case, CaseIdempotencyKey

    data = dict(item_code="610100SC-XK-0001", applicant_kind="person", applicant_name="张三",
                applicant_id_number=VALID_ID, phone="13812345678", channel="online", acting_user=None,
                idempotency_key=ClientKey(key="race-1", user_id=None))
    first = case_submit(centre=connection.tenant, **data)
    real_first = QuerySet.first
    missed = {"n": 0}

    def first_missing_once(self):
        if self.model is CaseIdempotencyKey and not missed["n"]:
            missed["n"] += 1
            return None
        return real_first(self)

    monkeypatch.setattr(QuerySet, "first", first_missing_once)
    racer = case_submit(centre=connection.tenant, **data)

    assert missed["n"] == 1
    assert (racer.created, racer.case.pk) == (False, first.case.pk)
    assert Case.objects.count() == 1 and RegistryEntry.objects.count() == 1
