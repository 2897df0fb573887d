"""A platform administrator suspends a centre in a browser: the list's link, the page that says what
stops, the reason, and the centre's address answering "suspended" (issue 14, item 2)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import at, orm, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

REASON = "Moving to the new hall over the weekend."


def _resume_yanta() -> None:
    from tenants.choices import CentreStatus
    from tenants.models import Centre
    from tenants.services import centre_set_status

    yanta = Centre.objects.get(division_code="610113")
    if yanta.status == CentreStatus.SUSPENDED:
        centre_set_status(centre=yanta, status=CentreStatus.READY, reason="browser test done", acting_user=None)


def _last_suspension_note() -> str:
    from tenants.choices import AuditKind
    from tenants.models import AuditEvent

    return AuditEvent.objects.filter(kind=AuditKind.CENTRE_SUSPENDED, centre_code="610113").latest("pk").note


def test_suspending_a_centre_asks_what_and_why_first(page, live_url, make_browser_user):
    admin = make_browser_user((None, "platform_admin"))
    sign_in(page, live_url, admin)
    page.goto(live_url + "/")
    assert page.locator('tr[data-code="610100"] td.actions a').count() == 0  # the city: nothing to click
    try:
        page.click('tr[data-code="610113"] a:has-text("Suspend")')
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "Suspend Yanta District?"
        impact = page.locator("#impact").inner_text()
        assert "answer “suspended”" in impact and "yanta.localhost" in impact and "open case" in impact
        screenshot(page, "suspend-confirm-1280")
        page.fill("#id_reason", REASON)
        page.click('#centre-status button[type=submit]')
        page.wait_for_load_state()
        assert page.locator(".messages li.success").inner_text() == "Centre 610113 suspended."
        assert orm(_last_suspension_note) == REASON

        page.goto(at(live_url, "yanta") + "/")
        assert page.locator("h1").inner_text() == "This centre is suspended"
    finally:
        orm(_resume_yanta)


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_the_confirmation_page_fits_a_phone(browser, live_url, make_browser_user, locale):
    admin = make_browser_user((None, "platform_admin"))
    page = browser.new_context(viewport={"width": 360, "height": 740}, locale=locale).new_page()
    sign_in(page, live_url, admin)
    page.goto(live_url + "/centres/610113/status/")
    assert page.locator("#id_reason").bounding_box()["width"] <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
