"""Consultations, complaints and letters to the director from an account of the online service hall: the
centre chosen from a searchable list (the case's own when asked from a case), the name and mobile taken
from the account, "my questions" with the answer the centre's staff gave on their complaints page, the SMS
that tells the applicant, and another applicant's question 404."""
from __future__ import annotations

import pytest

from notifications.models import OutboxMessage
from supervision.reviews.models import Inquiry
from tenants.choices import Role
from tests.portal import ask_support

pytestmark = pytest.mark.django_db

#: The fixtures shared by these tests.
applicant_client = ask_support.applicant_client

ASK = "/online/ask/"


def test_asking_needs_an_account(centre_client):
    response = centre_client(None).get(ASK)
    assert response.status_code == 302 and response["Location"].startswith("/online/sign-in/?next=")


def test_a_question_goes_to_the_chosen_centre_in_the_accounts_name_and_is_answered(
        applicant_client, beilin, yanta, make_user, centre_client):
    client, account = applicant_client()
    found = client.get(ASK, {"q": "碑林"}).content.decode()
    assert 'value="beilin"' in found and 'value="yanta"' not in found  # the search narrows the list
    response = client.post(ASK, {"centre": "beilin", "kind": "consultation", "subject": "营业执照要带原件吗",
                                 "body": "办理食品经营许可时需要带营业执照原件吗？"})
    assert response.status_code == 302
    asked = Inquiry.objects.get(subject="营业执照要带原件吗")
    assert (asked.centre, asked.applicant_id, asked.name, asked.contact, asked.channel) == (
        beilin, account.pk, "王秀兰", "+8613800138000", "online")
    assert response["Location"] == f"/online/questions/{asked.pk}/"
    mine = client.get("/online/questions/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "营业执照要带原件吗" in mine and "Waiting for the answer" in mine

    # the centre's staff answer it on their complaints page, as they answer any
    supervisor = make_user((beilin, Role.SUPERVISOR))
    staff = centre_client(beilin, supervisor)
    assert "营业执照要带原件吗" in staff.get("/supervision/complaints/").content.decode()
    assert staff.post(f"/supervision/complaints/{asked.pk}/answer/", {"answer": "需要带原件，现场核验后退还。"}
                      ).status_code == 302
    page = client.get(f"/online/questions/{asked.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "需要带原件，现场核验后退还。" in page and "Answered on" in page
    assert "需要带原件" in client.get("/online/questions/").content.decode()
    sms = OutboxMessage.objects.get(template_key="inquiry_answered")
    assert sms.to == "+8613800138000" and "营业执照要带原件吗" in sms.body
    assert f"/online/questions/{asked.pk}/" in sms.body and "已答复" in sms.body


def test_another_applicants_question_is_404_and_not_listed(applicant_client, beilin):
    client, _account = applicant_client()
    other_client, other = applicant_client(mobile="13900139000", name="李四",
                                           id_number=ask_support.resident_id(born="19800101", serial="123"))
    assert other_client.post(ASK, {"centre": "beilin", "kind": "complaint", "subject": "窗口排队太久",
                                   "body": "上午排了两个小时。"}).status_code == 302
    theirs = Inquiry.objects.get(applicant_id=other.pk)
    assert client.get(f"/online/questions/{theirs.pk}/").status_code == 404
    assert "窗口排队太久" not in client.get("/online/questions/").content.decode()
    assert other_client.get(f"/online/questions/{theirs.pk}/").status_code == 200


def test_asked_from_a_case_the_centre_is_the_cases_and_another_centre_is_refused(applicant_client, beilin, yanta):
    client, account = applicant_client()
    case = ask_support.case_of(account, beilin, status="accepted")
    form = client.get(ASK, {"case": str(case.case_id)}).content.decode()
    assert '<option value="beilin" selected>' in form and f'value="{case.case_id}" selected' in form
    refused = client.post(ASK, {"centre": "yanta", "kind": "consultation", "case": str(case.case_id),
                                "subject": "进度", "body": "什么时候办结？"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert "is handled by" in refused.content.decode() and not Inquiry.objects.exists()
    sent = client.post(ASK, {"centre": "beilin", "kind": "consultation", "case": str(case.case_id),
                             "subject": "进度", "body": "什么时候办结？"})
    assert sent.status_code == 302
    asked = Inquiry.objects.get()
    assert (asked.case_number, asked.item_code) == (case.number, case.item_code)


def test_someone_elses_case_cannot_be_named(applicant_client, beilin):
    client, _account = applicant_client()
    _other_client, other = applicant_client(mobile="13900139000", name="李四",
                                            id_number=ask_support.resident_id(born="19800101", serial="123"))
    theirs = ask_support.case_of(other, beilin)
    assert client.get(ASK, {"case": str(theirs.case_id)}).status_code == 404
    assert client.get(ASK, {"case": "not-a-uuid"}).status_code == 404


def test_bad_input_is_told_next_to_its_field_and_nothing_is_sent(applicant_client, beilin):
    client, _account = applicant_client()
    response = client.post(ASK, {"centre": "beilin", "kind": "consultation", "subject": "",
                                 "body": "x", "item_code": "NO-SUCH-ITEM"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_subject_error"' in html and 'aria-describedby="id_subject_error"' in html
    unknown = client.post(ASK, {"centre": "beilin", "kind": "consultation", "subject": "某事项", "body": "x",
                                "item_code": "NO-SUCH-ITEM"}, HTTP_ACCEPT_LANGUAGE="en")
    assert unknown.status_code == 400 and "No item has the code NO-SUCH-ITEM" in unknown.content.decode()
    assert not Inquiry.objects.exists()


def test_an_erased_account_leaves_its_questions_without_its_name_and_gets_no_sms(applicant_client, beilin, clerk):
    from portal.services import applicant_erase
    from supervision.reviews.services import inquiry_answer
    from tests.supervision.reviews.conftest import noon

    client, account = applicant_client()
    assert client.post(ASK, {"centre": "beilin", "kind": "mailbox", "subject": "建议", "body": "延长午间服务"}
                       ).status_code == 302
    applicant_erase(applicant=account)
    asked = Inquiry.objects.get()
    assert (asked.name, asked.contact, asked.applicant_id) == ("", "", account.pk)
    inquiry_answer(inquiry=asked, answer="已采纳", acting_user=clerk, now=noon(2026, 10, 8))
    assert not OutboxMessage.objects.filter(template_key="inquiry_answered").exists()
