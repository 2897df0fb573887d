"""The cases API on the centre's host: submission with Idempotency-Key, staff-only reads that answer
404 to everyone else, transitions with their role/state/conflict errors, the error shape."""
from __future__ import annotations

import uuid

import pytest

from cases.models import Case
from registry.models import RegistryEntry
from tenants.choices import Role
from tests.cases.conftest import VALID_ID

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases/"

APPLICATION = {"item_code": "610100SC-XK-0001", "applicant_kind": "person", "applicant_name": "张三",
               "applicant_id_number": VALID_ID, "phone": "13812345678"}


def post(client, path, data, **headers):
    return client.post(path, data, content_type="application/json", headers=headers)


def submitted(client, **over) -> dict:
    response = post(client, URL, {**APPLICATION, **over})
    assert response.status_code == 201, response.json()
    return response.json()


def transition(client, case_id, **data):
    return post(client, f"{URL}{case_id}/transitions/", data)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "extra"}
    assert body["code"] == code
    assert body["message"]
    return body


# --- submission ----------------------------------------------------------------------------------

def test_a_clerk_submits_at_the_window_and_the_case_is_in_the_registry(beilin, item, clerk, centre_client):
    body = submitted(centre_client(beilin, clerk))
    assert (body["channel"], body["status"], body["revision"]) == ("window", "submitted", 0)
    assert body["number"].startswith("610103-")
    assert RegistryEntry.objects.filter(case_id=body["id"], centre=beilin).exists()


def test_an_anonymous_applicant_submits_online_and_gets_a_receipt(beilin, item, centre_client):
    body = submitted(centre_client(beilin))
    assert body["channel"] == "online"
    assert "applicant_id_number" not in body and "phone" not in body
    assert RegistryEntry.objects.get(case_id=body["id"]).channel == "online"


def test_the_same_idempotency_key_twice_gives_one_case_and_the_same_answer(beilin, item, centre_client):
    client = centre_client(beilin)
    first = post(client, URL, APPLICATION, **{"Idempotency-Key": "k-api-1"})
    again = post(client, URL, APPLICATION, **{"Idempotency-Key": "k-api-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert RegistryEntry.objects.count() == 1
    assert RegistryEntry.objects.get().case_id == uuid.UUID(first.json()["id"])


def test_the_same_idempotency_key_with_another_body_is_422_and_makes_nothing(beilin, item, centre_client):
    client = centre_client(beilin)
    post(client, URL, APPLICATION, **{"Idempotency-Key": "k-api-2"})
    response = post(client, URL, {**APPLICATION, "applicant_name": "李四"}, **{"Idempotency-Key": "k-api-2"})
    assert_error(response, 422, "idempotency_key_reused")
    assert RegistryEntry.objects.count() == 1


def test_two_clients_that_pick_the_same_key_each_get_their_own_case(beilin, item, clerk, make_user, centre_client):
    other = make_user((beilin, Role.WINDOW_CLERK), username="clerk-b2")
    mine = post(centre_client(beilin, clerk), URL, APPLICATION, **{"Idempotency-Key": "order-1"})
    theirs = post(centre_client(beilin, other), URL, {**APPLICATION, "applicant_name": "李四"},
                  **{"Idempotency-Key": "order-1"})
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]


def test_a_key_longer_than_the_column_still_makes_one_case(beilin, item, centre_client):
    client = centre_client(beilin)
    key = "k" * 300
    first = post(client, URL, APPLICATION, **{"Idempotency-Key": key})
    again = post(client, URL, APPLICATION, **{"Idempotency-Key": key})
    assert (first.status_code, again.status_code) == (201, 200) and again.json()["id"] == first.json()["id"]


def test_without_a_key_two_submissions_are_two_cases(beilin, item, centre_client):
    client = centre_client(beilin)
    assert submitted(client)["id"] != submitted(client)["id"]


def test_bad_input_is_400_with_the_fields_named(beilin, item, centre_client):
    body = assert_error(post(centre_client(beilin), URL, {**APPLICATION, "phone": "12345"}), 400,
                        "case_invalid_applicant")
    assert "phone" in body["extra"]["fields"]
    body = assert_error(post(centre_client(beilin), URL, {"item_code": "x"}), 400, "validation_error")
    assert "applicant_name" in body["extra"]["fields"]
    assert_error(post(centre_client(beilin), URL, {**APPLICATION, "item_code": "610100SC-XK-0999"}), 400,
                 "case_item_not_accepted")


def test_errors_are_translated(beilin, item, clerk, centre_client):
    client = centre_client(beilin, clerk)
    english = post(client, URL, {"item_code": "x"}, **{"Accept-Language": "en"})
    chinese = post(client, URL, {"item_code": "x"}, **{"Accept-Language": "zh-hans"})
    assert english.json()["code"] == chinese.json()["code"] == "validation_error"
    assert english.json()["message"] == "Some fields are not valid."
    assert english.json()["message"] != chinese.json()["message"]
    missing = f"{URL}{uuid.uuid4()}/"
    assert client.get(missing, headers={"Accept-Language": "en"}).json()["message"] != \
        client.get(missing, headers={"Accept-Language": "zh-hans"}).json()["message"]


# --- reads ---------------------------------------------------------------------------------------

def test_staff_list_the_centres_cases_filtered_and_paginated(beilin, item, clerk, centre_client):
    client = centre_client(beilin, clerk)
    ids = [submitted(client)["id"] for _ in range(3)]
    transition(client, ids[0], action="accept")
    page = client.get(URL, {"page_size": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert [c["id"] for c in client.get(URL, {"status": "accepted"}).json()["results"]] == [ids[0]]
    assert client.get(URL, {"department": "SC"}).json()["count"] == 3
    assert client.get(URL, {"department": "GA"}).json()["count"] == 0
    assert_error(client.get(URL, {"status": "nonsense"}), 400, "validation_error")


def test_anonymous_cannot_list_or_read(beilin, item, centre_client):
    case_id = submitted(centre_client(beilin))["id"]
    assert_error(centre_client(beilin).get(URL), 401, "not_authenticated")
    assert_error(centre_client(beilin).get(f"{URL}{case_id}/"), 401, "not_authenticated")


def test_staff_read_a_case_with_its_checklist_and_events(beilin, item, clerk, centre_client):
    client = centre_client(beilin, clerk)
    case_id = submitted(client)["id"]
    body = client.get(f"{URL}{case_id}/").json()
    assert len(body["materials"]) == 3
    assert [e["to_status"] for e in body["events"]] == ["submitted"]


def test_a_clerk_of_another_centre_gets_404_through_either_host(beilin, yanta, item, clerk, make_user,
                                                                centre_client):
    case_id = submitted(centre_client(beilin, clerk))["id"]
    other = make_user((yanta, Role.WINDOW_CLERK), username="clerk-y")
    on_yanta, on_beilin = centre_client(yanta, other), centre_client(beilin, other)
    assert_error(on_yanta.get(f"{URL}{case_id}/"), 404, "not_found")
    assert_error(on_beilin.get(f"{URL}{case_id}/"), 404, "not_found")
    assert_error(on_beilin.get(URL), 404, "not_found")
    assert_error(transition(on_beilin, case_id, action="accept"), 404, "not_found")
    assert_error(transition(on_yanta, case_id, action="accept"), 404, "not_found")
    assert Case.objects.count() == 0  # (public schema here: the case lives only in Beilin's schema)
    assert RegistryEntry.objects.get(case_id=case_id).status == "submitted"


def test_an_unknown_case_is_404(beilin, item, clerk, centre_client):
    assert_error(centre_client(beilin, clerk).get(f"{URL}{uuid.uuid4()}/"), 404, "not_found")


# --- transitions ---------------------------------------------------------------------------------

def test_a_case_runs_its_course_through_the_api(beilin, item, clerk, chief, centre_client):
    by_clerk, by_chief = centre_client(beilin, clerk), centre_client(beilin, chief)
    case = submitted(by_clerk)
    for client, action in ((by_clerk, "accept"), (by_clerk, "start_review"), (by_chief, "approve"),
                           (by_clerk, "result_ready"), (by_clerk, "collect")):
        response = transition(client, case["id"], action=action, expected_revision=case["revision"])
        assert response.status_code == 200, response.json()
        case = response.json()
    assert (case["status"], case["revision"]) == ("collected", 5)
    assert case["promised_due"] and case["closed_at"]
    assert RegistryEntry.objects.get(case_id=case["id"]).status == "collected"


def test_a_one_time_notice_lists_the_missing_materials(beilin, item, clerk, centre_client):
    client = centre_client(beilin, clerk)
    case_id = submitted(client)["id"]
    transition(client, case_id, action="accept")
    materials = [m["material_id"] for m in client.get(f"{URL}{case_id}/").json()["materials"]]
    assert_error(transition(client, case_id, action="issue_notice"), 400, "case_unknown_material")
    response = transition(client, case_id, action="issue_notice", missing_material_ids=materials[:1], note="请补齐")
    assert response.status_code == 200
    assert response.json()["status"] == "awaiting_supplement" and response.json()["paused_since"]


def test_a_role_that_may_not_act_is_403(beilin, item, clerk, make_user, centre_client):
    client = centre_client(beilin, clerk)
    case_id = submitted(client)["id"]
    supervisor = make_user((beilin, Role.SUPERVISOR), username="supervisor-b")
    body = assert_error(transition(centre_client(beilin, supervisor), case_id, action="accept"), 403,
                        "case_role_not_allowed")
    assert "window_clerk" in body["extra"]["roles"]
    transition(client, case_id, action="accept")
    transition(client, case_id, action="start_review")
    assert_error(transition(client, case_id, action="approve"), 403, "case_role_not_allowed")


def test_a_transition_not_open_from_the_status_is_409(beilin, item, clerk, chief, centre_client):
    client = centre_client(beilin, clerk)
    case_id = submitted(client)["id"]
    body = assert_error(transition(centre_client(beilin, chief), case_id, action="approve"), 409,
                        "case_transition_not_allowed")
    assert body["extra"]["status"] == "submitted"


def test_a_stale_revision_is_409_conflict_and_nothing_changes(beilin, item, clerk, centre_client):
    client = centre_client(beilin, clerk)
    case = submitted(client)
    assert transition(client, case["id"], action="accept", expected_revision=0).status_code == 200
    body = assert_error(transition(client, case["id"], action="refuse", note="x", expected_revision=0), 409,
                        "case_conflict")
    assert body["extra"] == {"status": "accepted", "revision": 1}
    events = client.get(f"{URL}{case['id']}/").json()["events"]
    assert [e["action"] for e in events] == ["submit", "accept"]


def test_refusal_without_a_reason_is_400(beilin, item, clerk, centre_client):
    client = centre_client(beilin, clerk)
    case_id = submitted(client)["id"]
    body = assert_error(transition(client, case_id, action="refuse"), 400, "case_note_required")
    assert "note" in body["extra"]["fields"]
    assert transition(client, case_id, action="refuse", note="不属于受理范围").json()["status"] == "refused"


def test_an_unknown_action_is_a_validation_error(beilin, item, clerk, centre_client):
    client = centre_client(beilin, clerk)
    case_id = submitted(client)["id"]
    body = assert_error(transition(client, case_id, action="teleport"), 400, "validation_error")
    assert "action" in body["extra"]["fields"]


def test_a_clerk_with_a_token_accepts(beilin, item, clerk, centre_client):
    from rest_framework.authtoken.models import Token

    case_id = submitted(centre_client(beilin, clerk))["id"]
    token = Token.objects.create(user=clerk)
    response = post(centre_client(beilin), f"{URL}{case_id}/transitions/", {"action": "accept"},
                    Authorization=f"Token {token.key}")
    assert response.status_code == 200 and response.json()["status"] == "accepted"


def test_the_schema_documents_the_cases_api():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(urlconf="config.urls_tenant").get_schema(request=None, public=True)
    assert "/api/v1/cases/{case_id}/transitions/" in schema["paths"]
    assert "CaseTransitionInput" in schema["components"]["schemas"]
