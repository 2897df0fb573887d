"""The delegation API: filing with consent (idempotent), handovers with their conflicts, public reports."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from delegation.models import ProxyFiling
from delegation.services import agency_assign
from projects.services import key_project_register
from tenants.choices import Role
from tests.delegation.conftest import VALID_ID

pytestmark = pytest.mark.django_db


def filing_body(item, **over):
    body = {"item_code": item.code, "resident_name": "李四", "resident_id_number": VALID_ID, "phone": "13812345678",
            "consent_method": "recorded_call", "consent_given_at": timezone.now().isoformat(),
            "consent_evidence": "REC-77", "provided_material_ids": []}
    body.update(over)
    return body


def test_an_agent_files_through_the_api_and_a_retry_gives_the_same_filing(centre_client, nanyuanmen, city, agent,
                                                                          items):
    client = centre_client(nanyuanmen, agent)
    body = filing_body(items["city"])
    first = client.post("/api/v1/delegation/filings/", body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.json()
    assert first.json()["centre_code"] == city.division_code and first.json()["resident"] == "李**"
    again = client.post("/api/v1/delegation/filings/", body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert ProxyFiling.objects.count() == 1
    detail = client.get(f"/api/v1/delegation/filings/{first.json()['id']}/").json()
    assert detail["consent_method"] == "recorded_call"
    assert [h["step"] for h in detail["handovers"]] == ["received_from_resident"]


def test_an_incomplete_consent_is_a_clear_error_and_nothing_is_filed(centre_client, nanyuanmen, agent, items):
    client = centre_client(nanyuanmen, agent)
    response = client.post("/api/v1/delegation/filings/", filing_body(items["township"], consent_evidence=""),
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "delegation_consent_required"
    assert "consent_evidence" in response.json()["extra"]["fields"]
    assert not ProxyFiling.objects.exists()


def test_handover_conflicts_say_why(centre_client, nanyuanmen, agent, items):
    client = centre_client(nanyuanmen, agent)
    filing = client.post("/api/v1/delegation/filings/", filing_body(items["township"]),
                         content_type="application/json").json()
    url = f"/api/v1/delegation/filings/{filing['id']}/handover/"
    skipped = client.post(url, {"step": "delivered_to_resident"}, content_type="application/json")
    assert (skipped.status_code, skipped.json()["code"]) == (409, "delegation_handover_out_of_order")
    assert skipped.json()["extra"]["next_step"] == "handed_to_centre"
    assert client.post(url, {"step": "handed_to_centre"}, content_type="application/json").status_code == 201
    early = client.post(url, {"step": "result_received"}, content_type="application/json")
    assert (early.status_code, early.json()["code"]) == (409, "delegation_result_not_ready")


def test_a_long_idempotency_key_is_accepted_and_still_recognised(centre_client, nanyuanmen, agent, items):
    client = centre_client(nanyuanmen, agent)
    key = "weak-connection-retry-" + "x" * 150
    body = filing_body(items["township"])
    first = client.post("/api/v1/delegation/filings/", body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.content[:300]
    again = client.post("/api/v1/delegation/filings/", body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert ProxyFiling.objects.count() == 1


def test_the_same_key_with_another_resident_is_refused_and_files_nothing(centre_client, nanyuanmen, agent, items):
    """A retry replays; a different filing under a key already used is refused (it used to answer with
    the first filing, silently, as though the second resident's case had been filed)."""
    client = centre_client(nanyuanmen, agent)
    first = client.post("/api/v1/delegation/filings/", filing_body(items["township"]),
                        content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-9")
    assert first.status_code == 201
    other = client.post("/api/v1/delegation/filings/", filing_body(items["township"], resident_name="王五",
                                                                   resident_id_number="110101199003071233"),
                        content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-9")
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert ProxyFiling.objects.count() == 1


def test_someone_who_is_not_an_agent_here_gets_404(centre_client, nanyuanmen, beilin, agent, items, make_user):
    assert centre_client(beilin, agent).get("/api/v1/delegation/filings/").status_code == 404
    clerk = make_user((nanyuanmen, Role.WINDOW_CLERK))
    assert centre_client(nanyuanmen, clerk).post("/api/v1/delegation/filings/", filing_body(items["township"]),
                                                 content_type="application/json").status_code == 404


def test_the_public_coverage_and_the_citys_key_project_report(centre_client, city, nanyuanmen, station, make_user):
    from delegation.models import TownshipDivisions

    TownshipDivisions.objects.create(township=nanyuanmen, villages=4, communities=0)
    coverage = centre_client(None).get("/api/v1/delegation/coverage/").json()
    assert coverage["total"]["village_stations"] == 1 and coverage["total"]["coverage"] == 25.0
    reader = make_user((city, Role.SUPERVISOR))
    report = centre_client(None, reader).get("/api/v1/delegation/key-projects/report/?year=2014")
    assert report.status_code == 200 and report.json()["projects"] == 0
    outsider = make_user()
    assert centre_client(None, outsider).get("/api/v1/delegation/key-projects/report/?year=2014").status_code == 404


def test_the_key_project_report_without_a_year_is_the_latest_years(centre_client, city, beilin, make_user):
    agent = make_user(username="kp-agent-api")
    for year in (2013, 2014):
        project = key_project_register(year=year, name_zh=f"重点项目{year}", company_name="西安地铁有限公司",
                                       credit_code="91110000600037341L", centre=beilin)
        agency_assign(project=project, agent=agent, level="assist", today=dt.date(year, 3, 1))
    # a later year's project the agency service has no record of is not its latest year
    key_project_register(year=2015, name_zh="重点项目2015", company_name="西安地铁有限公司",
                         credit_code="91110000600037341L", centre=beilin)
    client = centre_client(None, make_user((city, Role.SUPERVISOR)))
    report = client.get("/api/v1/delegation/key-projects/report/").json()
    assert report["year"] == 2014 and [r["name_zh"] for r in report["rows"]] == ["重点项目2014"]
    page = client.get("/delegation/key-projects/?year=2012").content.decode()
    assert "No project on this year" in page


def test_the_schema_documents_the_delegation_api(centre_client, nanyuanmen):
    paths = centre_client(nanyuanmen).get("/api/schema/?format=json").json()["paths"]
    assert "/api/v1/delegation/filings/" in paths and "/api/v1/delegation/filings/{filing_id}/handover/" in paths
    public = centre_client(None).get("/api/schema/?format=json").json()["paths"]
    assert "/api/v1/delegation/coverage/" in public
    assert "/api/v1/delegation/green-channels/{code}/report/" in public


# --- issue 14, item 7: the consent's evidence through the API ------------------------------------------------

def test_an_api_client_files_with_a_scan_or_an_sms_code(centre_client, nanyuanmen, agent, items):
    import re

    from notifications.models import OutboxMessage
    from tests.delegation.conftest import png_upload

    client = centre_client(nanyuanmen, agent)
    no_scan = client.post("/api/v1/delegation/filings/", filing_body(items["township"], consent_method="signed_form"),
                          content_type="application/json")
    assert no_scan.status_code == 400 and "consent_scan" in no_scan.json()["extra"]["fields"]
    body = {k: v for k, v in filing_body(items["township"], consent_method="signed_form").items()
            if k != "provided_material_ids"}
    scanned = client.post("/api/v1/delegation/filings/", {**body, "consent_scan": png_upload()})
    assert scanned.status_code == 201, scanned.json()
    assert client.get(f"/api/v1/delegation/filings/{scanned.json()['id']}/").json()["consent_scan"] is True

    sent = client.post("/api/v1/delegation/consent-codes/", {"phone": "13812345678"}, content_type="application/json")
    assert sent.status_code == 201 and sent.json()["sent_to"] == "138****5678"
    code = re.search(r"\d{6}", OutboxMessage.objects.get(template_key="proxy_consent_code").body).group(0)
    by_sms = filing_body(items["district"], consent_method="sms_code", consent_evidence="",
                         consent_token=sent.json()["token"])
    wrong = client.post("/api/v1/delegation/filings/", {**by_sms, "sms_code": f"{(int(code) + 1) % 10**6:06d}"},
                        content_type="application/json")
    assert wrong.status_code == 400 and wrong.json()["code"] == "delegation_consent_required"
    right = client.post("/api/v1/delegation/filings/", {**by_sms, "sms_code": code}, content_type="application/json")
    assert right.status_code == 201, right.json()
    assert client.get(f"/api/v1/delegation/filings/{right.json()['id']}/").json()["consent_sms_confirmed_at"]
