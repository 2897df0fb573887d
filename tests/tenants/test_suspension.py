"""Suspending a centre (issue 14, item 2): a page says what stops and what keeps running and asks for
the reason; the reason goes into the audit log; the city centre cannot be suspended (service, page, API)."""
from __future__ import annotations

import re

import pytest
from django.db import connection

from common.errors import ApplicationError
from tenants.choices import AuditKind, CentreStatus
from tenants.error_codes import CentreErrorCode
from tenants.models import AuditEvent
from tenants.services import centre_set_status
from tests.cases.conftest import VALID_ID

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_schema")]

REASON = "Moving to the new building; back on 1 December."


@pytest.fixture
def admin_client(centre_client, platform_admin):
    return centre_client(None, platform_admin)


@pytest.fixture
def open_case(in_beilin, item, clerk):
    """One case accepted at Beilin (open, its clock running)."""
    from cases.choices import Action
    from cases.services import case_submit, case_transition

    case = case_submit(centre=connection.tenant, item_code="610100SC-XK-0001", applicant_kind="person",
                       applicant_name="王小明", applicant_id_number=VALID_ID, phone="13812345678",
                       channel="window", acting_user=clerk).case
    case = case_transition(centre=connection.tenant, case=case, action=Action.ACCEPT, acting_user=clerk)
    connection.set_schema_to_public()
    return case


def _suspensions(centre) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=AuditKind.CENTRE_SUSPENDED, centre=centre))


# --- the service ---------------------------------------------------------------------------------

def test_the_city_centre_cannot_be_suspended(city, platform_admin):
    with pytest.raises(ApplicationError) as error:
        centre_set_status(centre=city, status=CentreStatus.SUSPENDED, reason=REASON, acting_user=platform_admin)
    assert error.value.code == CentreErrorCode.CITY_NOT_SUSPENDABLE
    assert "city centre cannot be suspended" in str(error.value)
    city.refresh_from_db()
    assert city.status == CentreStatus.READY
    assert _suspensions(city) == []


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_suspension_without_a_reason_is_refused(beilin, platform_admin, reason):
    with pytest.raises(ApplicationError) as error:
        centre_set_status(centre=beilin, status=CentreStatus.SUSPENDED, reason=reason, acting_user=platform_admin)
    assert error.value.code == CentreErrorCode.REASON_REQUIRED
    beilin.refresh_from_db()
    assert beilin.status == CentreStatus.READY
    assert _suspensions(beilin) == []


def test_the_audit_entry_holds_the_reason_and_resuming_needs_none(beilin, platform_admin):
    centre_set_status(centre=beilin, status=CentreStatus.SUSPENDED, reason=f"  {REASON} ",
                      acting_user=platform_admin)
    assert [e.note for e in _suspensions(beilin)] == [REASON]
    beilin.refresh_from_db()
    centre_set_status(centre=beilin, status=CentreStatus.READY, acting_user=platform_admin)
    assert AuditEvent.objects.get(kind=AuditKind.CENTRE_RESUMED, centre=beilin).note == ""


# --- the pages -----------------------------------------------------------------------------------

def _row(html: str, code: str) -> str:
    return re.search(rf'<tr data-code="{code}".*?</tr>', html, re.S).group(0)


def test_the_list_offers_no_one_click_suspend_and_none_for_the_city(admin_client, city, beilin):
    html = admin_client.get("/").content.decode()
    assert "<form" not in _row(html, "610103")  # a link to the confirmation page, not a button that suspends
    assert 'href="/centres/610103/status/"' in _row(html, "610103")
    assert "/centres/610100/status/" not in _row(html, "610100")


def test_the_confirmation_page_names_what_stops_and_what_keeps_running(admin_client, beilin, open_case):
    page = admin_client.get("/centres/610103/status/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Suspend Beilin District?" in html
    impact = re.search(r'<section class="card" id="impact">.*?</section>', html, re.S).group(0)
    assert "answer “suspended”" in impact and "<code>http://beilin.localhost/</code>" in impact
    assert "cannot work there" in impact
    assert "Its 1 open case keeps its clock running" in impact
    assert re.search(r'<textarea name="reason"[^>]*required', html)
    assert ' style="' not in html and "<script>" not in html  # CSP: nothing inline
    beilin.refresh_from_db()
    assert beilin.status == CentreStatus.READY  # looking is not suspending


def test_the_confirmation_page_gives_addresses_with_the_requests_port_and_reads_naturally_for_none(
        centre_client, platform_admin, beilin, settings):
    client = centre_client(None, platform_admin)
    on_8408 = {"HTTP_HOST": f"{settings.PLATFORM_DOMAIN}:8408", "SERVER_PORT": "8408"}  # as runserver gets it
    html = client.get("/centres/610103/status/", **on_8408).content.decode()
    assert "<code>http://beilin.localhost:8408/</code>" in html
    open_cases = re.search(r'<li id="open-cases">(.*?)</li>', html, re.S).group(1)
    assert open_cases == "It has no open cases: no case's clock is running."
    resume = client.get("/centres/610103/status/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "0 件" not in resume.content.decode()


def test_the_page_refuses_a_suspension_without_a_reason(admin_client, beilin):
    page = admin_client.post("/centres/610103/status/", {"from": "ready", "status": "suspended", "reason": " "})
    assert page.status_code == 400
    assert "Give a reason for suspending the centre" in page.content.decode()
    beilin.refresh_from_db()
    assert beilin.status == CentreStatus.READY
    assert _suspensions(beilin) == []


def test_the_city_page_says_it_cannot_be_suspended_and_a_post_is_refused(admin_client, city):
    html = admin_client.get("/centres/610100/status/").content.decode()
    assert "The city centre cannot be suspended" in html
    assert 'id="centre-status"' not in html  # no form
    page = admin_client.post("/centres/610100/status/", {"from": "ready", "status": "suspended", "reason": REASON})
    assert page.status_code == 400
    city.refresh_from_db()
    assert city.status == CentreStatus.READY
    assert _suspensions(city) == []


def test_suspending_from_the_page_records_the_reason_and_its_address_answers_suspended(
        admin_client, centre_client, beilin, platform_admin):
    page = admin_client.post("/centres/610103/status/", {"from": "ready", "status": "suspended", "reason": REASON},
                             follow=True)
    assert "Centre 610103 suspended." in page.content.decode()
    [event] = _suspensions(beilin)
    assert (event.actor, event.note) == (platform_admin, REASON)
    assert REASON in admin_client.get("/audit/").content.decode()

    answer = centre_client(beilin).get("/")
    assert answer.status_code == 503 and "This centre is suspended" in answer.content.decode()

    resume = admin_client.get("/centres/610103/status/").content.decode()
    assert "Resume Beilin District?" in resume
    admin_client.post("/centres/610103/status/", {"from": "suspended", "status": "ready"})
    beilin.refresh_from_db()
    assert beilin.status == CentreStatus.READY


# --- the API -------------------------------------------------------------------------------------

def test_the_api_needs_a_reason_and_refuses_the_city(admin_client, beilin, city):
    url = "/api/v1/centres/{}/status/"
    without = admin_client.post(url.format("610103"), {"status": "suspended"}, content_type="application/json")
    assert (without.status_code, without.json()["code"]) == (400, "centre_reason_required")
    the_city = admin_client.post(url.format("610100"), {"status": "suspended", "reason": REASON},
                                 content_type="application/json")
    assert (the_city.status_code, the_city.json()["code"]) == (400, "centre_city_not_suspendable")
    done = admin_client.post(url.format("610103"), {"status": "suspended", "reason": REASON},
                             content_type="application/json")
    assert done.json()["status"] == "suspended"
    assert [e.note for e in _suspensions(beilin)] == [REASON]
