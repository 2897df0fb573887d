"""The schema's promises, read directly (fast; the live conformance run is test_schema_conformance.py)."""
from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def platform_schema():
    return SchemaGenerator(urlconf="config.urls_public").get_schema(request=None, public=True)


def _ref(response: dict) -> str:
    return response["content"]["application/json"]["schema"]["$ref"]


def test_a_paginated_list_is_documented_as_a_page(platform_schema):
    listing = platform_schema["paths"]["/api/v1/centres/"]["get"]
    page = platform_schema["components"]["schemas"][_ref(listing["responses"]["200"]).rsplit("/", 1)[1]]
    assert set(page["properties"]) >= {"count", "next", "previous", "results"}
    assert {"page", "page_size"} <= {parameter["name"] for parameter in listing["parameters"]}


def test_the_errors_each_operation_can_answer_are_documented_with_the_error_body(platform_schema):
    operations = platform_schema["paths"]
    detail = operations["/api/v1/centres/{code}/"]["get"]["responses"]
    assert {"400", "401", "403", "404"} <= set(detail)
    assert _ref(detail["404"]) == "#/components/schemas/Error"
    assert platform_schema["components"]["schemas"]["Error"]["required"] == ["code", "message", "extra"]
    create = operations["/api/v1/centres/"]["post"]["responses"]
    assert {"400", "401", "403", "409"} <= set(create)
    assert "429" in operations["/progress/api/"]["get"]["responses"]
    assert "401" not in operations["/progress/api/"]["get"]["responses"]  # it authenticates no one


def test_constraints_the_server_enforces_are_in_the_schema(platform_schema):
    export = platform_schema["paths"]["/api/v1/catalogue/export.{file_format}"]["get"]
    (file_format,) = [p for p in export["parameters"] if p["name"] == "file_format"]
    assert file_format["schema"]["enum"] == ["csv", "xlsx"]
    assert set(export["responses"]["200"]["content"]) == {
        "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    centre_input = platform_schema["components"]["schemas"]["CentreListInput"]["properties"]
    assert centre_input["code"]["minLength"] == 1  # blank refused
    status = [p for p in platform_schema["paths"]["/api/v1/centres/"]["get"]["parameters"] if p["name"] == "status"]
    assert "" in status[0]["schema"]["enum"]  # `?status=` is taken as no filter, and the schema says so


def test_an_api_address_that_names_nothing_answers_the_error_body(beilin, centre_client):
    response = centre_client(beilin).get("/api/v1/cases/not-a-uuid/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    page = centre_client(beilin).get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
