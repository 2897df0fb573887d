"""The Content-Security-Policy holds in a real browser: key pages carry it and Chromium reports no
violation on them (no inline script, no inline style, nothing from another origin)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_pages import at

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

#: Collects every `securitypolicyviolation` event of the page (the init script runs before the page's own).
COLLECT = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
    e => window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""


def watch(page) -> list[str]:
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.add_init_script(COLLECT)
    return console


def visit(page, url: str) -> list[str]:
    response = page.goto(url)
    assert response is not None and response.ok, url
    assert "script-src 'self'" in response.headers.get("content-security-policy", ""), url
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__cspViolations")


def test_key_pages_carry_the_policy_and_break_none_of_it(page, live_url, make_browser_user):
    console = watch(page)
    for url in (live_url + "/", live_url + "/accounts/login/", live_url + "/catalogue/",
                live_url + "/progress/"):
        assert visit(page, url) == [], url
    username = make_browser_user(("610103", "centre_admin"), (None, "platform_admin"))
    base = at(live_url, "beilin")
    sign_in(page, base, username)
    for url in (base + "/", base + "/cases/", base + "/catalogue/", base + "/catalogue/report/",
                base + "/supervision/dashboard/", base + "/audit/", base + "/accounts/two-step/"):
        assert visit(page, url) == [], url
    sign_in(page, live_url, username)
    for url in (live_url + "/onboard/", live_url + "/sign-ins/locked/", live_url + "/supervision/dashboard/"):
        assert visit(page, url) == [], url
    assert console == []
