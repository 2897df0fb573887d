"""The city coordinator opens the supervision dashboard and sees a district's overdue case."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from registry.models import RegistryEntry
from tenants.models import Centre
from tests.browser.conftest import orm, screenshot, sign_in, unique

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def committed_overdue_case(number: str) -> None:
    """A Beilin case (committed) whose promised date passed five days ago."""

    def create() -> None:
        today = timezone.localdate()
        now = timezone.now()
        RegistryEntry.objects.create(
            centre=Centre.objects.get(division_code="610103"), case_id=uuid.uuid4(), number=number,
            item_code="610100BT-XK-9999", item_name_zh="浏览器看板事项", item_name_en="Dashboard browser permit",
            department_code="BT", department_name_zh="浏览器测试局", department_name_en="Browser Test Bureau",
            channel="window", status="under_review", submitted_at=now - dt.timedelta(days=20),
            accepted_on=today - dt.timedelta(days=20), promised_limit_days=10, legal_limit_days=20,
            promised_due=today - dt.timedelta(days=5), legal_due=today + dt.timedelta(days=9),
            last_event_at=now - dt.timedelta(days=19), applicant_hmac="0" * 64)

    orm(create)


def test_the_city_coordinator_sees_a_districts_overdue_case_on_the_dashboard(page, live_url, make_browser_user):
    number = unique("610103-BRDASH").upper()
    committed_overdue_case(number)
    coordinator = make_browser_user(("610100", "supervisor"))
    sign_in(page, live_url, coordinator)

    page.goto(live_url + "/supervision/dashboard/")
    assert page.locator("h1").inner_text() == "Supervision dashboard: all centres"
    row = page.locator(f"#overdue-cases tr[data-number='{number}']")
    assert row.count() == 1
    assert row.locator("td.centre").inner_text() == "Beilin District"
    assert "Dashboard browser permit" in row.inner_text()
    assert int(page.locator("#kpi-overdue").inner_text().replace(",", "")) >= 1
    assert page.locator("#centres tr[data-code='610103'] td.overdue-count").inner_text() != "0"
    # the charts are inline SVG, titled, with no script of their own
    assert page.locator("#chart-overdue svg[role=img] > title").first.text_content() == "Overdue now, by centre"
    assert page.locator("#chart-week svg polyline").count() == 1
    screenshot(page, "supervision-dashboard-city-1280")

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "supervision-dashboard-city-390")
