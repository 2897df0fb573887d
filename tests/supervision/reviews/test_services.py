"""Writes of the reviews room: one rating per case, a bad one opens a rectification on the centre's
working days, each rectification step and the follow-up rating once (again: 409, nothing written), who
did each step is kept, and the late-step SMS goes once."""
from __future__ import annotations

import datetime as dt

import pytest

from common.errors import ApplicationError, ConflictError
from notifications.models import OutboxMessage
from supervision.reviews.models import Rectification, Review
from supervision.reviews.services import (
    rectification_record_callback,
    rectification_report,
    review_follow_up,
    review_submit,
    supervision_followup_sweep,
)
from tenants.choices import Role
from tests.supervision.reviews.conftest import entry, noon, online

pytestmark = pytest.mark.django_db
D = dt.date


def test_a_case_is_rated_once_and_the_second_rating_is_refused_with_a_clear_message(beilin):
    case = entry(beilin)
    review_submit(entry=case, channel="online", levels=online("satisfied"), acting_user=None, now=noon(2026, 10, 9))
    with pytest.raises(ConflictError) as refused:
        review_submit(entry=case, channel="counter", levels={"overall": "very_satisfied"}, acting_user=None,
                      now=noon(2026, 10, 9))
    assert refused.value.code == "review_already_given" and refused.value.http_status == 409
    assert "rated already" in str(refused.value)
    assert Review.objects.filter(entry=case).count() == 1


def test_an_undecided_case_cannot_be_rated(beilin):
    with pytest.raises(ApplicationError) as refused:
        review_submit(entry=entry(beilin, status="under_review"), channel="online", levels=online("satisfied"),
                      acting_user=None, now=noon(2026, 10, 9))
    assert refused.value.code == "review_case_not_decided"


def test_a_bad_review_opens_a_rectification_due_in_working_days_across_national_day(beilin):
    review = review_submit(entry=entry(beilin), channel="online", levels=online("very_dissatisfied"),
                           acting_user=None, now=noon(2026, 9, 30))
    rectification = review.rectification
    # 1-7 Oct are holidays, Sat 10 Oct a working day (调休), 8-9 Oct working days
    assert rectification.callback_due == D(2026, 10, 8)
    # 15 working days from 30 Sep: 8, 9, 10, 12-16, 19-23, 26, 27 Oct
    assert rectification.fix_due == D(2026, 10, 27)


def test_a_good_review_opens_no_rectification(beilin):
    review_submit(entry=entry(beilin), channel="counter", levels={"overall": "basically"}, acting_user=None,
                  now=noon(2026, 10, 9))
    assert not Rectification.objects.exists()


def test_the_applicant_may_add_one_follow_up_rating_after_the_report(beilin, clerk):
    case = entry(beilin)
    review = review_submit(entry=case, channel="online", levels=online("dissatisfied"), acting_user=None,
                           now=noon(2026, 10, 9))
    with pytest.raises(ApplicationError):
        review_follow_up(entry=case, level="satisfied", now=noon(2026, 10, 10))  # not reported yet
    rectification_report(rectification=review.rectification, report="窗口人员已培训", acting_user=clerk,
                         now=noon(2026, 10, 12))
    done = review_follow_up(entry=case, level="satisfied", now=noon(2026, 10, 13))
    assert done.follow_up_level == "satisfied"
    with pytest.raises(ConflictError) as again:
        review_follow_up(entry=case, level="very_satisfied", now=noon(2026, 10, 14))
    assert again.value.code == "review_follow_up_given" and again.value.http_status == 409
    done.refresh_from_db()
    assert done.follow_up_level == "satisfied"


def test_an_overdue_rectification_step_sends_one_sms_to_the_supervisor_and_a_rerun_sends_none(
        beilin, yanta, make_user):
    supervisor = make_user((beilin, Role.SUPERVISOR))
    supervisor.mobile = "+8613800000009"
    supervisor.save(update_fields=["mobile"])
    make_user((beilin, Role.SUPERVISOR))  # no mobile: no SMS
    other = make_user((yanta, Role.SUPERVISOR))
    other.mobile = "+8613800000010"
    other.save(update_fields=["mobile"])
    review = review_submit(entry=entry(beilin), channel="online", levels=online("very_dissatisfied"),
                           acting_user=None, now=noon(2026, 9, 30))

    assert supervision_followup_sweep(D(2026, 10, 8)).messages == 0  # due today, not late
    first = supervision_followup_sweep(D(2026, 10, 9))
    assert first.overdue["callback"] == 1 and first.messages == 1
    assert supervision_followup_sweep(D(2026, 10, 9)).messages == 0
    assert supervision_followup_sweep(D(2026, 10, 12)).messages == 0
    sms = OutboxMessage.objects.filter(dedupe_key__startswith=f"rectification:{review.rectification.pk}:")
    assert [m.to for m in sms] == ["+8613800000009"]
    # its own template, not the deadline warning's: which step of the bad review's rectification is late
    assert [m.template_key for m in sms] == ["rectification_overdue"]
    assert "差评回访已超期" in sms[0].body and review.entry.number in sms[0].body and "预警" not in sms[0].body
    assert review.rectification.__class__.objects.get(pk=review.rectification.pk).callback_overdue_at is not None


def test_a_counter_rating_keeps_who_recorded_it_and_an_online_one_no_one(beilin, clerk):
    counter = review_submit(entry=entry(beilin), channel="counter", levels={"overall": "satisfied"}, acting_user=clerk,
                            now=noon(2026, 10, 9))
    online_review = review_submit(entry=entry(beilin), channel="online", levels=online("satisfied"), acting_user=None,
                                  now=noon(2026, 10, 9))
    assert (counter.recorded_by, online_review.recorded_by) == (clerk, None)


def test_the_callback_and_the_report_are_recorded_once_each_with_who_did_them(beilin, clerk, make_user):
    chief = make_user((beilin, Role.CHIEF_REPRESENTATIVE))
    review = review_submit(entry=entry(beilin), channel="online", levels=online("dissatisfied"), acting_user=None,
                           now=noon(2026, 10, 9))
    called = rectification_record_callback(rectification=review.rectification, acting_user=clerk,
                                           now=noon(2026, 10, 10))
    assert (called.called_back_by, called.called_back_at) == (clerk, noon(2026, 10, 10))
    with pytest.raises(ConflictError) as again:
        rectification_record_callback(rectification=review.rectification, acting_user=chief, now=noon(2026, 10, 11))
    assert again.value.code == "review_rectification_called_back" and again.value.http_status == 409

    with pytest.raises(ApplicationError) as empty:
        rectification_report(rectification=review.rectification, report="  ", acting_user=chief,
                             now=noon(2026, 10, 12))
    assert empty.value.code == "review_rectification_report_missing" and empty.value.http_status == 400
    reported = rectification_report(rectification=review.rectification, report="窗口人员已培训", acting_user=chief,
                                    now=noon(2026, 10, 12))
    assert (reported.reported_by, reported.called_back_by) == (chief, clerk)
    with pytest.raises(ConflictError) as twice:
        rectification_report(rectification=review.rectification, report="再次反馈", acting_user=clerk,
                             now=noon(2026, 10, 13))
    assert twice.value.code == "review_rectification_reported" and twice.value.http_status == 409
    stored = Rectification.objects.get(pk=review.rectification.pk)  # nothing written by the refused steps
    assert (stored.report, stored.reported_by, stored.reported_at) == ("窗口人员已培训", chief, noon(2026, 10, 12))
    assert (stored.called_back_by, stored.called_back_at) == (clerk, noon(2026, 10, 10))


def test_a_report_without_a_callback_counts_as_the_callback_by_the_same_person(beilin, clerk):
    review = review_submit(entry=entry(beilin), channel="online", levels=online("very_dissatisfied"),
                           acting_user=None, now=noon(2026, 10, 9))
    reported = rectification_report(rectification=review.rectification, report="已整改", acting_user=clerk,
                                    now=noon(2026, 10, 12))
    assert (reported.called_back_by, reported.called_back_at) == (clerk, noon(2026, 10, 12))
    assert Review.objects.get(pk=review.pk).rectification.reported_by == clerk
