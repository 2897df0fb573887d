"""A village agent on a 360 px phone signs in, lands on the workbench (not the desktop home) and, on
"New filing", sees every item they may file for grouped by level: the township's own, the district's,
the city's; the search still narrows them (issue 14, item 3)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import orm, screenshot, sign_in, unique
from tests.browser.test_delegation import TOWNSHIP, at, committed_agent

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

#: Who adopts an item handled at each level (the levels above adopt it too).
ADOPTERS = {"township": ["610100", "610103", TOWNSHIP], "district": ["610100", "610103"], "city": ["610100"]}
LEVELS = {"township": ["city", "district", "township"], "district": ["city", "district"], "city": ["city"]}


def committed_item(level: str, name_zh: str) -> str:
    """A published item handled at `level` for Nanyuanmen (adopted there and above): its code."""

    def create() -> str:
        import secrets

        from django.utils import timezone

        from catalog.models import Adoption, Department, Item
        from catalog.services import item_create, version_create_draft, version_publish
        from tenants.models import Centre

        department, _ = Department.objects.get_or_create(
            code="DB", defaults={"name_zh": "代办测试局", "name_en": "Delegation Test Bureau"})
        code = f"610100DB-GG-{secrets.randbelow(9000) + 1000:04d}"
        while Item.objects.filter(code=code).exists():
            code = f"610100DB-GG-{secrets.randbelow(9000) + 1000:04d}"
        item = item_create(code=code, department=department, category="public_service", item_type="GG",
                           levels=LEVELS[level], acting_user=None)
        version = version_create_draft(
            item=item, acting_user=None, effective_from=timezone.localdate(),
            content={"name_zh": name_zh, "name_en": f"{level} item {code[-4:]}", "legal_limit_days": 10,
                     "promised_limit_days": 5},
            materials=[{"name_zh": "申请表", "name_en": "Application form"}])
        version_publish(version=version, acting_user=None)
        item.refresh_from_db()
        for centre in Centre.objects.filter(division_code__in=ADOPTERS[level]):
            Adoption.objects.create(centre=centre, item=item, starts_on=timezone.localdate())
        return code

    return orm(create)


def test_an_agent_signs_in_on_a_phone_lands_on_the_workbench_and_sees_items_grouped_by_level(
        browser, live_url, make_browser_user):
    codes = {level: committed_item(level, unique(f"代办分级{level}")) for level in LEVELS}
    agent = make_browser_user()
    committed_agent(agent)
    base = at(live_url, "beilin-nanyuanmen")

    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-US", is_mobile=True,
                                has_touch=True)
    phone.set_default_timeout(15_000)
    page = phone.new_page()
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
    phone.close()
