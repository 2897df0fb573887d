"""Taking a ticket at Beilin's kiosk in a real browser, at the real time: a queue open all day (00:00–23:59)
and, when today is not a working day, today made one for the test (put back afterwards). The visitor taps a
queue and sees the ticket with its number and QR code; the ticket's live page reads well on a 360 px phone
and the ticket can be given up there."""
from __future__ import annotations

import datetime as dt
import re
import secrets

import pytest

from tests.browser.conftest import at, orm, phone, screenshot
from tests.hall.committed import free_letter, today_a_working_day, undo_working_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def _set_up() -> dict:
    """Beilin: a window, a queue open all day with a letter of its own, a kiosk; today a working day."""
    from django_tenants.utils import tenant_context

    from hall.choices import DeviceKind
    from hall.services import device_register, queue_save
    from tenants.models import Centre
    from windows.models import Window

    centre = Centre.objects.get(slug="beilin")
    with tenant_context(centre):
        letter = free_letter()
        window = Window.objects.create(number=f"K{secrets.token_hex(3)}", name_zh="取号测试窗口",
                                       name_en="Kiosk test window")
        queue = queue_save(letter=letter, name_zh="不动产登记", name_en="Real estate registration",
                           window_ids=[window.pk], opens_at=dt.time(0, 0), closes_at=dt.time(23, 59))
        device, key = device_register(kind=DeviceKind.KIOSK, name=f"取号机 {letter}", acting_user=None)
        undo = today_a_working_day(centre)
    return {"letter": letter, "queue": queue.pk, "window": window.pk, "device": device.pk, "key": key,
            "undo": undo}


def _clean_up(made: dict) -> None:
    from django_tenants.utils import tenant_context

    from hall.models import HallDevice, Queue, Ticket
    from registry.models import HallVisit
    from tenants.models import Centre
    from windows.models import Window

    with tenant_context(Centre.objects.get(slug="beilin")):
        ids = list(Ticket.objects.filter(queue_id=made["queue"]).values_list("pk", flat=True))
        HallVisit.objects.filter(ticket_id__in=ids).delete()
        Ticket.objects.filter(pk__in=ids).delete()
        Queue.objects.filter(pk=made["queue"]).delete()
        Window.objects.filter(pk=made["window"]).delete()
        HallDevice.objects.filter(pk=made["device"]).delete()
    undo_working_day(made["undo"])


def test_a_visitor_taps_a_queue_and_follows_the_ticket_on_a_phone(browser, live_url):
    made = orm(_set_up)
    base = at(live_url, "beilin")
    letter = made["letter"]
    try:
        context = browser.new_context(viewport={"width": 1080, "height": 1400}, locale="zh-CN", has_touch=True)
        context.set_default_timeout(15_000)
        kiosk = context.new_page()
        kiosk.goto(f"{base}/hall/kiosk/{made['key']}/")
        assert "老年人/残疾人优先" in kiosk.inner_text("#kiosk-priority")
        button = kiosk.locator(f"button.queue-button[data-queue='{letter}']")
        assert "不动产登记" in button.inner_text() and "Real estate registration" in button.inner_text()
        name_size = kiosk.eval_on_selector(f"button.queue-button[data-queue='{letter}'] .queue-name-zh",
                                           "e => parseFloat(getComputedStyle(e).fontSize)")
        assert name_size >= 30, "the Chinese name is large on the touch screen"
        screenshot(kiosk, "hall-kiosk-start")
        button.tap()
        kiosk.wait_for_selector("#ticket-code")
        assert kiosk.inner_text("#ticket-code") == f"{letter}001"
        assert kiosk.inner_text("#ticket-ahead").strip() == "0"
        assert kiosk.locator("#ticket-qr svg").is_visible(), "a QR code to the ticket's live page"
        kiosk.wait_for_function("() => Number(document.querySelector('[data-countdown]').textContent) < 20")
        screenshot(kiosk, "hall-kiosk-ticket")
        token = re.findall(r"/hall/t/([^/]+)/print/", kiosk.get_attribute("#ticket-print", "href") or "")[0]
        kiosk.goto(f"{base}/hall/t/{token}/print/")
        kiosk.emulate_media(media="print")
        assert kiosk.inner_text("#receipt-code") == f"{letter}001"
        assert kiosk.locator(".receipt-qr svg").is_visible() and not kiosk.locator("header.top").is_visible()
        width = kiosk.eval_on_selector(".receipt", "e => e.getBoundingClientRect().width")
        assert width <= 58 / 25.4 * 96 + 1, "the receipt fits 58 mm paper"
        screenshot(kiosk, "hall-ticket-receipt")
        context.close()

        mobile = phone(browser)
        mobile.goto(f"{base}/hall/t/{token}/")
        assert mobile.inner_text("#ticket-code") == f"{letter}001"
        code_size = mobile.eval_on_selector("#ticket-code", "e => parseFloat(getComputedStyle(e).fontSize)")
        state_size = mobile.eval_on_selector("#ticket-state", "e => parseFloat(getComputedStyle(e).fontSize)")
        assert code_size >= 48 and state_size >= 22, "large text for an elderly reader"
        assert mobile.evaluate("document.documentElement.scrollWidth") <= 360, "no sideways scrolling"
        screenshot(mobile, "hall-ticket-live-phone")
        mobile.click("#give-up")
        mobile.click("#give-up-confirm")
        mobile.wait_for_selector(".status-cancelled")
        assert "gave up" in mobile.inner_text("#ticket-state")
        mobile.context.close()
    finally:
        orm(_clean_up, made)
