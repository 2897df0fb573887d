"""What a centre administrator does with the catalogue in a browser: adopt an item with a local limit."""
from __future__ import annotations

import secrets

import pytest

from tests.browser.conftest import at, orm, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def committed_item(name_en: str, *, legal: int = 20, promised: int = 10) -> str:
    """A published master item for districts (committed); returns its code."""

    def create() -> str:
        from django.utils import timezone

        from catalog.models import Department, Item
        from catalog.services import item_create, version_create_draft, version_publish

        department, _ = Department.objects.get_or_create(
            code="BT", defaults={"name_zh": "浏览器测试局", "name_en": "Browser Test Bureau"})
        code = f"610100BT-XK-{secrets.randbelow(9000) + 1000:04d}"
        while Item.objects.filter(code=code).exists():
            code = f"610100BT-XK-{secrets.randbelow(9000) + 1000:04d}"
        item = item_create(code=code, department=department, category="licence", item_type="XK",
                           levels=["city", "district"], acting_user=None)
        version = version_create_draft(
            item=item, acting_user=None, effective_from=timezone.localdate(),
            content={"name_zh": f"浏览器测试事项{code[-4:]}", "name_en": name_en, "legal_limit_days": legal,
                     "promised_limit_days": promised},
            materials=[{"name_zh": "申请表", "name_en": "Application form"}])
        version_publish(version=version, acting_user=None)
        return code

    return orm(create)


def test_a_centre_admin_adopts_an_item_with_a_local_limit_and_sees_it_in_the_catalogue(page, live_url,
                                                                                    make_browser_user):
    code = committed_item("Browser adoption permit")
    admin = make_browser_user(("610103", "centre_admin"))
    base = at(live_url, "beilin")
    sign_in(page, base, admin)
    page.click("header nav a:has-text('Catalogue')")
    page.wait_for_load_state()
    page.click(".subnav a:has-text('Adopt items')")
    page.fill("#q", code)
    page.click("form[role=search] button")
    page.wait_for_load_state()
    row = page.locator(f'tr[data-code="{code}"]')
    row.locator(f'[id="limit-{code}"]').fill("6")
    row.locator(f'[id="window-{code}"]').fill("B7")
    row.locator("button:has-text('Adopt')").click()
    page.wait_for_load_state()
    assert f"Adopted {code} Browser adoption permit." in page.locator(".messages li.success").inner_text()

    page.goto(base + "/catalogue/")
    adopted = page.locator(f'tr[data-code="{code}"]')
    assert "6 working days" in adopted.locator("td.promised").inner_text()
    assert "20 working days" in adopted.locator("td.legal").inner_text()
    assert "B7" in adopted.inner_text()
    screenshot(page, "catalogue-centre-1280")
    adopted.locator("a:has-text('Browser adoption permit')").click()
    page.wait_for_load_state()
    assert "6 working days" in page.locator("dd.promised-limit").inner_text()
    assert "20 working days" in page.locator("dd.legal-limit").inner_text()


def test_a_local_limit_above_the_legal_limit_is_refused_with_the_legal_limit(page, live_url, make_browser_user):
    code = committed_item("Browser refusal permit", legal=15, promised=12)
    admin = make_browser_user(("610103", "centre_admin"))
    base = at(live_url, "beilin")
    sign_in(page, base, admin)
    page.goto(f"{base}/catalogue/adopt/?q={code}")
    row = page.locator(f'tr[data-code="{code}"]')
    row.locator(f'[id="limit-{code}"]').fill("30")
    row.locator("button:has-text('Adopt')").click()
    page.wait_for_load_state()
    alert = page.locator("#adopt-errors[role=alert]")
    assert "legal limit is 15 working days" in alert.inner_text()
    assert "At most 15 working days (the legal limit)." in page.locator(f'tr[data-code="{code}"]').inner_text()
    assert page.locator(f'[id="limit-{code}"]').input_value() == "30"
    screenshot(page, "catalogue-adopt-error-1280")

    page.goto(base + "/catalogue/")
    assert page.locator(f'tr[data-code="{code}"]').count() == 0
