"""A NUL character in any text sent (query string, form field, JSON body, path) is bad input: 400 with a
clear message in the user's language, never a 500 from PostgreSQL ("text fields cannot contain NUL")."""
from __future__ import annotations

import json

import pytest
from django.test import Client

from tenants.choices import Role

pytestmark = pytest.mark.django_db
NUL = "\x00"


@pytest.fixture
def admin(make_user):
    return make_user((None, Role.PLATFORM_ADMIN), username="root-admin")


def _assert_page_refused(response) -> None:
    assert response.status_code == 400
    assert "text/html" in response["Content-Type"]
    assert "contains a NUL character" in response.content.decode()


def _assert_api_refused(response) -> None:
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert "contains a NUL character" in body["message"]


@pytest.mark.parametrize(("where", "path", "params"), [
    ("platform", "/", {"q": NUL}),                                    # the centres list's text filter
    ("platform", "/catalogue/", {"q": f"food{NUL}"}),                  # the master catalogue search
    ("beilin", "/catalogue/", {"q": NUL}),                             # a centre's catalogue search
    ("beilin", "/cases/", {"department": NUL}),                        # the inbox filter
    ("platform", "/audit/", {"actor": NUL}),                           # the audit log filter
    ("beilin", "/delegation/", {"view": NUL}),
])
def test_a_nul_in_a_pages_query_string_is_a_400_page(where, path, params, admin, beilin, clerk, centre_client):
    client = centre_client(None, admin) if where == "platform" else centre_client(beilin, clerk)
    _assert_page_refused(client.get(path, params))


@pytest.mark.parametrize(("where", "path", "params"), [
    ("platform", "/api/v1/centres/", {"q": NUL}),
    ("beilin", "/api/v1/catalogue/items/", {"query": NUL}),
    ("beilin", "/progress/api/", {"number": f"610103{NUL}", "factor": "1234"}),
    ("beilin", "/api/v1/cases/", {"status": NUL}),
])
def test_a_nul_in_an_api_query_string_is_a_400_validation_error(where, path, params, admin, beilin, centre_client):
    client = centre_client(None, admin) if where == "platform" else centre_client(beilin, admin)
    _assert_api_refused(client.get(path, params))


def test_a_nul_in_a_form_field_is_refused_on_the_page(beilin, centre_client):
    _assert_page_refused(centre_client(beilin).post("/progress/", {"number": f"610103{NUL}", "factor": "1234"}))


def test_a_nul_in_a_json_body_is_refused_and_nothing_is_made(admin, centre_client):
    from tenants.models import Centre

    before = Centre.objects.count()
    response = centre_client(None, admin).post(
        "/api/v1/centres/", data=json.dumps({"level": "township", "code": "610103099", "name_zh": f"新{NUL}中心",
                                             "name_en": "New", "parent_code": "610103"}),
        content_type="application/json")
    _assert_api_refused(response)
    assert response.json()["extra"]["fields"] == {"name_zh": [response.json()["message"]]}
    assert Centre.objects.count() == before


def test_a_nul_in_the_path_is_refused(centre_client):
    _assert_page_refused(centre_client(None).get("/catalogue/items/A%00B/"))


def test_the_message_is_in_the_users_language(beilin):
    response = Client(HTTP_HOST="beilin.localhost", HTTP_ACCEPT_LANGUAGE="zh-hans").get("/catalogue/", {"q": NUL})
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_text_without_nul_goes_through(beilin, centre_client):
    assert centre_client(beilin).get("/catalogue/", {"q": "食品"}).status_code == 200
    assert centre_client(beilin).get("/progress/api/", {"number": "610103-20990101-00001",
                                                         "factor": "1234"}).status_code == 404
