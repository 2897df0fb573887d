"""The city coordinator opens the supervision dashboard and sees a district's overdue case."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from registry.models import HallVisit, RegistryEntry
from tenants.models import Centre
from tests.browser.conftest import at, orm, screenshot, sign_in, unique

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


def test_a_centres_chief_sees_the_halls_long_wait_on_a_phone(page, live_url, make_browser_user):
    """Beilin's hall: one ticket served after a 12-minute wait, one waiting 45 minutes (committed, removed
    after); the centre's dashboard shows the figures and the long waiter, and fits a phone's width."""
    code = unique("Z").upper()[:8]

    def create() -> list[int]:
        beilin = Centre.objects.get(division_code="610103")
        now = timezone.now()
        minute = dt.timedelta(minutes=1)
        served = HallVisit.objects.create(
            centre=beilin, ticket_id=uuid.uuid4(), day=timezone.localdate(), queue_letter="Z", code="Z001",
            source="kiosk", status="done", taken_at=now - 60 * minute, called_at=now - 48 * minute,
            started_at=now - 47 * minute, finished_at=now - 40 * minute, window_number="B9")
        waiting = HallVisit.objects.create(
            centre=beilin, ticket_id=uuid.uuid4(), day=timezone.localdate(), queue_letter="Z", code=code,
            source="kiosk", status="waiting", taken_at=now - 45 * minute)
        return [served.pk, waiting.pk]

    ids = orm(create)
    try:
        chief = make_browser_user(("610103", "chief_representative"))
        base = at(live_url, "beilin")
        sign_in(page, base, chief)
        page.goto(base + "/supervision/dashboard/")
        hall = page.locator("#hall")
        assert hall.locator("h2").first.inner_text() == "The hall: waiting and service"
        assert hall.locator(f"tr[data-ticket='{code}']").count() == 1
        assert int(page.locator("#kpi-hall-waiting-long").inner_text()) >= 1
        assert hall.locator("#hall_window tr[data-key='B9']").count() == 1
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        # on a phone each table row is a card whose cells carry their column's name
        assert hall.locator("#hall_window tr[data-key='B9'] td").nth(1).evaluate(
            "td => getComputedStyle(td, '::before').content").strip('"') == "Tickets"
        screenshot(page, "supervision-dashboard-hall-390")
    finally:
        orm(lambda: HallVisit.objects.filter(pk__in=ids).delete())
