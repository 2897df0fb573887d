"""The API base: auth, the error shape, pagination, onboarding by platform admins, the schema."""
from __future__ import annotations

import pytest
from django.http import HttpRequest
from rest_framework.authtoken.models import Token

from tenants.choices import Role
from tenants.models import Centre

pytestmark = pytest.mark.django_db

NEW_TOWNSHIP = {"level": "township", "code": "610113001", "slug": "yanta-xiaozhai",
                "name_zh": "小寨路街道", "name_en": "Xiaozhailu Subdistrict", "parent_code": "610113"}


def test_the_centre_list_is_paginated_and_needs_a_sign_in(centre_client, make_user, city):
    anonymous = centre_client(None).get("/api/v1/centres/")
    assert anonymous.status_code in (401, 403)
    assert set(anonymous.json()) == {"code", "message", "extra"}

    body = centre_client(None, make_user((city, Role.WINDOW_CLERK))).get("/api/v1/centres/?page_size=2").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == Centre.objects.count()
    assert len(body["results"]) == 2
    assert body["results"][0] == {"code": "610100", "slug": "xian", "name_zh": "西安市政务服务中心",
                                  "name_en": "Xi'an Municipal Government Service Centre", "level": "city",
                                  "status": "ready", "parent_code": None, "domain": "xian.localhost"}


def test_only_a_platform_admin_may_onboard_through_the_api(centre_client, make_user, city):
    centre_admin = make_user((city, Role.CENTRE_ADMIN))
    refused = centre_client(None, centre_admin).post("/api/v1/centres/", NEW_TOWNSHIP, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert not Centre.objects.filter(division_code="610113001").exists()

    admin = make_user((None, Role.PLATFORM_ADMIN))
    created = centre_client(None, admin).post("/api/v1/centres/", NEW_TOWNSHIP, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["status"] == "ready"
    again = centre_client(None, admin).post("/api/v1/centres/", NEW_TOWNSHIP, content_type="application/json")
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert Centre.objects.filter(division_code="610113001").count() == 1


def test_bad_input_answers_code_message_extra_naming_the_field_in_the_users_language(centre_client, make_user):
    admin = make_user((None, Role.PLATFORM_ADMIN))
    client = centre_client(None, admin)
    payload = {**NEW_TOWNSHIP, "parent_code": "619999"}

    english = client.post("/api/v1/centres/", payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400
    body = english.json()
    assert body["code"] == "centre_invalid_input"
    assert "Unknown parent" in " ".join(body["extra"]["fields"]["parent_code"])

    chinese = client.post("/api/v1/centres/", payload, content_type="application/json",
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.json()["code"] == "centre_invalid_input"
    assert chinese.json()["message"] != body["message"]

    missing = client.post("/api/v1/centres/", {"level": "township"}, content_type="application/json")
    assert missing.status_code == 400
    assert missing.json()["code"] == "validation_error"
    assert "code" in missing.json()["extra"]["fields"]


def test_token_authentication_works_on_a_centre_host(centre_client, make_user, beilin):
    clerk = make_user((beilin, Role.WINDOW_CLERK))
    token = Token.objects.create(user=clerk)
    client = centre_client(beilin)
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert me.status_code == 200
    assert me.json()["memberships"] == [{"role": "window_clerk", "centre_code": "610103", "centre_slug": "beilin",
                                         "centre_name_zh": "碑林区"}]
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token wrong").status_code == 401


def test_a_centre_host_tells_its_place_in_the_hierarchy(centre_client, nanyuanmen):
    body = centre_client(nanyuanmen).get("/api/v1/centre/").json()
    assert body["centre"]["code"] == "610103001"
    assert [a["code"] for a in body["ancestors"]] == ["610100", "610103"]
    assert body["children"] == []


def test_suspending_through_the_api_with_a_stale_view_is_a_conflict(centre_client, make_user, yanta):
    admin = make_user((None, Role.PLATFORM_ADMIN))
    client = centre_client(None, admin)
    body = {"status": "suspended", "expected_status": "ready", "reason": "audit"}
    first = client.post("/api/v1/centres/610113/status/", body, content_type="application/json")
    assert first.status_code == 200
    second = client.post("/api/v1/centres/610113/status/", body, content_type="application/json")
    assert second.status_code == 409
    assert second.json()["code"] == "centre_status_transition"


def test_the_openapi_schema_and_docs_are_served(centre_client):
    schema = centre_client(None).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/centres/" in schema.json()["paths"]
    assert centre_client(None).get("/api/docs/").status_code == 200


def test_health_checks_database_and_broker(centre_client):
    body = centre_client(None).get("/healthz").json()
    assert body["checks"]["database"] == "ok"
    assert "broker" in body["checks"]


def test_a_centre_hosts_schema_lists_the_centre_api(centre_client, beilin):
    schema = centre_client(beilin).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "/api/v1/windows/" in schema["paths"]
    assert "/api/v1/centres/" not in schema["paths"]


def test_a_centre_admin_onboarded_through_the_api_with_a_password_can_sign_in(centre_client, make_user):
    admin = make_user((None, Role.PLATFORM_ADMIN))
    payload = {**NEW_TOWNSHIP, "admin_username": "admin-xiaozhai", "admin_password": "Xz-2026-secret"}
    assert centre_client(None, admin).post("/api/v1/centres/", payload,
                                           content_type="application/json").status_code == 201
    centre = Centre.objects.get(division_code="610113001")
    client = centre_client(centre)
    assert client.login(request=HttpRequest(), username="admin-xiaozhai", password="Xz-2026-secret")
    assert client.get("/api/v1/me/").json()["memberships"][0]["role"] == "centre_admin"
