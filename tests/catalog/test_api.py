"""The catalogue API: reads for everyone, writes for catalogue administrators (platform host) and
centre administrators (centre host); one error shape; the centre catalogue in two queries."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, reset_queries
from django.test import override_settings

from catalog import services
from catalog.models import Adoption, Department, Item, LifecycleEvent
from tenants.choices import Role

pytestmark = pytest.mark.django_db

ALL_LEVELS = ["city", "district", "zone", "township"]


def make_item(code: str, *, levels=ALL_LEVELS, legal: int = 20, promised: int = 10, name: str = "建设工程规划许可",
              materials: list[dict] | None = None, kind: str = "main", parent: Item | None = None) -> Item:
    department, _ = Department.objects.get_or_create(code=code[6:8], defaults={
        "name_zh": "市自然资源和规划局", "name_en": "Natural Resources and Planning Bureau"})
    item = services.item_create(code=code, department=department, category="licence", item_type=code[9:11],
                                kind=kind, parent=parent, levels=levels, keywords="规划", acting_user=None)
    version = services.version_create_draft(
        item=item, content={"name_zh": name, "name_en": f"Item {code}", "legal_limit_days": legal,
                            "promised_limit_days": promised, "legal_basis": "《城乡规划法》第四十条",
                            "steps": ["受理", "审查", "决定"], "contact_phone": "029-12345678"},
        materials=materials if materials is not None else [{"name_zh": "申请表", "name_en": "Application form"}],
        effective_from=dt.date(2020, 1, 1), acting_user=None)
    services.version_publish(version=version, acting_user=None)
    item.refresh_from_db()
    return item


@pytest.fixture
def item(db):
    return make_item("610100ZR-XK-0001")


@pytest.fixture
def catalogue_admin(make_user, city):
    # The role is platform-wide, but membership_grant only accepts it with a centre.
    return make_user((city, Role.CATALOGUE_ADMIN))


def test_anyone_reads_the_master_catalogue(centre_client, item):
    client = centre_client(None)
    listing = client.get("/api/v1/catalogue/items/?query=jsgc")
    assert listing.status_code == 200
    body = listing.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert [row["code"] for row in body["results"]] == [item.code]
    assert body["results"][0]["legal_limit_days"] == 20

    detail = client.get(f"/api/v1/catalogue/items/{item.code}/").json()
    assert detail["current_version"]["materials"][0]["name_zh"] == "申请表"
    assert detail["current_version"]["steps"] == ["受理", "审查", "决定"]
    assert detail["current_version"]["legal_basis"] == "《城乡规划法》第四十条"
    assert detail["current_version"]["contact_phone"] == "029-12345678"
    assert detail["versions"] == [{"number": 1, "status": "published", "effective_from": "2020-01-01"}]

    assert client.get("/api/v1/catalogue/departments/").json()["results"][0]["code"] == "ZR"
    assert client.get("/api/v1/catalogue/items/?department=ZR&level=city&category=licence").json()["count"] == 1
    assert client.get("/api/v1/catalogue/items/?department=SC").json()["count"] == 0
    assert client.get("/api/v1/catalogue/agencies/").status_code == 200
    assert client.get("/api/v1/catalogue/items/610100ZR-XK-9999/").status_code == 404


NEW_ITEM = {"code": "610100ZR-XK-0002", "department_code": "ZR", "category": "licence", "item_type": "XK",
            "levels": ["city"], "keywords": "测绘"}


def test_writes_need_a_catalogue_admin(centre_client, make_user, item, city, catalogue_admin):
    anonymous = centre_client(None).post("/api/v1/catalogue/items/", NEW_ITEM, content_type="application/json")
    assert anonymous.status_code == 401
    assert set(anonymous.json()) == {"code", "message", "extra"}

    centre_admin = make_user((city, Role.CENTRE_ADMIN))
    refused = centre_client(None, centre_admin).post("/api/v1/catalogue/items/", NEW_ITEM,
                                                     content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert not Item.objects.filter(code=NEW_ITEM["code"]).exists()

    client = centre_client(None, catalogue_admin)
    created = client.post("/api/v1/catalogue/items/", NEW_ITEM, content_type="application/json")
    assert created.status_code == 201, created.json()
    assert created.json()["current_version"] is None

    draft = client.post(f"/api/v1/catalogue/items/{NEW_ITEM['code']}/versions/", {
        "name_zh": "测绘成果审核", "name_en": "Survey results review", "legal_limit_days": 20,
        "promised_limit_days": 5, "materials": [{"name_zh": "成果报告", "name_en": "Report", "copies": 2}]},
        content_type="application/json")
    assert draft.status_code == 201, draft.json()
    assert draft.json()["status"] == "draft"
    assert draft.json()["materials"][0]["copies"] == 2
    published = client.post(f"/api/v1/catalogue/items/{NEW_ITEM['code']}/versions/1/publish/")
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    again = client.post(f"/api/v1/catalogue/items/{NEW_ITEM['code']}/versions/1/publish/")
    assert again.status_code == 409
    assert again.json()["code"] == "catalog_version_frozen"
    assert centre_client(None).get(f"/api/v1/catalogue/items/{NEW_ITEM['code']}/").json()[
        "current_version"]["name_zh"] == "测绘成果审核"


def test_bad_input_answers_code_message_extra(centre_client, item, catalogue_admin):
    client = centre_client(None, catalogue_admin)
    bad = client.post("/api/v1/catalogue/items/", {**NEW_ITEM, "code": "ZR-1", "category": "x"},
                      content_type="application/json")
    assert bad.status_code == 400
    body = bad.json()
    assert body["code"] == "catalog_invalid_item"
    assert set(body["extra"]["fields"]) == {"code", "category"}

    missing = client.post("/api/v1/catalogue/items/", {"code": "x"}, content_type="application/json")
    assert missing.json()["code"] == "validation_error"
    assert "department_code" in missing.json()["extra"]["fields"]

    above = client.post(f"/api/v1/catalogue/items/{item.code}/versions/", {"promised_limit_days": 30},
                        content_type="application/json")
    assert above.status_code == 400
    assert above.json()["code"] == "catalog_invalid_version"
    assert "20" in above.json()["message"]


def test_recording_an_event_answers_201_and_queues_propagation(centre_client, item, catalogue_admin,
                                                               django_capture_on_commit_callbacks):
    from unittest import mock

    client = centre_client(None, catalogue_admin)
    with mock.patch("catalog.tasks.event_propagate_task.delay") as delay, \
            django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/catalogue/items/{item.code}/events/", {
            "kind": "cancelled_state", "reason": "国务院决定取消", "effective_on": "2031-01-01"},
            content_type="application/json")
    assert response.status_code == 201, response.json()
    event = LifecycleEvent.objects.get(pk=response.json()["id"])
    delay.assert_called_once_with(event.pk)
    assert centre_client(None).get(f"/api/v1/catalogue/events/{event.pk}/").json()["item_code"] == item.code

    merge = client.post(f"/api/v1/catalogue/items/{item.code}/events/", {
        "kind": "merged", "reason": "合并", "effective_on": "2031-01-01", "merged_into": "610100ZR-XK-0404"},
        content_type="application/json")
    assert merge.status_code == 400
    assert merge.json()["code"] == "catalog_invalid_event"
    assert "merged_into" in merge.json()["extra"]["fields"]


def test_a_centre_catalogue_page_takes_at_most_two_queries(centre_client, beilin, django_assert_max_num_queries):
    for n in range(1, 36):
        item = make_item(f"610100ZR-XK-{n:04d}", materials=[])
        Adoption.objects.create(centre=beilin, item=item, starts_on=dt.date(2020, 1, 1),
                                promised_limit_days=5 if n % 2 else None)
    client = centre_client(beilin)
    statements: list[str] = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with override_settings(ROUTING_CHECK_SECONDS=3600):
        client.get("/api/v1/catalogue/items/")  # warm the routing cache
        reset_queries()  # a request starts by clearing the query log: start the count from zero too
        with django_assert_max_num_queries(2), connection.execute_wrapper(count):
            response = client.get("/api/v1/catalogue/items/?page_size=200")
    assert len(statements) == 2, statements  # the count and the page, nothing per row
    body = response.json()
    assert body["count"] == 35
    first, second = body["results"][:2]
    assert (first["promised_days"], first["legal_days"], first["local_promise"]) == (5, 20, 5)
    assert (second["promised_days"], second["local_promise"]) == (10, None)
    assert first["department_code"] == "ZR"
    assert "materials" not in first


def test_guide_detail_is_404_unless_adopted(centre_client, beilin, yanta, item):
    Adoption.objects.create(centre=beilin, item=item, starts_on=dt.date(2020, 1, 1))
    guide = centre_client(beilin).get(f"/api/v1/catalogue/items/{item.code}/")
    assert guide.status_code == 200
    assert guide.json()["version"]["materials"][0]["name_zh"] == "申请表"
    missing = centre_client(yanta).get(f"/api/v1/catalogue/items/{item.code}/")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_adopting_above_the_legal_limit_is_refused_naming_the_limit(centre_client, make_user, beilin, item):
    admin = make_user((beilin, Role.CENTRE_ADMIN))
    client = centre_client(beilin, admin)
    refused = client.post(f"/api/v1/catalogue/items/{item.code}/adopt/", {"promised_limit_days": 25},
                          content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "catalog_promise_above_legal_limit"
    assert "20" in body["message"]
    assert body["extra"]["legal_limit_days"] == 20
    assert "20" in " ".join(body["extra"]["fields"]["promised_limit_days"])
    assert not Adoption.objects.filter(centre=beilin, item=item).exists()

    adopted = client.post(f"/api/v1/catalogue/items/{item.code}/adopt/", {"promised_limit_days": 8},
                          content_type="application/json")
    assert adopted.status_code == 201
    assert adopted.json()["promised_days"] == 8
    assert client.post(f"/api/v1/catalogue/items/{item.code}/adopt/").status_code == 200

    changed = client.patch(f"/api/v1/catalogue/items/{item.code}/adoption/", {"promised_limit_days": 3},
                           content_type="application/json")
    assert changed.status_code == 200
    assert changed.json()["promised_days"] == 3
    too_much = client.patch(f"/api/v1/catalogue/items/{item.code}/adoption/", {"promised_limit_days": 21},
                            content_type="application/json")
    assert too_much.json()["code"] == "catalog_promise_above_legal_limit"
    assert Adoption.objects.get(centre=beilin, item=item).promised_limit_days == 3


def test_a_district_clerk_cannot_adopt(centre_client, make_user, beilin, item):
    clerk = make_user((beilin, Role.WINDOW_CLERK))
    client = centre_client(beilin, clerk)
    refused = client.post(f"/api/v1/catalogue/items/{item.code}/adopt/", {}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert client.post("/api/v1/catalogue/adopt-all/").status_code == 403
    assert not Adoption.objects.filter(centre=beilin).exists()
    # Another centre's administrator is no administrator here: nothing is there for them (404, not 403).
    other = make_user((beilin.parent, Role.CENTRE_ADMIN))
    assert centre_client(beilin, other).post(f"/api/v1/catalogue/items/{item.code}/adopt/").status_code == 404


def test_adopt_all_and_notices(centre_client, make_user, yanta, item):
    make_item("610100ZR-XK-0003", levels=["city"])
    admin = make_user((yanta, Role.CENTRE_ADMIN))
    response = centre_client(yanta, admin).post("/api/v1/catalogue/adopt-all/")
    assert response.json() == {"adopted": 1}
    assert centre_client(yanta).get("/api/v1/catalogue/items/").json()["count"] == 1

    event = services.event_record(kind="cancelled_basis", item=item, reason="依据不足",
                                  effective_on=dt.date(2031, 1, 1), acting_user=None)
    services.event_propagate(event_id=event.pk)
    notices = centre_client(yanta).get("/api/v1/catalogue/notices/").json()
    assert notices["count"] == 1
    assert notices["results"][0]["item_code"] == item.code
    assert notices["results"][0]["kind"] == "cancelled_basis"


def test_both_hosts_document_the_catalogue_api(centre_client, beilin):
    public = centre_client(None).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "/api/v1/catalogue/items/" in public["paths"]
    assert "/api/v1/catalogue/items/{code}/events/" in public["paths"]
    centre = centre_client(beilin).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "/api/v1/catalogue/items/{code}/adopt/" in centre["paths"]
    assert "/api/v1/catalogue/items/{code}/events/" not in centre["paths"]
