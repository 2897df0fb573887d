"""Complaints, consultations and the director's mailbox: routed, due in working days, overdue flags and
the one warning SMS, and another centre's staff get 404."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from common.errors import ApplicationError
from notifications.models import OutboxMessage
from supervision.models_reviews import Inquiry
from supervision.review_selectors import inquiries_open_for
from supervision.review_services import inquiry_answer, inquiry_submit, supervision_followup_sweep
from tenants.choices import Role

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date


def noon(year, month, day) -> dt.datetime:
    return dt.datetime(year, month, day, 12, tzinfo=SHANGHAI)


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
    assert refused.value.code == "inquiry_unknown_department"


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
    assert OutboxMessage.objects.filter(dedupe_key__startswith=f"inquiry:{late.pk}:").count() == 1
    with pytest.raises(ApplicationError):
        inquiry_answer(inquiry=answered, answer="again", acting_user=clerk, now=noon(2026, 10, 9))


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
