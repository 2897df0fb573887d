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


RACE = """
import threading, django
django.setup()
from django.test import RequestFactory
from config.urls_common import HostSchemaView

view, answers = HostSchemaView.as_view(), []

def fetch(urlconf):
    request = RequestFactory().get("/api/schema/", HTTP_ACCEPT="application/json")
    request.urlconf = urlconf
    try:
        answers.append(view(request).render().status_code)
    except Exception as exc:
        answers.append(repr(exc))

threads = [threading.Thread(target=fetch, args=(conf,)) for conf in ["config.urls_tenant", "config.urls_public"] * 2]
[thread.start() for thread in threads]
[thread.join() for thread in threads]
print(answers)
"""


def test_four_first_requests_for_the_schema_at_once_all_get_it(tmp_path):
    """A fresh process (a server just started) asked for the platform's and a centre's schema twice each
    at the same moment: every request gets the schema (drf-spectacular's builds are serialised)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "PYTHONPATH": str(root),
           "GOVSERVICE_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # building a schema reads no database
    done = subprocess.run([sys.executable, "-c", RACE], env=env, cwd=root, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.stdout.strip() == "[200, 200, 200, 200]", done.stdout + done.stderr[-2000:]
