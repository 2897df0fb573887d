"""The joint-approvals API: catalogue with merged checklist, acceptance (idempotent, leg failure
named), reads with 404 for centres that hold no leg, and a clean OpenAPI schema."""
from __future__ import annotations

from joint_approval.models import JointCase
from joint_approval.services import linked_project_register
from tests.joint_approval.conftest import VALID_USCC, make_item

BODY = {"bundle": "company-test", "applicant_kind": "organisation", "applicant_name": "西安测试科技有限公司",
        "applicant_id_number": VALID_USCC, "phone": "13912345678", "provided": ["申请表"]}


def test_the_bundle_lists_its_items_and_each_material_once(centre_client, bundle, company_items, beilin):
    registration, seal, tax = company_items
    data = centre_client(beilin).get("/api/v1/joint/bundles/company-test/").json()
    assert [i["item_code"] for i in data["items"]] == [registration.code, seal.code, tax.code]
    keys = [line["key"] for line in data["checklist"]]
    assert keys.count("申请表") == 1
    assert next(line for line in data["checklist"] if line["key"] == "营业执照")["produced_by"] == 1
    chosen = centre_client(beilin).get(f"/api/v1/joint/bundles/company-test/?items={seal.pk}").json()
    assert len(chosen["checklist"]) == 6
    none = centre_client(beilin).get("/api/v1/joint/bundles/company-test/?items=").json()
    assert "营业执照复印件" not in [line["key"] for line in none["checklist"]]
    assert [b["code"] for b in centre_client(None).get("/api/v1/joint/bundles/").json()] == ["company-test"]


def test_accepting_through_the_api_is_idempotent(centre_client, bundle, beilin, clerk_beilin):
    client = centre_client(beilin, clerk_beilin)
    first = client.post("/api/v1/joint/cases/", BODY, content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == 201, first.json()
    assert len(first.json()["legs"]) == 3 and {leg["status"] for leg in first.json()["legs"]} == {"accepted"}
    again = client.post("/api/v1/joint/cases/", BODY, content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    # the answer made from the rows just written is the case as read back later, field for field
    assert first.json() == again.json() == client.get(f"/api/v1/joint/cases/{first.json()['id']}/").json()
    other = client.post("/api/v1/joint/cases/", {**BODY, "applicant_name": "别的公司"}, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="abc")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


def test_a_leg_that_cannot_start_is_named_and_nothing_is_accepted(centre_client, bundle, beilin, clerk_beilin):
    from joint_approval.models import BundleItem, JointCase

    late = make_item("610100SW-XK-0103", "SW", "发票领用", "Invoice issue", [("申请表", "Application form")])
    BundleItem.objects.create(bundle=bundle, item=late, level="city", position=9)
    response = centre_client(beilin, clerk_beilin).post("/api/v1/joint/cases/", BODY,
                                                        content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "joint_leg_failed" and body["extra"]["item_code"] == late.code
    assert not JointCase.objects.exists()


def test_a_centre_holding_no_leg_gets_404(centre_client, bundle, beilin, yanta, clerk_beilin, make_user):
    from tenants.choices import Role

    created = centre_client(beilin, clerk_beilin).post("/api/v1/joint/cases/", BODY, content_type="application/json")
    joint_id = created.json()["id"]
    assert centre_client(beilin, clerk_beilin).get(f"/api/v1/joint/cases/{joint_id}/").status_code == 200
    other = make_user((yanta, Role.WINDOW_CLERK))
    assert centre_client(yanta, other).get(f"/api/v1/joint/cases/{joint_id}/").status_code == 404
    assert centre_client(yanta, other).get("/api/v1/joint/cases/").json()["count"] == 0
    refused = centre_client(yanta, other).post("/api/v1/joint/cases/", BODY, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "joint_leg_failed"  # Yanta has not adopted it


def test_the_schema_documents_the_joint_api(centre_client, beilin):
    response = centre_client(beilin).get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/joint/cases/" in paths and "/api/v1/joint/bundles/{code}/" in paths


def test_another_zones_project_is_not_found_not_named(centre_client, company_items, gaoxin, beilin, clerk_beilin):
    """A Beilin clerk posting Gaoxin's project learns nothing of it: 404, as for a missing one."""
    registration, seal, tax = company_items
    project = linked_project_register(name_zh="高新区保密项目", centre=gaoxin, company_name="西安测试科技有限公司",
                                      credit_code=VALID_USCC, year=2014, items=[(registration, "local")])
    body = {**BODY, "project": project.pk}
    del body["bundle"]
    response = centre_client(beilin, clerk_beilin).post("/api/v1/joint/cases/", body,
                                                        content_type="application/json")
    assert response.status_code == 404
    assert "高新区保密项目" not in response.content.decode()
    missing = centre_client(beilin, clerk_beilin).post("/api/v1/joint/cases/", {**body, "project": project.pk + 999},
                                                       content_type="application/json")
    assert missing.status_code == 404 and missing.json()["code"] == response.json()["code"]
    assert not JointCase.objects.exists()


def test_neither_bundle_nor_project_is_a_translated_field_error(centre_client, bundle, beilin, clerk_beilin):
    body = {k: v for k, v in BODY.items() if k != "bundle"}
    response = centre_client(beilin, clerk_beilin).post("/api/v1/joint/cases/", body, content_type="application/json",
                                                        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["non_field_errors"] == ["请选择联办事项或联动项目。"]


def test_odd_digits_in_the_chosen_items_are_refused_not_a_crash(centre_client, bundle, beilin):
    response = centre_client(beilin).get("/api/v1/joint/bundles/company-test/?items=²")
    assert response.status_code == 400
    assert response.json()["code"] == "joint_unknown_item"


def test_a_running_project_is_not_accepted_again_through_the_api(centre_client, company_items, city, gaoxin,
                                                                  chief_city, clerk_gaoxin):
    registration, seal, tax = company_items
    project = linked_project_register(name_zh="高新区测试园", centre=gaoxin, company_name="西安测试科技有限公司",
                                      credit_code=VALID_USCC, year=2014,
                                      items=[(registration, "local"), (tax, "city")])
    body = {**{k: v for k, v in BODY.items() if k != "bundle"}, "project": project.pk}
    first = centre_client(gaoxin, clerk_gaoxin).post("/api/v1/joint/cases/", body, content_type="application/json",
                                                     HTTP_IDEMPOTENCY_KEY="p-1")
    assert first.status_code == 201
    replay = centre_client(gaoxin, clerk_gaoxin).post("/api/v1/joint/cases/", body, content_type="application/json",
                                                      HTTP_IDEMPOTENCY_KEY="p-1")
    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
    again = centre_client(city, chief_city).post("/api/v1/joint/cases/", body, content_type="application/json")
    assert again.status_code == 409 and again.json()["extra"]["number"] == first.json()["number"]
    assert JointCase.objects.count() == 1


def test_a_long_idempotency_key_still_replays(centre_client, bundle, beilin, clerk_beilin):
    """A client's key longer than the column (e.g. a 128-character token) was a 500 (value too long)."""
    client = centre_client(beilin, clerk_beilin)
    key = "k" * 200
    first = client.post("/api/v1/joint/cases/", BODY, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201
    again = client.post("/api/v1/joint/cases/", BODY, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other = client.post("/api/v1/joint/cases/", BODY, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k" * 199 + "j")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
