"""Complaints, consultations and the director's mailbox: routed (by someone named), due in working
days, overdue flags and the one warning SMS, answered once (again: 409, nothing written), and another
centre's staff get 404."""
from __future__ import annotations

import datetime as dt

import pytest

from common.errors import ApplicationError, ConflictError
from notifications.models import OutboxMessage
from supervision.reviews.models import Inquiry
from supervision.reviews.selectors import inquiries_open_for
from supervision.reviews.services import (
    inquiry_answer,
    inquiry_handle,
    inquiry_route,
    inquiry_submit,
    supervision_followup_sweep,
)
from tenants.choices import Role
from tests.supervision.reviews.conftest import noon

pytestmark = pytest.mark.django_db
D = dt.date


def test_a_complaint_is_routed_to_its_department_and_due_in_five_working_days(beilin, department):
    complaint = inquiry_submit(centre=beilin, kind="complaint", subject="窗口态度差", body="……", department_code="sc",
                               acting_user=None, now=noon(2026, 9, 30))
    assert complaint.department_code == "SC" and complaint.channel == "online"
    assert complaint.due_date == D(2026, 10, 13)  # 8, 9, 10 (a Saturday workday), 12, 13 Oct
    consultation = inquiry_submit(centre=beilin, kind="consultation", subject="材料", body="?", acting_user=None,
                                  now=noon(2026, 9, 30))
    assert consultation.due_date == D(2026, 10, 10)
    letter = inquiry_submit(centre=beilin, kind="mailbox", subject="建议", body="!", acting_user=None,
                            now=noon(2026, 9, 30))
    assert letter.due_date == D(2026, 10, 20)


def test_an_unknown_department_is_refused(beilin, department):
    with pytest.raises(ApplicationError) as refused:
        inquiry_submit(centre=beilin, kind="complaint", subject="x", body="y", department_code="ZZ",
                       acting_user=None, now=noon(2026, 9, 30))
    assert refused.value.code == "review_inquiry_unknown_department"


def test_the_open_list_flags_overdue_items_and_the_sweep_warns_once(beilin, department, make_user, clerk):
    supervisor = make_user((beilin, Role.SUPERVISOR))
    supervisor.mobile = "+8613800000011"
    supervisor.save(update_fields=["mobile"])
    late = inquiry_submit(centre=beilin, kind="consultation", subject="材料", body="?", acting_user=clerk,
                          now=noon(2026, 9, 30))
    answered = inquiry_submit(centre=beilin, kind="consultation", subject="时限", body="?", acting_user=None,
                              now=noon(2026, 9, 30))
    inquiry_answer(inquiry=answered, answer="三个工作日", acting_user=clerk, now=noon(2026, 10, 8))
    assert late.channel == "window"
    rows = inquiries_open_for(user=supervisor, centre=beilin, today=D(2026, 10, 12))
    assert [(row.pk, row.is_overdue) for row in rows] == [(late.pk, True)]
    assert supervision_followup_sweep(D(2026, 10, 10)).messages == 0  # due today
    assert supervision_followup_sweep(D(2026, 10, 12)).messages == 1
    assert supervision_followup_sweep(D(2026, 10, 13)).messages == 0
    warned = OutboxMessage.objects.get(dedupe_key__startswith=f"inquiry:{late.pk}:")
    assert warned.template_key == "inquiry_overdue"  # its own template, not the deadline warning's
    assert "咨询“材料”" in warned.body and "答复已超期" in warned.body and "2026-10-10" in warned.body
    with pytest.raises(ConflictError) as again:
        inquiry_answer(inquiry=answered, answer="again", acting_user=clerk, now=noon(2026, 10, 9))
    assert again.value.code == "review_inquiry_answered" and again.value.http_status == 409


def test_anyone_may_write_online_and_another_centres_staff_get_404(beilin, yanta, make_user, centre_client):
    response = centre_client(beilin).post("/supervision/complaints/new/", {
        "kind": "mailbox", "subject": "建议延长午间服务", "body": "中午也开窗口"})
    assert response.status_code == 200
    letter = Inquiry.objects.get(subject="建议延长午间服务")
    assert letter.centre == beilin and letter.channel == "online" and letter.name == ""
    stranger = make_user((yanta, Role.CENTRE_ADMIN))
    assert centre_client(beilin, stranger).get("/supervision/complaints/").status_code == 404
    assert centre_client(beilin, stranger).post(f"/supervision/complaints/{letter.pk}/answer/",
                                                {"answer": "x"}).status_code == 404
    own = make_user((beilin, Role.SUPERVISOR))
    page = centre_client(beilin, own).get("/supervision/complaints/")
    assert page.status_code == 200 and "建议延长午间服务" in page.content.decode()
    centre_client(beilin, own).post(f"/supervision/complaints/{letter.pk}/answer/", {"answer": "已采纳"})
    letter.refresh_from_db()
    assert letter.answered_at is not None


def test_routing_keeps_who_routed_and_the_same_department_again_changes_nothing(beilin, department, clerk,
                                                                                 make_user):
    letter = inquiry_submit(centre=beilin, kind="mailbox", subject="建议", body="!", acting_user=None,
                            now=noon(2026, 9, 30))
    assert (letter.department_code, letter.routed_by, letter.recorded_by) == ("", None, None)
    routed = inquiry_route(inquiry=letter, department_code="sc", acting_user=clerk, now=noon(2026, 10, 8))
    assert (routed.department_code, routed.routed_by, routed.routed_at) == ("SC", clerk, noon(2026, 10, 8))
    other = make_user((beilin, Role.SUPERVISOR))
    inquiry_route(inquiry=letter, department_code="SC", acting_user=other, now=noon(2026, 10, 9))
    letter.refresh_from_db()
    assert (letter.routed_by, letter.routed_at) == (clerk, noon(2026, 10, 8))
    taken = inquiry_submit(centre=beilin, kind="complaint", subject="x", body="y", acting_user=clerk,
                           now=noon(2026, 9, 30))
    assert (taken.channel, taken.recorded_by) == ("window", clerk)


def test_an_answer_given_twice_is_a_409_and_nothing_of_that_save_is_written(beilin, department, clerk, make_user):
    complaint = inquiry_submit(centre=beilin, kind="complaint", subject="窗口态度差", body="……", acting_user=None,
                               now=noon(2026, 9, 30))
    inquiry_handle(inquiry=complaint, department_code="", answer="已核实并整改", acting_user=clerk,
                   now=noon(2026, 10, 8))
    other = make_user((beilin, Role.SUPERVISOR))
    with pytest.raises(ConflictError) as again:
        inquiry_handle(inquiry=complaint, department_code="SC", answer="另一个答复", acting_user=other,
                       now=noon(2026, 10, 9))
    assert again.value.code == "review_inquiry_answered"
    complaint.refresh_from_db()
    assert (complaint.answer, complaint.answered_by, complaint.department_code, complaint.routed_by) == (
        "已核实并整改", clerk, "", None)
    with pytest.raises(ApplicationError) as empty:
        inquiry_answer(inquiry=inquiry_submit(centre=beilin, kind="consultation", subject="?", body="?",
                                              acting_user=None, now=noon(2026, 9, 30)),
                       answer=" ", acting_user=clerk, now=noon(2026, 10, 9))
    assert empty.value.code == "review_inquiry_answer_missing" and empty.value.http_status == 400


def test_the_complaints_page_answers_a_second_answer_with_409_and_its_message(beilin, department, make_user,
                                                                              centre_client):
    letter = inquiry_submit(centre=beilin, kind="mailbox", subject="建议延长午间服务", body="中午也开窗口",
                            acting_user=None, now=noon(2026, 9, 30))
    supervisor = make_user((beilin, Role.SUPERVISOR))
    client = centre_client(beilin, supervisor)
    url = f"/supervision/complaints/{letter.pk}/answer/"
    assert client.post(url, {"department_code": "SC", "answer": ""}).status_code == 302
    page = client.get("/supervision/complaints/").content.decode()
    assert str(supervisor) in page  # who routed it, in its row
    assert client.post(url, {"department_code": "SC", "answer": "已采纳"}).status_code == 302
    again = client.post(url, {"department_code": "SC", "answer": "再答一次"}, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409 and "answered already" in again.content.decode()
    letter.refresh_from_db()
    assert (letter.answer, letter.answered_by, letter.routed_by) == ("已采纳", supervisor, supervisor)
