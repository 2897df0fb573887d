"""Issue 14, items 7 and 9: the agent's proxy form preselects nothing; each consent method asks for its
own evidence (a scan of the signed form, the call recording's reference, an SMS code sent through the
outbox and typed back); each material is ticked as received or not; the township clerk's case page
shows the consent record and the agent's handover log."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test.utils import override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from cases.models import Case, CaseMaterial
from delegation.choices import HandoverStepKind as Step
from delegation.consent import CODE_MAX_ATTEMPTS
from delegation.models import Consent, ConsentDraft, ProxyFiling
from delegation.services import handover_log
from notifications.models import OutboxMessage
from tests.delegation.conftest import VALID_ID, file_for_resident, png_upload

pytestmark = pytest.mark.django_db

NEW = "/delegation/new/"
MOBILE = "13912345678"


@pytest.fixture
def client(centre_client, nanyuanmen, agent):
    return centre_client(nanyuanmen, agent)


def form_data(item, **extra) -> dict:
    return {"item_code": item.code, "token": "tok-consent-1", "resident_name": "赵六", "resident_id_number": VALID_ID,
            "phone": MOBILE, "consent_given_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), **extra}


def sent_code() -> str:
    message = OutboxMessage.objects.filter(template_key="proxy_consent_code").latest("pk")
    return re.search(r"\d{6}", message.body).group(0)


# --- item 7: nothing preselected ---------------------------------------------------------------------------

def test_the_form_preselects_no_consent_method_and_no_material(client, items):
    page = client.get(f"{NEW}?item_code={items['township'].code}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="consent_method"' in page and 'name="materials"' in page
    form = page[page.index('<form method="post" id="proxy-filing"'):]
    assert " checked" not in form  # neither a consent method nor a material is ticked for the agent


def test_a_form_sent_without_touching_consent_is_refused_and_keeps_what_was_typed(client, items, nanyuanmen):
    response = client.post(NEW, form_data(items["township"]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose how the resident gave consent." in body and "赵六" in body and MOBILE in body
    assert not ProxyFiling.objects.exists() and not Consent.objects.exists()
    with tenant_context(nanyuanmen):
        assert not Case.objects.exists()


def test_the_refusal_is_in_chinese_for_a_chinese_agent(client, items):
    response = client.post(NEW, form_data(items["township"]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400 and "请选择居民表示同意的方式" in response.content.decode()


# --- item 7: each method's evidence --------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "extra", "field", "message"), [
    ("signed_form", {"consent_evidence": "F-001"}, "consent_scan", "Attach a photo or scan of the signed"),
    ("fingerprint", {}, "consent_scan", "Attach a photo or scan of the signed"),
    ("recorded_call", {}, "consent_evidence", "Give the call recording&#x27;s reference."),
    ("sms_code", {"sms_code": "123456"}, "sms_code", "Send the code to the resident&#x27;s mobile"),
])
def test_each_consent_method_asks_for_its_own_evidence(client, items, method, extra, field, message):
    response = client.post(NEW, form_data(items["township"], consent_method=method, **extra),
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content.decode()[-500:]
    assert message in response.content.decode()
    assert not ProxyFiling.objects.exists() and not Consent.objects.exists()


def test_a_recorded_call_is_filed_with_its_reference(client, items):
    response = client.post(NEW, form_data(items["township"], consent_method="recorded_call",
                                          consent_evidence="REC-2026-77"))
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert (consent.method, consent.evidence, consent.scan.name) == ("recorded_call", "REC-2026-77", "")


def test_a_signed_form_is_filed_with_its_scan_kept_across_a_page_sent_back(client, items):
    data = form_data(items["township"], consent_method="signed_form")
    wrong = client.post(NEW, {**data, "resident_id_number": "123", "consent_scan": png_upload("委托书.png")},
                        HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 400
    assert "Received: 委托书.png" in wrong.content.decode()  # the photo is not asked for again
    done = client.post(NEW, data)  # corrected, without choosing the file again
    assert done.status_code == 302
    consent = Consent.objects.get()
    assert consent.method == "signed_form" and consent.scan.name.endswith(".png")
    assert consent.scan_content_type == "image/png" and consent.scan.read().startswith(b"\x89PNG")
    assert not ConsentDraft.objects.exists()


def test_a_scan_must_be_an_image_or_a_pdf(client, items):
    data = form_data(items["township"], consent_method="signed_form")
    response = client.post(NEW, {**data, "consent_scan": png_upload("form.png", b"MZ\x90\x00 not a photo")},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "The scan must be a photo (JPEG or PNG) or a PDF." in response.content.decode()
    assert not ProxyFiling.objects.exists()
    pdf = client.post(NEW, {**data, "consent_scan": png_upload("form.pdf", b"%PDF-1.4\n%%EOF\n")})
    assert pdf.status_code == 302 and Consent.objects.get().scan_content_type == "application/pdf"


@override_settings(CONSENT_SCAN_MAX_BYTES=1024 * 1024)
def test_a_scan_over_the_size_limit_is_refused(client, items):
    big = b"\xff\xd8\xff\xe0" + b"\0" * (1024 * 1024)
    response = client.post(NEW, form_data(items["township"], consent_method="signed_form",
                                          consent_scan=png_upload("big.jpg", big)), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "The scan is larger than 1 MB" in response.content.decode()
    assert not ProxyFiling.objects.exists()


# --- item 7: the SMS code -------------------------------------------------------------------------------------

def test_an_sms_code_is_sent_through_the_outbox_and_only_the_right_code_files(client, items):
    data = form_data(items["township"], consent_method="sms_code")
    sent = client.post(NEW, {**data, "send_code": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert sent.status_code == 200
    body = sent.content.decode()
    assert "A code was sent to 139****5678" in body and "赵六" in body
    assert re.search(r'value="sms_code"[^>]* checked', body)  # what the agent chose stays chosen
    assert "This field is required" not in body  # sending the code is not a submission
    message = OutboxMessage.objects.get(template_key="proxy_consent_code")
    assert message.to == "+86" + MOBILE
    code = sent_code()
    draft = ConsentDraft.objects.get()
    assert code not in draft.code_hash and len(draft.code_hash) == 64  # stored as an HMAC
    assert not ProxyFiling.objects.exists()

    wrong_code = f"{(int(code) + 1) % 1_000_000:06d}"
    wrong = client.post(NEW, {**data, "sms_code": wrong_code}, HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 400
    assert f"Wrong code: {CODE_MAX_ATTEMPTS - 1} tries left." in wrong.content.decode()
    assert "赵六" in wrong.content.decode() and not ProxyFiling.objects.exists()
    assert ConsentDraft.objects.get().code_attempts == 1  # the miss is counted although nothing was filed

    right = client.post(NEW, {**data, "sms_code": code})
    assert right.status_code == 302
    consent = Consent.objects.get()
    assert consent.method == "sms_code" and consent.sms_confirmed_at is not None
    assert consent.sms_phone_masked == "139****5678" and consent.evidence == ""
    assert not ConsentDraft.objects.exists()  # one code per draft: used, it is gone


def test_an_expired_code_is_refused(client, items):
    data = form_data(items["township"], consent_method="sms_code")
    client.post(NEW, {**data, "send_code": "1"})
    code = sent_code()
    past = timezone.now() - dt.timedelta(minutes=11)
    ConsentDraft.objects.update(code_sent_at=past, code_expires_at=past + dt.timedelta(minutes=10))
    response = client.post(NEW, {**data, "sms_code": code}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "The code has expired" in response.content.decode()
    assert not ProxyFiling.objects.exists()


def test_wrong_codes_are_limited_and_a_new_code_replaces_the_old(client, items):
    data = form_data(items["township"], consent_method="sms_code")
    client.post(NEW, {**data, "send_code": "1"})
    code = sent_code()
    wrong_code = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(CODE_MAX_ATTEMPTS):
        client.post(NEW, {**data, "sms_code": wrong_code})
    blocked = client.post(NEW, {**data, "sms_code": code}, HTTP_ACCEPT_LANGUAGE="en")
    assert blocked.status_code == 400 and "Too many wrong codes" in blocked.content.decode()
    # a new code (after the minute between sends) replaces the old one
    ConsentDraft.objects.update(code_sent_at=timezone.now() - dt.timedelta(minutes=2))
    client.post(NEW, {**data, "send_code": "1"})
    new_code = sent_code()
    assert OutboxMessage.objects.filter(template_key="proxy_consent_code").count() == 2
    if new_code != code:
        assert client.post(NEW, {**data, "sms_code": code}).status_code == 400
    assert client.post(NEW, {**data, "sms_code": new_code}).status_code == 302


def test_a_code_is_bound_to_the_number_it_was_sent_to(client, items):
    data = form_data(items["township"], consent_method="sms_code")
    client.post(NEW, {**data, "send_code": "1"})
    response = client.post(NEW, {**data, "phone": "13700001111", "sms_code": sent_code()}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "not to this number" in response.content.decode()


def test_a_code_is_not_resent_within_a_minute(client, items):
    data = form_data(items["township"], consent_method="sms_code")
    client.post(NEW, {**data, "send_code": "1"})
    again = client.post(NEW, {**data, "send_code": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 400 and "less than a minute ago" in again.content.decode()
    assert OutboxMessage.objects.filter(template_key="proxy_consent_code").count() == 1


# --- item 7: materials -------------------------------------------------------------------------------------

def test_the_materials_ticked_are_the_cases_materials_received(client, items, nanyuanmen):
    from catalog.models import Material

    form_id, id_copy = Material.objects.filter(version_id=items["township"].current_version_id).order_by(
        "position", "pk")
    response = client.post(NEW, form_data(items["township"], consent_method="recorded_call",
                                          consent_evidence="REC-1", materials=[id_copy.pk]))
    assert response.status_code == 302
    with tenant_context(nanyuanmen):
        states = dict(CaseMaterial.objects.values_list("material_id", "state"))
    assert states == {form_id.pk: CaseMaterial.State.MISSING, id_copy.pk: CaseMaterial.State.PROVIDED}


# --- item 9: the clerk's case page ---------------------------------------------------------------------------

def case_page(centre_client, nanyuanmen, user, filing) -> str:
    response = centre_client(nanyuanmen, user).get(f"/cases/{filing.case_id}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_the_clerk_sees_the_consent_scan_and_the_handover_log(client, centre_client, nanyuanmen, items, agent,
                                                               township_clerk, make_user, beilin):
    client.post(NEW, form_data(items["township"], consent_method="signed_form", consent_scan=png_upload()))
    filing = ProxyFiling.objects.get()
    handover_log(filing=filing, step=Step.HANDED_TO_CENTRE, acting_user=agent, note="交到窗口3")
    body = case_page(centre_client, nanyuanmen, township_clerk, filing)
    section = body[body.index('id="proxy-filing"'):]
    section = section[:section.index("</section>")]
    scan_url = f"/delegation/consents/{filing.consent_id}/scan/"
    assert "Signed authorisation form" in section and f'href="{scan_url}"' in section
    assert "王代办" in section  # the agent
    log = section[section.index("proxy-handovers"):]
    assert log.index("Materials received from the resident") < log.index("Materials handed to the centre")
    assert log.count("王代办") == 2 and "交到窗口3" in log
    for step in filing.handovers.all():
        assert timezone.localtime(step.at).strftime("%Y-%m-%d %H:%M") in log

    scan = centre_client(nanyuanmen, township_clerk).get(scan_url)
    assert scan.status_code == 200 and scan["Content-Type"] == "image/png"
    assert b"".join(scan.streaming_content).startswith(b"\x89PNG")
    assert client.get(scan_url).status_code == 200  # the agent who recorded it
    stranger = make_user((beilin, "window_clerk"), username="clerk-beilin")
    assert centre_client(nanyuanmen, stranger).get(scan_url).status_code == 404
    assert centre_client(beilin, stranger).get(scan_url).status_code == 404


def test_the_clerk_sees_when_the_sms_code_was_confirmed(client, centre_client, nanyuanmen, items, township_clerk):
    data = form_data(items["township"], consent_method="sms_code")
    client.post(NEW, {**data, "send_code": "1"})
    client.post(NEW, {**data, "sms_code": sent_code()})
    filing = ProxyFiling.objects.get()
    body = case_page(centre_client, nanyuanmen, township_clerk, filing)
    at = timezone.localtime(filing.consent.sms_confirmed_at).strftime("%Y-%m-%d %H:%M")
    assert f"SMS code confirmed at {at} (sent to 139****5678)" in body


def test_the_clerk_sees_the_call_reference(centre_client, nanyuanmen, items, agent, station, township_clerk):
    filing = file_for_resident(agent, station, items["township"], now=timezone.now())
    body = case_page(centre_client, nanyuanmen, township_clerk, filing)
    assert "Recorded phone call" in body and "Call recording REC-001" in body


def test_a_case_filed_at_the_window_has_no_proxy_section(centre_client, nanyuanmen, township_clerk, items):
    from cases.services import case_submit

    with tenant_context(nanyuanmen):
        case = case_submit(centre=nanyuanmen, item_code=items["township"].code, applicant_kind="person",
                           applicant_name="钱七", applicant_id_number=VALID_ID, phone=MOBILE, channel="window",
                           acting_user=township_clerk).case
    body = centre_client(nanyuanmen, township_clerk).get(f"/cases/{case.pk}/").content.decode()
    assert 'id="proxy-filing"' not in body


def test_a_form_left_unfiled_loses_its_draft_and_scan_after_a_day(client, items):
    from delegation.consent import consent_drafts_purge

    client.post(NEW, form_data(items["township"], consent_method="signed_form", resident_id_number="1",
                               consent_scan=png_upload()))
    draft = ConsentDraft.objects.get()
    storage, name = draft.scan.storage, draft.scan.name
    assert storage.exists(name)
    assert consent_drafts_purge(now=timezone.now()) == 0
    assert consent_drafts_purge(now=timezone.now() + dt.timedelta(days=1, minutes=1)) == 1
    assert not ConsentDraft.objects.exists() and not storage.exists(name)
