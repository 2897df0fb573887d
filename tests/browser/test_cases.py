"""A clerk files a case at the window and accepts it; the public progress page then shows it."""
from __future__ import annotations

import pytest

from tests.browser.conftest import at, orm, screenshot, sign_in, unique

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

VALID_ID = "11010519491231002X"


def committed_adopted_item(name_en: str) -> str:
    """A published master item adopted by Beilin from today (committed); returns its code."""

    def create() -> str:
        import secrets

        from django.utils import timezone

        from catalog.models import Department, Item
        from catalog.services import adoption_create, item_create, version_create_draft, version_publish
        from tenants.models import Centre

        department, _ = Department.objects.get_or_create(
            code="BT", defaults={"name_zh": "浏览器测试局", "name_en": "Browser Test Bureau"})
        code = f"610100BT-XK-{secrets.randbelow(9000) + 1000:04d}"
        while Item.objects.filter(code=code).exists():
            code = f"610100BT-XK-{secrets.randbelow(9000) + 1000:04d}"
        item = item_create(code=code, department=department, category="licence", item_type="XK",
                           levels=["city", "district"], acting_user=None)
        version = version_create_draft(
            item=item, acting_user=None, effective_from=timezone.localdate(),
            content={"name_zh": f"浏览器办件事项{code[-4:]}", "name_en": name_en, "legal_limit_days": 20,
                     "promised_limit_days": 10},
            materials=[{"name_zh": "申请表", "name_en": "Application form"},
                       {"name_zh": "身份证复印件", "name_en": "Copy of the ID card"}])
        version_publish(version=version, acting_user=None)
        item.refresh_from_db()
        adoption_create(centre=Centre.objects.get(division_code="610103"), item=item, promised_limit_days=5,
                        window="3", acting_user=None, today=timezone.localdate())
        return code

    return orm(create)


def test_a_clerk_files_and_accepts_a_case_and_the_public_sees_it_accepted(page, live_url, make_browser_user):
    code = committed_adopted_item("Browser case permit")
    clerk = make_browser_user(("610103", "window_clerk"))
    base = at(live_url, "beilin")
    sign_in(page, base, clerk)

    page.goto(base + "/cases/new/")
    page.select_option("#id_item_code", code)
    page.click("#pick-item button[type=submit]")
    page.wait_for_load_state()
    page.fill("#id_applicant_name", unique("浏览器申请人"))
    page.fill("#id_applicant_id_number", VALID_ID)
    page.fill("#id_phone", "13912345678")
    page.check("#new-case label:has-text('Application form') input")
    page.click("#new-case button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#case-status").inner_text() == "Submitted"
    number = page.locator("h1 .case-number").inner_text()
    assert number.startswith("610103-")

    page.click("form.case-action[data-action=accept] button")
    page.wait_for_load_state()
    assert page.locator("#case-status").inner_text() == "Accepted"
    due = page.locator("dd.promised-due time").get_attribute("datetime")
    assert due
    screenshot(page, "case-accepted-1280")

    page.click("a:has-text('Acceptance receipt')")
    page.wait_for_load_state()
    assert "Application form" in page.locator("ol.accepted-materials").inner_text()
    assert "Copy of the ID card" not in page.locator("ol.accepted-materials").inner_text()
    page.evaluate("window.__printed = 0; window.print = () => { window.__printed += 1; }")
    page.click("button:has-text('Print')")
    # the print dialog opens (a static script: no inline onclick); Playwright's click reaches window.print twice
    assert page.evaluate("window.__printed") >= 1

    public = page.context.browser.new_context(locale="en-US").new_page()
    public.goto(live_url + "/progress/")
    public.fill("#id_number", number)
    public.fill("#id_factor", "002X")
    public.click("form.progress-form button[type=submit]")
    public.wait_for_load_state()
    result = public.locator("section.progress-result")
    assert "Accepted" in result.locator(".progress-status").inner_text()
    assert due in result.locator(".progress-due").inner_text()
    assert "Browser Test Bureau" in result.inner_text()
    assert VALID_ID not in public.content() and "13912345678" not in public.content()
    screenshot(public, "progress-accepted-1280")
    public.context.close()
