"""A centre administrator adds a window clerk in a browser; the clerk signs in with the temporary password,
is made to choose their own, and lands at work (issue 14, item 1)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import at, orm, screenshot, sign_in, unique

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

NEW_PASSWORD = "Lantern-Quay-4821"


def _department() -> str:
    from catalog.models import Department

    # a code of its own: other tests commit departments with the common codes (SC, SW, ...) and other names
    Department.objects.get_or_create(code="ST", defaults={"name_zh": "人员测试局", "name_en": "Staff Test Bureau"})
    return "ST"


def _clerk_of(username: str) -> tuple[list[tuple[str, str]], bool]:
    from tenants.models import Membership, User

    user = User.objects.get(username=username)
    return (list(Membership.objects.filter(user=user).values_list("role", "department_code")),
            user.must_change_password)


def test_an_admin_adds_a_clerk_who_signs_in_changes_the_password_and_lands_at_work(
        browser, live_url, make_browser_user):
    admin = make_browser_user(("610103", "centre_admin"))
    department = orm(_department)
    beilin = at(live_url, "beilin")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, beilin, admin)
    page.click('nav a:has-text("Staff")')
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Staff"
    username = unique("clerk")
    page.fill("#id_username", username)
    page.fill("#id_full_name", "刘洋")
    page.fill("#id_full_name_en", "Liu Yang")
    page.fill("#id_mobile", "13812345678")
    page.select_option("#id_role", "window_clerk")
    page.select_option("#id_department_code", department)
    page.click("#staff-create button[type=submit]")
    page.wait_for_load_state()
    password = page.locator(f'tr[data-username="{username}"] code.password').inner_text()
    screenshot(page, "staff-temporary-password-1280")
    assert orm(_clerk_of, username) == ([("window_clerk", "ST")], True)
    page.goto(beilin + "/staff/")
    row = page.locator(f'tr[data-username="{username}"]')
    assert "Window clerk" in row.inner_text() and "Staff Test Bureau" in row.inner_text()
    context.close()

    clerk_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    clerk_context.set_default_timeout(15_000)
    clerk = clerk_context.new_page()
    sign_in(clerk, beilin, username, password)
    assert clerk.url.endswith("/accounts/password/")
    assert "temporary password" in clerk.locator("#password-required").inner_text()
    clerk.goto(beilin + "/cases/")  # no work before the own password
    assert clerk.url.endswith("/accounts/password/")
    clerk.fill("#id_old_password", password)
    clerk.fill("#id_new_password1", NEW_PASSWORD)
    clerk.fill("#id_new_password2", NEW_PASSWORD)
    clerk.click("#password-change button[type=submit]")
    clerk.wait_for_load_state()
    assert clerk.url.rstrip("/") == beilin
    assert "Your password is changed." in clerk.locator(".messages").inner_text()
    clerk.click('nav a:has-text("Cases")')
    clerk.wait_for_load_state()
    assert clerk.url.endswith("/cases/")
    assert clerk.locator('nav a:has-text("Staff")').count() == 0
    screenshot(clerk, "staff-clerk-at-work-1280")
    assert orm(_clerk_of, username)[1] is False
    clerk_context.close()
