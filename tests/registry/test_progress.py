"""The public progress lookup: the right factor shows the public progress and nothing personal; an
unknown number and a wrong factor look the same; lookups are rate limited (page and API)."""
from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from cases.choices import Action
from cases.services import case_submit, case_transition
from registry.selectors import progress_lookup
from tests.cases.conftest import VALID_ID, VALID_USCC
from tests.conftest import host_of

pytestmark = pytest.mark.django_db
NAME, PHONE = "王小明", "13812345678"


@pytest.fixture
def case(in_beilin, item, clerk):
    case = case_submit(centre=connection.tenant,
                       item_code="610100SC-XK-0001", applicant_kind="person", applicant_name=NAME,
                       applicant_id_number=VALID_ID, phone=PHONE, channel="window", acting_user=clerk).case
    return case_transition(centre=connection.tenant, case=case, action=Action.ACCEPT, acting_user=clerk)


def tiny_rate(rate: str = "2/minute"):
    return override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK,
                                             "DEFAULT_THROTTLE_RATES": {"progress": rate}})


def without_tokens(html: str, number: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    return html.replace(number, "NUMBER")


def test_the_selector_matches_either_factor_and_nothing_else(case):
    assert progress_lookup(number=case.number, factor="002x") is not None
    assert progress_lookup(number=f" {case.number} ", factor="5678") is not None
    assert progress_lookup(number=case.number, factor="1234") is None
    assert progress_lookup(number="610103-20990101-00001", factor="002X") is None
    assert progress_lookup(number="", factor="") is None


def test_an_organisation_finds_its_case_by_the_last_four_of_its_credit_code(in_beilin, beilin, item, clerk):
    """A credit code ends in letters as often as digits (…341L): the lookup takes them, typed in either case."""
    case = case_submit(centre=connection.tenant, item_code="610100SC-XK-0001", applicant_kind="organisation",
                       applicant_name="某公司", applicant_id_number=VALID_USCC, phone=PHONE, channel="window",
                       acting_user=clerk).case
    case_transition(centre=connection.tenant, case=case, action=Action.ACCEPT, acting_user=clerk)
    assert VALID_USCC[-4:].isalnum() and not VALID_USCC[-4:].isdigit()
    response = Client(HTTP_HOST=host_of(beilin)).get("/progress/api/", {"number": case.number,
                                                             "factor": VALID_USCC[-4:].lower()})
    assert response.status_code == 200, response.content
    assert response.json()["number"] == case.number


@pytest.mark.parametrize("host", ["platform", "beilin", "yanta"])
def test_the_right_factor_shows_status_holder_and_due_date_and_no_personal_data(case, host, beilin, yanta,
                                                                                centre_client):
    client = centre_client({"platform": None, "beilin": beilin, "yanta": yanta}[host])
    response = client.post("/progress/", {"number": case.number, "factor": "002X"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="progress-status status-accepted">Accepted' in html
    assert "Market Regulation" in html and beilin.name_en in html
    assert case.promised_due.strftime("%Y-%m-%d") in html
    for personal in (NAME, VALID_ID, VALID_ID[-4:], PHONE, PHONE[-4:]):
        assert personal not in html


def test_a_wrong_factor_and_an_unknown_number_get_the_same_answer(case, centre_client):
    client = centre_client()
    unknown_number = "610103-20990101-00042"
    wrong = client.post("/progress/", {"number": case.number, "factor": "1234"})
    unknown = client.post("/progress/", {"number": unknown_number, "factor": "1234"})
    assert wrong.status_code == unknown.status_code == 404
    assert without_tokens(wrong.content.decode(), case.number) == \
        without_tokens(unknown.content.decode(), unknown_number)
    assert "No case matches that number" in wrong.content.decode()

    api_wrong = client.get("/progress/api/", {"number": case.number, "factor": "1234"})
    api_unknown = client.get("/progress/api/", {"number": unknown_number, "factor": "1234"})
    assert api_wrong.status_code == api_unknown.status_code == 404
    assert api_wrong.json()["code"] == "not_found"
    assert {**api_wrong.json(), "extra": {}} == {**api_unknown.json(), "extra": {}}


def test_the_api_answers_the_public_progress(case, beilin, centre_client):
    response = centre_client(beilin).get("/progress/api/", {"number": case.number, "factor": "5678"})
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == case.number
    assert (body["status"], body["status_label"]) == ("accepted", "Accepted")
    assert (body["centre"], body["department"]) == (beilin.name_en, "Market Regulation")
    assert (body["expected_finish"], body["provisional"]) == (case.promised_due.isoformat(), False)
    assert [step["status"] for step in body["history"]] == ["submitted", "accepted"]
    assert set(body["history"][0]) == {"status", "status_label", "at", "holder"}
    text = response.content.decode()
    for personal in (NAME, VALID_ID, PHONE):
        assert personal not in text


def test_a_bad_factor_format_is_a_validation_error(case, centre_client):
    response = centre_client().get("/progress/api/", {"number": case.number, "factor": "12"})
    assert response.status_code == 400 and response.json()["code"] == "validation_error"


def test_the_api_answers_429_after_the_rate(case, centre_client):
    client = centre_client()
    with tiny_rate():
        for _ in range(2):
            assert client.get("/progress/api/", {"number": case.number, "factor": "1234"}).status_code == 404
        response = client.get("/progress/api/", {"number": case.number, "factor": "002X"})
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    message = response.json()["message"]
    assert "Too many lookups" in message and message.count("seconds") == 1, message  # the wait said once
    assert int(response["Retry-After"]) > 0


def test_the_page_answers_429_after_the_rate_in_the_users_language(case, centre_client):
    client = centre_client()
    with tiny_rate("1/minute"):
        assert client.post("/progress/", {"number": case.number, "factor": "1234"}).status_code == 404
        response = client.post("/progress/", {"number": case.number, "factor": "002X"})
        assert response.status_code == 429
        assert "Too many lookups" in response.content.decode()
        assert client.get("/progress/").status_code == 200  # the form itself is not counted
