"""The staff pages of cases: the inbox (urgency, filters, one query), a case with the actions the
user's roles allow, conflicts, a new case at the window, the printable notice and receipt."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from cases.choices import Action, CaseStatus
from cases.models import Case, CaseMaterial
from cases.services import case_submit, case_transition
from registry.models import RegistryEntry
from tenants.choices import Role
from tests.cases.conftest import VALID_ID

pytestmark = pytest.mark.django_db
CODE = "610100SC-XK-0001"


def submit(clerk, **over) -> Case:
    data = dict(item_code=CODE, applicant_kind="person", applicant_name="张三", applicant_id_number=VALID_ID,
                phone="13812345678", channel="window", acting_user=clerk)
    data.update(over)
    return case_submit(centre=connection.tenant, **data).case


def accepted(clerk, **over) -> Case:
    return case_transition(centre=connection.tenant,
                           case=submit(clerk, **over), action=Action.ACCEPT, acting_user=clerk)


def numbers(response) -> list[str]:
    return re.findall(r'<tr data-number="([^"]+)"', response.content.decode())


# --- the inbox ----------------------------------------------------------------------------------

@pytest.fixture
def inbox_cases(in_beilin, item, clerk):
    """Five open cases: overdue, due far away, due tomorrow, not yet accepted, paused."""
    today = timezone.localdate()
    overdue, far, near = accepted(clerk), accepted(clerk), accepted(clerk)
    submitted = submit(clerk)
    paused = accepted(clerk)
    material = paused.materials.first().material_id
    paused = case_transition(centre=connection.tenant, case=paused, action=Action.ISSUE_NOTICE, acting_user=clerk,
                             missing_material_ids=[material])
    Case.objects.filter(pk=overdue.pk).update(promised_due=today - dt.timedelta(days=1))
    Case.objects.filter(pk=far.pk).update(promised_due=today + dt.timedelta(days=40))
    Case.objects.filter(pk=near.pk).update(promised_due=today + dt.timedelta(days=1))
    Case.objects.filter(pk=paused.pk).update(promised_due=today - dt.timedelta(days=3))
    return {"overdue": overdue.number, "far": far.number, "near": near.number, "submitted": submitted.number,
            "paused": paused.number}


def test_the_inbox_lists_overdue_first_then_the_nearest_due_date_and_paused_cases_last(
        inbox_cases, beilin, clerk, centre_client):
    response = centre_client(beilin, clerk).get("/cases/")
    assert response.status_code == 200
    c = inbox_cases
    assert numbers(response) == [c["overdue"], c["near"], c["far"], c["submitted"], c["paused"]]
    html = response.content.decode()
    assert 'class="overdue"' in html and 'class="due-soon"' in html and 'class="paused"' in html


def test_the_inbox_filters_by_due_date_status_and_department(inbox_cases, beilin, clerk, centre_client):
    client, c = centre_client(beilin, clerk), inbox_cases
    assert numbers(client.get("/cases/?due=overdue")) == [c["overdue"]]
    assert numbers(client.get("/cases/?due=soon")) == [c["near"]]
    assert numbers(client.get("/cases/?status=submitted")) == [c["submitted"]]
    assert numbers(client.get("/cases/?status=awaiting_supplement")) == [c["paused"]]
    assert len(numbers(client.get("/cases/?department=SC"))) == 5
    assert numbers(client.get("/cases/?department=GA")) == []
    assert '<option value="SC"' in client.get("/cases/").content.decode()


def test_a_clerks_inbox_opens_on_their_own_departments_cases(inbox_cases, beilin, make_user, centre_client):
    from tenants.services import membership_grant

    market = make_user((beilin, Role.WINDOW_CLERK), username="clerk-sc")
    police = make_user(username="clerk-ga")
    membership_grant(user=police, centre=beilin, role=Role.WINDOW_CLERK, department_code="GA", acting_user=None)
    membership_grant(user=market, centre=beilin, role=Role.WINDOW_CLERK, department_code="SC", acting_user=None)

    assert len(numbers(centre_client(beilin, market).get("/cases/"))) == 5
    assert numbers(centre_client(beilin, police).get("/cases/")) == []
    # Departments bind: asking for every department still shows only the clerk's own.
    assert numbers(centre_client(beilin, police).get("/cases/?department=")) == []


def test_closed_cases_leave_the_default_inbox_but_show_under_all(in_beilin, item, beilin, clerk, centre_client):
    refused = case_transition(centre=connection.tenant,
                              case=submit(clerk), action=Action.REFUSE, acting_user=clerk, note="不属于本中心")
    client = centre_client(beilin, clerk)
    assert numbers(client.get("/cases/")) == []
    assert numbers(client.get("/cases/?status=all")) == [refused.number]


def test_the_inbox_takes_the_same_number_of_queries_for_two_cases_as_for_six(
        in_beilin, item, beilin, clerk, centre_client):
    client = centre_client(beilin, clerk)
    accepted(clerk), submit(clerk)
    client.get("/cases/")
    with CaptureQueriesContext(connection) as two:
        assert len(numbers(client.get("/cases/"))) == 2
    with tenant_context(beilin):
        connection.set_tenant(beilin)
        for _ in range(4):
            accepted(clerk)
    with CaptureQueriesContext(connection) as six:
        assert len(numbers(client.get("/cases/"))) == 6
    assert len(six) == len(two)


def test_a_user_without_a_role_here_and_a_clerk_of_another_centre_get_404(
        in_beilin, item, beilin, yanta, clerk, make_user, centre_client):
    case = submit(clerk)
    nobody = make_user()
    yanta_clerk = make_user((yanta, Role.WINDOW_CLERK))
    for user in (nobody, yanta_clerk):
        client = centre_client(beilin, user)
        for path in ("/cases/", f"/cases/{case.pk}/", "/cases/new/"):
            assert client.get(path).status_code == 404, (user, path)
    # the case lives in Beilin's schema: on Yanta's host it does not exist, even for Yanta's staff
    assert centre_client(yanta, yanta_clerk).get(f"/cases/{case.pk}/").status_code == 404
    assert centre_client(yanta, yanta_clerk).get("/cases/").status_code == 200
    assert centre_client(beilin).get("/cases/").status_code == 302  # signed out: sign in first


# --- a case and its actions ---------------------------------------------------------------------

def actions(response) -> list[str]:
    return re.findall(r'data-action="([a-z_]+)"', response.content.decode())


def test_the_actions_shown_are_those_the_users_roles_allow(in_beilin, item, beilin, clerk, chief, centre_client):
    case = submit(clerk)
    page = centre_client(beilin, clerk).get(f"/cases/{case.pk}/")
    assert actions(page) == ["accept", "refuse", "issue_notice", "withdraw"]  # the pre-check's notice too
    html = page.content.decode()
    assert "**************002X" in html and VALID_ID not in html
    assert "13812345678" not in html and "138****5678" in html
    case = case_transition(centre=connection.tenant,
                           case=accepted(clerk), action=Action.START_REVIEW, acting_user=clerk)
    assert "approve" not in actions(centre_client(beilin, clerk).get(f"/cases/{case.pk}/"))
    assert actions(centre_client(beilin, chief).get(f"/cases/{case.pk}/")) == [
        "issue_notice", "approve", "deny", "withdraw"]


def test_a_clerk_accepts_a_case_from_its_page(in_beilin, item, beilin, clerk, centre_client):
    case = submit(clerk)
    response = centre_client(beilin, clerk).post(f"/cases/{case.pk}/", {"action": "accept", "revision": 0},
                                                 follow=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.promised_due is not None
    html = response.content.decode()
    assert "Accept: done." in html and case.promised_due.strftime("%Y-%m-%d") in html
    assert f"/cases/{case.pk}/receipt/" in html


def test_refusing_without_a_reason_and_a_notice_without_ticks_are_refused_on_the_form(
        in_beilin, item, beilin, clerk, centre_client):
    case = submit(clerk)
    client = centre_client(beilin, clerk)
    response = client.post(f"/cases/{case.pk}/", {"action": "refuse", "revision": 0, "note": " "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    case = case_transition(centre=connection.tenant, case=case, action=Action.ACCEPT, acting_user=clerk)
    response = client.post(f"/cases/{case.pk}/", {"action": "issue_notice", "revision": case.revision})
    assert response.status_code == 400
    assert "Tick the missing materials." in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED


def test_a_one_time_notice_from_the_page_lists_the_ticked_materials(in_beilin, item, beilin, clerk, centre_client):
    case = accepted(clerk, provided_material_ids=[])
    materials = list(case.materials.exclude(state=CaseMaterial.State.NOT_NEEDED))
    client = centre_client(beilin, clerk)
    response = client.post(f"/cases/{case.pk}/", {"action": "issue_notice", "revision": case.revision,
                                                  "missing": [materials[0].material_id], "note": "请补齐"},
                           follow=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.AWAITING_SUPPLEMENT
    assert "Open one-time notice" in response.content.decode()
    notice = client.get(f"/cases/{case.pk}/notice/").content.decode()
    assert materials[0].name_en in notice and materials[1].name_en not in notice


def test_a_stale_page_gets_the_conflict_message_not_a_500(in_beilin, item, beilin, clerk, chief, centre_client):
    case = submit(clerk)
    stale_revision = case.revision
    case_transition(centre=connection.tenant, case=case, action=Action.ACCEPT, acting_user=chief)  # someone else, first
    response = centre_client(beilin, clerk).post(f"/cases/{case.pk}/",
                                                 {"action": "accept", "revision": stale_revision})
    assert response.status_code in (302, 409)
    if response.status_code == 302:  # accept is no longer open from the new status
        response = centre_client(beilin, clerk).get(response["Location"])
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.events.filter(action="accept").count() == 1
    # the same action, still open, posted from a page showing an older revision
    case = case_transition(centre=connection.tenant, case=case, action=Action.START_REVIEW, acting_user=chief)
    response = centre_client(beilin, chief).post(f"/cases/{case.pk}/", {"action": "approve",
                                                                        "revision": case.revision - 1})
    assert response.status_code == 409
    assert "was changed by someone else" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.UNDER_REVIEW


# --- a new case at the window -------------------------------------------------------------------

def test_the_new_case_form_shows_the_items_materials_once_an_item_is_chosen(beilin, item, clerk, centre_client):
    client = centre_client(beilin, clerk)
    assert CODE in client.get("/cases/new/").content.decode()
    html = client.get(f"/cases/new/?item_code={CODE}").content.decode()
    assert "Floor plan" in html and "Business licence" in html and 'name="materials"' in html


def test_a_bad_id_number_is_shown_on_the_form_and_nothing_is_saved(beilin, item, clerk, centre_client):
    response = centre_client(beilin, clerk).post("/cases/new/", {
        "item_code": CODE, "applicant_kind": "person", "applicant_name": "张三",
        "applicant_id_number": "110105194912310021", "phone": "13812345678"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The check character of this ID number is wrong" in html and "Nothing was saved." in html
    with tenant_context(beilin):
        assert not Case.objects.exists()
    assert not RegistryEntry.objects.exists()


def test_a_clerk_files_a_case_with_the_materials_handed_in(beilin, item, clerk, centre_client):
    from catalog.models import Material

    plan = Material.objects.get(version=item.current_version, name_en="Floor plan")
    response = centre_client(beilin, clerk).post("/cases/new/", {
        "item_code": CODE, "applicant_kind": "person", "applicant_name": "李四",
        "applicant_id_number": VALID_ID.lower(), "phone": "13812345678", "materials": [plan.pk]})
    assert response.status_code == 302
    with tenant_context(beilin):
        case = Case.objects.get()
        assert (case.channel, case.applicant_name, case.submitted_by_id) == ("window", "李四", clerk.pk)
        assert dict(case.materials.values_list("name_en", "state")) == {
            "Application": "missing", "Business licence": "not_needed", "Floor plan": "provided"}
    assert response["Location"] == f"/cases/{case.pk}/"


def test_the_same_form_sent_twice_files_one_case_and_says_so(beilin, item, clerk, centre_client):
    import re

    client = centre_client(beilin, clerk)
    html = client.get(f"/cases/new/?item_code={CODE}").content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)
    assert ">Token<" not in html  # hidden, no label
    data = {"item_code": CODE, "applicant_kind": "person", "applicant_name": "李四", "token": token,
            "applicant_id_number": VALID_ID, "phone": "13812345678"}
    first, again = client.post("/cases/new/", data), client.post("/cases/new/", data, follow=True)
    with tenant_context(beilin):
        case = Case.objects.get()
    assert first["Location"] == f"/cases/{case.pk}/" and again.redirect_chain[-1][0] == f"/cases/{case.pk}/"
    assert "was already filed from this form" in again.content.decode()
    changed = client.post("/cases/new/", {**data, "applicant_name": "王五"})
    assert changed.status_code == 400 and "already filed a case" in changed.content.decode()
    with tenant_context(beilin):
        assert Case.objects.count() == 1


# --- printable pages ----------------------------------------------------------------------------

def test_the_receipt_lists_the_accepted_materials_and_the_promised_due_date(
        in_beilin, item, beilin, clerk, centre_client):
    from catalog.models import Material

    plan = Material.objects.get(version=item.current_version, name_en="Floor plan")
    case = accepted(clerk, provided_material_ids=[plan.pk])
    client = centre_client(beilin, clerk)
    html = client.get(f"/cases/{case.pk}/receipt/").content.decode()
    accepted_list = html.split('class="accepted-materials"')[1].split("</ol>")[0]
    assert "Floor plan" in accepted_list and "Application" not in accepted_list
    assert "Business licence" not in accepted_list
    for text in (case.number, case.promised_due.strftime("%Y-%m-%d"), "Acceptance receipt", beilin.name_en,
                 "Clerk&#x27;s signature" if "&#x27;" in html else "Clerk's signature"):
        assert text in html
    assert client.get(f"/cases/{case.pk}/notice/").status_code == 404  # no notice issued
    assert client.get(f"/cases/{submit(clerk).pk}/receipt/").status_code == 404  # not accepted yet
