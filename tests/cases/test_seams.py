"""Where the doors into a centre's cases meet real input and each other (issue 11's faults): IDs of
older people, full-width input from an IME, anonymous clients' keys, one flag per due date, and
out-of-process steps tried through the page."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from django_tenants.utils import tenant_context

from cases.choices import Action, CaseStatus
from cases.models import Case
from cases.services import case_submit, case_transition
from common.identity import identity_hmac
from registry.models import RegistryEntry
from supervision.models import Finding
from tenants.choices import Role

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
URL = "/api/v1/cases/"
ITEM = "610100SC-XK-0001"


def application(**over) -> dict:
    return {"item_code": ITEM, "applicant_kind": "person", "applicant_name": "张秀兰",
            "applicant_id_number": "610103195503150029", "phone": "13812345678", **over}


# --- 1. valid IDs of older people --------------------------------------------------------------------

@pytest.mark.parametrize("id_number", ["610103195503150029", "610116198001011235"])
def test_an_older_residents_real_id_files_at_the_window(id_number, beilin, item, clerk, centre_client):
    """Beilin, born 1955; Chang'an (a district since 2002), born 1980: the county code is where the number
    was issued, not where the person was born, and it is never refused for that."""
    response = centre_client(beilin, clerk).post("/cases/new/", {
        **application(applicant_id_number=id_number), "token": "t1"})
    assert response.status_code == 302, response.content.decode()[-800:]
    with tenant_context(beilin):
        assert Case.objects.get().applicant_id_number == id_number


def test_an_older_residents_id_is_accepted_for_a_proxy_filings_consent(nanyuanmen, make_user):
    from delegation.services import consent_record, station_agent_assign, station_create

    station = station_create(township=nanyuanmen, kind="village", name_zh="南院门第三村便民服务站",
                             division_code="610103001203")
    agent = make_user(username="agent-seams")
    station_agent_assign(user=agent, station=station, acting_user=None)
    consent = consent_record(agent=agent, station=station, resident_name="张秀兰",
                             resident_id_number="610103195503150029", item_code=ITEM, method="recorded_call",
                             given_at=dt.datetime(2026, 11, 30, 9, tzinfo=SH), evidence="REC-1")
    assert consent.resident_id_hmac == identity_hmac("610103195503150029")


# --- 2. full-width input is one person, and found ----------------------------------------------------

def test_a_full_width_id_is_stored_as_ascii_and_is_the_same_person_in_the_registry(beilin, item, centre_client):
    full_width = "６１０１０３１９５５０３１５００２９"
    response = centre_client(beilin).post(URL, application(applicant_id_number=full_width),
                                          content_type="application/json")
    assert response.status_code == 201, response.json()
    with tenant_context(beilin):
        assert Case.objects.get().applicant_id_number == "610103195503150029"
    entry = RegistryEntry.objects.get(case_id=response.json()["id"])
    assert entry.applicant_hmac == identity_hmac("610103195503150029")


def test_the_progress_lookup_finds_a_case_typed_full_width(beilin, item, centre_client):
    response = centre_client(beilin).post(URL, application(applicant_id_number="６１０１０３１９５５０３１５００２９"),
                                          content_type="application/json")
    number = response.json()["number"]
    full_width_number = number.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    found = centre_client(None).get("/progress/api/", {"number": full_width_number, "factor": "００２９"})
    assert found.status_code == 200, found.json()
    assert found.json()["number"] == number
    page = centre_client(None).post("/progress/", {"number": f" {full_width_number} ", "factor": "0 0 2 9"})
    assert page.status_code == 200 and number in page.content.decode()


# --- 4. anonymous applicants' keys are their own -----------------------------------------------------

def test_two_anonymous_applicants_with_the_same_key_each_get_their_own_case(beilin, item, centre_client):
    first = centre_client(beilin).post(URL, application(), content_type="application/json",
                                       headers={"Idempotency-Key": "order-1"})
    second = centre_client(beilin).post(URL, application(applicant_name="李四",
                                                         applicant_id_number="11010519491231002X"),
                                        content_type="application/json", headers={"Idempotency-Key": "order-1"})
    assert (first.status_code, second.status_code) == (201, 201), second.json()
    assert first.json()["id"] != second.json()["id"]
    again = centre_client(beilin).post(URL, application(), content_type="application/json",
                                       headers={"Idempotency-Key": "order-1"})
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])


# --- 5. each due date carries its own flag -----------------------------------------------------------

def test_a_promise_in_a_known_year_is_not_provisional_because_the_legal_date_is(in_beilin, item, clerk,
                                                                               centre_client):
    monday = dt.datetime(2026, 12, 21, 10, tzinfo=SH)
    case = case_submit(centre=in_beilin, item_code=ITEM, applicant_kind="person", applicant_name="张三",
                       applicant_id_number="11010519491231002X", phone="13812345678", channel="window",
                       acting_user=clerk, now=monday).case
    case = case_transition(centre=in_beilin, case=case, action=Action.ACCEPT, acting_user=clerk, now=monday)
    assert (case.promised_due, case.promised_due_provisional) == (dt.date(2026, 12, 31), False)
    assert case.legal_due.year == 2027 and case.legal_due_provisional
    progress = centre_client(None).get("/progress/api/", {"number": case.number, "factor": "002X"}).json()
    assert (progress["expected_finish"], progress["provisional"]) == ("2026-12-31", False)
    page = centre_client(in_beilin, clerk).get(f"/cases/{case.pk}/").content.decode()
    promised, legal = page.split('class="legal-due"', 1)
    assert "provisional" in legal.split("</dd>", 1)[0]
    assert "2026-12-31" in promised


# --- 7. a step tried through the page reaches supervision -------------------------------------------

def test_a_step_by_the_wrong_role_through_the_page_is_refused_and_found(in_beilin, item, clerk, centre_client):
    case = case_submit(centre=in_beilin, item_code=ITEM, applicant_kind="person", applicant_name="张三",
                       applicant_id_number="11010519491231002X", phone="13812345678", channel="window",
                       acting_user=clerk).case
    for action in (Action.ACCEPT, Action.START_REVIEW):
        case = case_transition(centre=in_beilin, case=case, action=action, acting_user=clerk)
    response = centre_client(in_beilin, clerk).post(f"/cases/{case.pk}/", {
        "action": "approve", "revision": case.revision})
    assert response.status_code == 403
    assert "may not" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "under_review"
    finding = Finding.objects.get(case_id=case.pk)
    assert (finding.kind, finding.action, finding.acting_user_id) == ("wrong_role", "approve", clerk.pk)


def test_a_step_skipped_through_the_page_is_refused_and_found(in_beilin, item, clerk, make_user, centre_client):
    chief = make_user((in_beilin, Role.CHIEF_REPRESENTATIVE), username="chief-seams")
    case = case_submit(centre=in_beilin, item_code=ITEM, applicant_kind="person", applicant_name="张三",
                       applicant_id_number="11010519491231002X", phone="13812345678", channel="window",
                       acting_user=clerk).case
    case = case_transition(centre=in_beilin, case=case, action=Action.ACCEPT, acting_user=clerk)
    response = centre_client(in_beilin, chief).post(f"/cases/{case.pk}/", {  # approve, skipping the review
        "action": "approve", "revision": case.revision})
    assert response.status_code == 409
    finding = Finding.objects.get(case_id=case.pk)
    assert (finding.kind, finding.status) == ("step_skipped", "accepted")


def test_a_tampered_post_is_judged_by_the_service_not_stopped_by_the_form(in_beilin, item, clerk, make_user,
                                                                         centre_client):
    """A post for a step the page does not offer (a crafted form, a stale tab) is not turned back with
    a form error the page cannot show: the service refuses it, the clerk is told why, and supervision
    hears of it — a denial without its reason by a clerk, a review started on an unaccepted case. (A notice on
    an unaccepted case is the pre-check's one-time notice: offered, see test_lifecycle.)"""
    supervisor = make_user((in_beilin, Role.SUPERVISOR), username="supervisor-seams")
    client = centre_client(in_beilin, clerk)
    case = case_submit(centre=in_beilin, item_code=ITEM, applicant_kind="person", applicant_name="张三",
                       applicant_id_number="11010519491231002X", phone="13812345678", channel="window",
                       acting_user=clerk).case
    review = client.post(f"/cases/{case.pk}/", {"action": "start_review", "revision": case.revision},
                         HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert review.status_code == 409
    for action in (Action.ACCEPT, Action.START_REVIEW):
        case = case_transition(centre=in_beilin, case=case, action=action, acting_user=clerk)
    denial = client.post(f"/cases/{case.pk}/", {"action": "deny", "revision": case.revision},
                         HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert denial.status_code == 403
    case.refresh_from_db()
    assert case.status == "under_review"
    found = list(Finding.objects.filter(case_id=case.pk).order_by("at").values_list("kind", "action", "status"))
    assert found == [("step_skipped", "start_review", "submitted"), ("wrong_role", "deny", "under_review")]

    with translation.override("zh-hans"):
        labels = [str(Action.START_REVIEW.label), str(Action.DENY.label), str(CaseStatus.SUBMITTED.label)]
    page = centre_client(in_beilin, supervisor).get("/supervision/findings/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    cells = page.content.decode()
    assert all(f"<td>{label}</td>" in cells for label in labels)  # the step and the status in words
    assert "<td>start_review</td>" not in cells
