"""A village agent on a 360 px phone signs in, lands on the workbench (not the desktop home) and, on
"New filing", sees every item they may file for grouped by level: the township's own, the district's,
the city's; the search still narrows them (issue 14, item 3)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import phone, screenshot, sign_in, unique
from tests.browser.test_delegation import LEVELS, at, committed_agent, committed_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_an_agent_signs_in_on_a_phone_lands_on_the_workbench_and_sees_items_grouped_by_level(
        browser, live_url, make_browser_user):
    codes = {level: committed_item(level, unique(f"代办分级{level}")) for level in LEVELS}
    agent = make_browser_user()
    committed_agent(agent)
    base = at(live_url, "beilin-nanyuanmen")

    page = phone(browser)
    sign_in(page, base, agent)
    assert page.url == base + "/delegation/"  # the workbench, not the centre's desktop home
    assert page.locator("nav.tabs a.on").inner_text().startswith("My filings")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "agent-landing-360")

    page.click("header a:has-text('New filing')")
    page.wait_for_load_state()
    levels = page.locator("section.level").evaluate_all("els => els.map(e => e.dataset.level)")
    assert levels == ["township", "district", "city"]
    for level, code in codes.items():
        section = page.locator(f"section.level[data-level={level}]")
        assert section.locator(f"a[href='?item_code={code}']").count() == 1, level
        others = [c for lv, c in codes.items() if lv != level]
        assert all(section.locator(f"a[href='?item_code={c}']").count() == 0 for c in others)
    assert "Township/street convenience centre" in page.locator("section.level[data-level=township] h2").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "agent-items-by-level-360")

    # the search still narrows, within the groups
    page.fill("#q", codes["city"])
    page.click("form[role=search] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("section.level").evaluate_all("els => els.map(e => e.dataset.level)") == ["city"]
    page.click(f"a[href='?item_code={codes['city']}']")
    page.wait_for_load_state()
    assert page.locator("#id_resident_name").count() == 1  # on to the resident and the consent
    page.context.close()
