"""Issue 14, items 7 and 9 in a real browser: on a 360 px phone a village agent files for a resident whose
consent is an SMS code — nothing preselected, the code sent through the outbox and read back, a wrong
code refused with nothing typed lost — and the township's clerk sees the consent and the handover log
on the case page."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import orm, phone, screenshot, sign_in, unique
from tests.browser.test_delegation import TOWNSHIP, VALID_ID, at, committed_agent, committed_township_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

MOBILE = "13700005678"


def outbox_code() -> str:
    """The code in the latest consent SMS to the resident's mobile (what the resident reads back)."""

    def read() -> str:
        from common.identity import recipient_hmac
        from notifications.models import OutboxMessage

        message = (OutboxMessage.objects.filter(template_key="proxy_consent_code", to_hmac=recipient_hmac(MOBILE))
                   .latest("pk"))
        return re.search(r"\d{6}", message.body).group(0)

    return orm(read)


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_an_agent_files_with_an_sms_code_on_a_phone_and_the_clerk_sees_the_consent(browser, live_url,
                                                                                    make_browser_user):
    name_zh = unique("城乡居民养老保险参保")
    code = committed_township_item(name_zh)
    agent = make_browser_user()
    committed_agent(agent)
    clerk = make_browser_user((TOWNSHIP, "window_clerk"))
    base = at(live_url, "beilin-nanyuanmen")

    page = phone(browser)
    sign_in(page, base, agent)
    page.goto(f"{base}/delegation/new/?item_code={code}")
    # nothing is preselected: no consent method, no material
    assert page.locator("input[name=consent_method]:checked").count() == 0
    assert page.locator("input[name=materials]:checked").count() == 0
    resident = unique("王秀兰")
    page.fill("#id_resident_name", resident)
    page.fill("#id_resident_id_number", VALID_ID)
    page.fill("#id_phone", MOBILE)
    page.click("#file-case")  # consent untouched: refused, nothing lost
    page.wait_for_load_state()
    assert "Choose how the resident gave consent." in page.content()
    assert page.input_value("#id_resident_name") == resident and page.input_value("#id_phone") == MOBILE

    page.check("input[name=consent_method][value=sms_code]")
    # only the chosen method's evidence is asked for
    assert page.locator("#id_sms_code").is_visible()
    assert not page.locator("#id_consent_scan").is_visible() and not page.locator("#id_consent_evidence").is_visible()
    page.click("button[name=send_code]")
    page.wait_for_load_state()
    assert "A code was sent to 137****5678" in page.content()
    assert page.locator("input[name=consent_method][value=sms_code]").is_checked()
    assert page.input_value("#id_resident_name") == resident
    assert fits(page)
    screenshot(page, "delegation-consent-code-sent-360")
    code_sent = outbox_code()

    page.fill("#id_sms_code", f"{(int(code_sent) + 1) % 1_000_000:06d}")
    page.click("#file-case")
    page.wait_for_load_state()
    assert "Wrong code: 4 tries left." in page.content()
    assert page.input_value("#id_resident_name") == resident and page.input_value("#id_phone") == MOBILE
    assert fits(page)

    page.check("#proxy-filing label:has-text('Enrolment form') input")
    page.fill("#id_sms_code", code_sent)
    page.press("#id_sms_code", "Enter")  # Enter files the case (it does not send another code)
    page.wait_for_load_state()
    number = page.locator("h1.num").inner_text()
    assert number.startswith(TOWNSHIP + "-")
    assert "SMS code confirmed at" in page.content()
    assert fits(page)
    screenshot(page, "delegation-consent-filed-360")
    page.context.close()

    def filed() -> tuple[str, list[str], str]:
        from delegation.models import ProxyFiling
        from notifications.models import OutboxMessage

        filing = ProxyFiling.objects.select_related("consent").get(case_number=number)
        sent = list(OutboxMessage.objects.filter(body__contains=code_sent, template_key="proxy_consent_code")
                    .values_list("to", flat=True))
        return str(filing.case_id), sent, filing.consent.method

    case_id, sent, method = orm(filed)
    assert sent == ["+86" + MOBILE] and method == "sms_code"

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    desk.set_default_timeout(15_000)
    clerk_page = desk.new_page()
    sign_in(clerk_page, base, clerk)
    clerk_page.goto(f"{base}/cases/{case_id}/")
    section = clerk_page.locator("#proxy-filing")
    text = section.inner_text()
    assert "Code sent by SMS and read back" in text and "SMS code confirmed at" in text and "137****5678" in text
    assert "Materials received from the resident" in text
    # the material the agent ticked is provided on the case, the other one missing
    assert clerk_page.locator("tr.material-provided").inner_text().startswith("Enrolment form")
    assert clerk_page.locator("tr.material-missing").inner_text().startswith("Copy of the household register")
    screenshot(clerk_page, "delegation-consent-clerk-1280")
    desk.close()
