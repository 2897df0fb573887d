"""Departments bind and personal data by need (issue 12, faults 3 and 4): a department's clerk reads and
acts on that department's cases only (another's is missing: 404), a general clerk on all, the centre's
administrators and supervisors read all; the applicant's ID number and phone are masked for everyone on
pages and the API, and revealed in full only to the staff handling the case, each time audited."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from cases.choices import Action, CaseStatus
from cases.models import Case
from cases.services import case_submit, case_transition
from tenants.choices import AuditKind, AuditTarget, Role
from tenants.models import AuditEvent
from tenants.services import membership_grant
from tests.cases.conftest import VALID_ID

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases/"
PHONE = "13812345678"
URBAN = "610100CG-XK-0001"


@pytest.fixture
def urban_item(city, beilin, item):
    """An urban-management (CG) item adopted by Beilin, beside the market-regulation (SC) one."""
    from catalog.models import Department
    from catalog.services import adoption_create, item_create, version_create_draft, version_publish

    department = Department.objects.create(code="CG", name_zh="市城市管理局", name_en="Urban Management")
    urban = item_create(code=URBAN, department=department, category="licence", item_type="XK",
                        levels=["city", "district"], acting_user=None)
    version = version_create_draft(
        item=urban, content={"name_zh": "占道许可", "name_en": "Street occupation permit", "legal_limit_days": 20,
                             "promised_limit_days": 10},
        materials=[{"name_zh": "申请书", "name_en": "Application"}], effective_from=dt.date(2020, 1, 1),
        acting_user=None)
    version_publish(version=version, acting_user=None, today=dt.date(2020, 1, 1))
    urban.refresh_from_db()
    adoption_create(centre=beilin, item=urban, promised_limit_days=8, window="6", acting_user=None,
                    today=dt.date(2020, 1, 1))
    return urban


def _staff(make_user, beilin, username: str, role: str, department: str = ""):
    user = make_user(username=username)
    membership_grant(user=user, centre=beilin, role=role, department_code=department, acting_user=None)
    return user


@pytest.fixture
def people(make_user, beilin):
    return {
        "market": _staff(make_user, beilin, "clerk-beilin-sc", Role.WINDOW_CLERK, "SC"),
        "urban": _staff(make_user, beilin, "clerk-beilin-cg", Role.WINDOW_CLERK, "CG"),
        "urban_chief": _staff(make_user, beilin, "chief-beilin-cg", Role.CHIEF_REPRESENTATIVE, "CG"),
        "general": _staff(make_user, beilin, "clerk-beilin-general", Role.WINDOW_CLERK),
        "supervisor": _staff(make_user, beilin, "supervisor-beilin", Role.SUPERVISOR),
        "admin": _staff(make_user, beilin, "admin-beilin", Role.CENTRE_ADMIN),
    }


@pytest.fixture
def urban_case(in_beilin, urban_item, people) -> Case:
    case = case_submit(centre=connection.tenant, item_code=URBAN, applicant_kind="person", applicant_name="张三",
                       applicant_id_number=VALID_ID, phone=PHONE, channel="window",
                       acting_user=people["general"]).case
    return case_transition(centre=connection.tenant, case=case, action=Action.ACCEPT, acting_user=people["general"])


# --- fault 4: departments bind -----------------------------------------------------------------------

def test_another_departments_clerk_neither_lists_nor_reads_nor_withdraws_the_case(
        urban_case, beilin, people, centre_client):
    client = centre_client(beilin, people["market"])
    assert client.get(URL).json()["count"] == 0
    assert client.get(URL, {"department": "CG"}).json()["count"] == 0
    assert client.get(f"{URL}{urban_case.pk}/").status_code == 404
    withdraw = client.post(f"{URL}{urban_case.pk}/transitions/", {"action": "withdraw", "note": "x"},
                           content_type="application/json")
    assert withdraw.status_code == 404
    assert client.get(f"/cases/{urban_case.pk}/").status_code == 404
    assert client.post(f"/cases/{urban_case.pk}/", {"action": "withdraw", "note": "x"}).status_code == 404
    assert client.get(f"/cases/{urban_case.pk}/receipt/").status_code == 404
    urban_case.refresh_from_db()
    assert urban_case.status == CaseStatus.ACCEPTED


def test_the_cases_department_and_a_general_clerk_act_on_it(urban_case, beilin, people, centre_client):
    own = centre_client(beilin, people["urban"])
    assert [c["id"] for c in own.get(URL).json()["results"]] == [str(urban_case.pk)]
    response = own.post(f"{URL}{urban_case.pk}/transitions/", {"action": "start_review"},
                        content_type="application/json")
    assert response.status_code == 200, response.content
    general = centre_client(beilin, people["general"])
    assert general.get(URL).json()["count"] == 1
    chief = centre_client(beilin, people["urban_chief"])
    assert chief.post(f"{URL}{urban_case.pk}/transitions/", {"action": "approve"},
                      content_type="application/json").status_code == 200


def test_administrators_and_supervisors_read_every_department_and_gain_no_write_power(
        urban_case, beilin, people, centre_client):
    for who in ("admin", "supervisor"):
        client = centre_client(beilin, people[who])
        assert client.get(URL).json()["count"] == 1
        assert client.get(f"/cases/{urban_case.pk}/").status_code == 200
    refused = centre_client(beilin, people["supervisor"]).post(
        f"{URL}{urban_case.pk}/transitions/", {"action": "withdraw", "note": "x"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "case_role_not_allowed"


def test_a_supervisor_who_is_also_another_departments_clerk_reads_but_may_not_act(
        urban_case, beilin, people, centre_client):
    market = people["market"]
    membership_grant(user=market, centre=beilin, role=Role.SUPERVISOR, acting_user=None)
    client = centre_client(beilin, market)
    assert client.get(f"{URL}{urban_case.pk}/").status_code == 200
    refused = client.post(f"{URL}{urban_case.pk}/transitions/", {"action": "withdraw", "note": "x"},
                          content_type="application/json")
    assert refused.status_code == 403 and refused.json()["extra"]["department"] == "CG"
    assert 'data-action="withdraw"' not in client.get(f"/cases/{urban_case.pk}/").content.decode()
    urban_case.refresh_from_db()
    assert urban_case.status == CaseStatus.ACCEPTED


def test_a_department_clerk_files_at_the_window_for_another_department_and_hands_it_over(
        urban_item, beilin, people, centre_client):
    client = centre_client(beilin, people["market"])
    response = client.post("/cases/new/", {"item_code": URBAN, "applicant_kind": "person", "applicant_name": "李四",
                                           "applicant_id_number": VALID_ID, "phone": PHONE})
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert centre_client(beilin, people["urban"]).get(URL).json()["count"] == 1


# --- fault 3: personal data by need --------------------------------------------------------------------

def test_the_api_masks_the_id_number_and_phone_for_everyone(urban_case, beilin, people, centre_client):
    for who in ("supervisor", "admin", "urban", "general"):
        client = centre_client(beilin, people[who])
        row = client.get(URL).json()["results"][0]
        detail = client.get(f"{URL}{urban_case.pk}/").json()
        for body in (row, detail):
            assert body["applicant_id_number"] == "**************002X"
            assert body["phone"] == "138****5678"
            assert VALID_ID not in str(body) and PHONE not in str(body)


def test_the_staff_handling_the_case_reveal_it_and_the_audit_log_says_so_without_the_values(
        urban_case, beilin, people, centre_client):
    response = centre_client(beilin, people["urban"]).post(f"{URL}{urban_case.pk}/reveal/")
    assert response.status_code == 200
    assert response.json() == {"applicant_id_number": VALID_ID, "phone": "+86" + PHONE}
    event = AuditEvent.objects.get(kind=AuditKind.PERSONAL_DATA_REVEALED)
    assert (event.actor, event.centre, event.target_type, event.target_label) == (
        people["urban"], beilin, AuditTarget.CASE, urban_case.number)
    stored = str([event.before, event.after, event.note, event.target_label, event.target_id])
    assert VALID_ID not in stored and PHONE not in stored


def test_supervisors_admins_and_other_departments_cannot_reveal(urban_case, beilin, people, centre_client):
    for who in ("supervisor", "admin"):
        response = centre_client(beilin, people[who]).post(f"{URL}{urban_case.pk}/reveal/")
        assert response.status_code == 403 and response.json()["code"] == "case_role_not_allowed"
    assert centre_client(beilin, people["market"]).post(f"{URL}{urban_case.pk}/reveal/").status_code == 404
    assert not AuditEvent.objects.filter(kind=AuditKind.PERSONAL_DATA_REVEALED).exists()


def test_the_case_page_masks_and_offers_the_reveal_to_the_handling_staff_only(
        urban_case, beilin, people, centre_client):
    own = centre_client(beilin, people["urban"])
    page = own.get(f"/cases/{urban_case.pk}/").content.decode()
    assert "**************002X" in page and "138****5678" in page and VALID_ID not in page
    assert f"/cases/{urban_case.pk}/reveal/" in page
    supervisor_page = centre_client(beilin, people["supervisor"]).get(f"/cases/{urban_case.pk}/").content.decode()
    assert f"/cases/{urban_case.pk}/reveal/" not in supervisor_page and VALID_ID not in supervisor_page

    revealed = own.post(f"/cases/{urban_case.pk}/reveal/")
    assert revealed.status_code == 200 and VALID_ID in revealed.content.decode()
    assert "no-store" in revealed["Cache-Control"]
    assert AuditEvent.objects.filter(kind=AuditKind.PERSONAL_DATA_REVEALED, target_label=urban_case.number).count() == 1
    assert own.get(f"/cases/{urban_case.pk}/reveal/").status_code == 405
    refused = centre_client(beilin, people["supervisor"]).post(f"/cases/{urban_case.pk}/reveal/")
    assert refused.status_code == 302
    assert AuditEvent.objects.filter(kind=AuditKind.PERSONAL_DATA_REVEALED).count() == 1
