"""The skip link by keyboard (issue 19): on a page of each base template, the first Tab shows "Skip to main
content" (跳到正文) and Enter moves focus into the main landmark, so the next Tab lands on the page's own
first control, past the header's links."""
from __future__ import annotations

import pytest

from tests.browser.conftest import phone, sign_in
from tests.browser.test_delegation import at, committed_agent

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

FOCUSED = """() => { const e = document.activeElement;
  const box = e.getBoundingClientRect();
  return {tag: e.tagName, id: e.id, text: e.innerText.trim(), inMain: !!e.closest('main'),
          visible: box.width > 0 && box.height > 0 && box.top >= 0 && box.left >= 0}; }"""


def skip_by_keyboard(page, url: str, label: str) -> None:
    page.goto(url)
    page.keyboard.press("Tab")
    link = page.evaluate(FOCUSED)
    assert link["tag"] == "A" and link["text"] == label and link["visible"], (url, link)
    page.keyboard.press("Enter")
    landed = page.evaluate(FOCUSED)
    assert landed["tag"] == "MAIN" and landed["id"] == "main", (url, landed)
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["inMain"], url  # past the header, into the page's own content


def test_the_skip_link_takes_the_keyboard_past_the_header_on_every_base_template(
        browser, live_url, make_browser_user):
    english = phone(browser)
    for url in (live_url + "/", live_url + "/catalogue/", live_url + "/online/sign-in/",
                at(live_url, "beilin") + "/progress/"):
        skip_by_keyboard(english, url, "Skip to main content")
    english.context.close()

    chinese = phone(browser, locale="zh-CN")
    skip_by_keyboard(chinese, live_url + "/online/", "跳到正文")
    chinese.context.close()

    # the village agent's light phone pages (a base of their own)
    agent = make_browser_user()
    committed_agent(agent)
    base = at(live_url, "beilin-nanyuanmen")
    page = phone(browser)
    sign_in(page, base, agent)
    assert page.url == base + "/delegation/"
    skip_by_keyboard(page, base + "/delegation/", "Skip to main content")
    page.context.close()
