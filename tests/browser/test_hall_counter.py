"""A clerk at the window's caller (叫号) calls a ticket with the N key, starts serving it, opens a case from
it and finishes; the window's rating pad (评价器) then asks the applicant for a rating and records it.

Real time on the live server: the queue is open 00:00–23:59, and a day that is not a working day (a
weekend, a holiday) is taken as one for this test (the hall's working-day check is replaced in this
process, which the live server shares), so the test runs on any day. Its hall rows are removed after."""
from __future__ import annotations

import pytest

from tests.browser.conftest import PASSWORD, at, orm, screenshot, sign_in, unique
from tests.browser.test_cases import VALID_ID, committed_adopted_item
from tests.hall.committed import free_letter

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture
def counter_hall(make_browser_user, monkeypatch):
    """At Beilin (committed): a window, a queue it calls from open all day, an item, a clerk who may
    operate the window, a rating pad for it; removed after."""
    monkeypatch.setattr("hall.services.is_working_day", lambda **_kwargs: True)
    code = committed_adopted_item("Hall counter permit")
    clerk = make_browser_user(("610103", "window_clerk"))

    def create():
        import datetime as dt

        from django_tenants.utils import tenant_context

        from hall.choices import DeviceKind
        from hall.services import device_register, queue_save
        from tenants.models import Centre, User
        from windows.models import Window
        from windows.services import window_grant_operator

        beilin = Centre.objects.get(division_code="610103")
        with tenant_context(beilin):
            number = unique("H")[-6:].upper()
            window = Window.objects.create(number=number, name_zh=f"{number}号窗口", name_en=f"Window {number}")
            queue = queue_save(letter=free_letter(), name_zh="浏览器测试队列", name_en="Browser queue",
                               window_ids=[window.pk], opens_at=dt.time(0, 0), closes_at=dt.time(23, 59))
            window_grant_operator(centre=beilin, window=window, user=User.objects.get(username=clerk),
                                  acting_user=None)
            _pad, key = device_register(kind=DeviceKind.PAD, name=f"{number} pad", window=window, acting_user=None)
        return beilin, window, queue, key

    beilin, window, queue, key = orm(create)
    yield {"centre": beilin, "window": window, "queue": queue, "key": key, "item": code, "clerk": clerk}

    def remove():
        from django_tenants.utils import tenant_context

        from hall.models import HallDevice, HallEvent, Queue, Ticket, TicketDay
        from registry.models import HallVisit
        from supervision.reviews.models import Review
        from windows.models import Window

        with tenant_context(beilin):
            tickets = list(Ticket.objects.filter(queue=queue).values_list("pk", flat=True))
            HallEvent.objects.filter(ticket_id__in=tickets).delete()
            Ticket.objects.filter(pk__in=tickets).delete()
            TicketDay.objects.filter(queue=queue).delete()
            HallDevice.objects.filter(window=window).delete()
            Queue.objects.filter(pk=queue.pk).delete()
            Window.objects.filter(pk=window.pk).delete()
        Review.objects.filter(ticket_id__in=tickets).delete()
        HallVisit.objects.filter(ticket_id__in=tickets).delete()

    orm(remove)


def test_a_clerk_calls_serves_opens_a_case_and_the_pad_records_the_rating(browser, live_url, counter_hall):
    from django.utils import timezone

    hall = counter_hall
    centre, queue, window = hall["centre"], hall["queue"], hall["window"]

    def take():
        from django_tenants.utils import tenant_context

        from hall.services import ticket_take

        with tenant_context(centre):
            return ticket_take(centre=centre, queue=queue, source="kiosk", now=timezone.now(), item_code=hall["item"])

    ticket = orm(take)
    base = at(live_url, "beilin")

    # the pad, on a tablet, idle
    tablet = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN", has_touch=True)
    tablet.set_default_timeout(15_000)
    pad = tablet.new_page()
    pad.goto(f"{base}/hall/pad/{hall['key']}/")
    assert pad.locator("#pad-idle").is_visible() and "欢迎光临" in pad.locator("#pad-idle").inner_text()

    # the clerk
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(15_000)
    desk = context.new_page()
    sign_in(desk, base, hall["clerk"], PASSWORD)
    desk.goto(f"{base}/hall/counter/")  # a clerk of one window goes straight to its caller page
    assert desk.url.endswith(f"/hall/counter/{window.number}/")
    desk.wait_for_load_state()
    assert "No ticket at this window" in desk.locator("#counter-now").inner_text()
    desk.keyboard.press("n")  # call next
    desk.wait_for_selector("#current-ticket")
    assert desk.locator("#current-ticket").inner_text() == ticket.code
    assert f"Called {ticket.code}." in desk.locator("ul.messages").inner_text()
    desk.keyboard.press("s")  # start serving
    desk.wait_for_selector("#step-finish")
    assert "Being served" in desk.locator("#counter-now").inner_text()
    screenshot(desk, "hall-counter-serving-1280")

    desk.keyboard.press("c")  # open a case from the ticket: the item is the ticket's
    desk.wait_for_selector("#case-from-ticket")
    assert desk.locator("#id_item_code").input_value() == hall["item"]
    desk.fill("#id_applicant_name", unique("叫号申请人"))
    desk.fill("#id_applicant_id_number", VALID_ID)
    desk.fill("#id_phone", "13912345678")
    desk.check("#case-from-ticket label:has-text('Application form') input")
    desk.click("#case-from-ticket button[type=submit]")
    desk.wait_for_selector("#case-status")
    assert desk.locator("#case-status").inner_text() == "Submitted"
    number = desk.locator("h1 .case-number").inner_text()

    desk.goto(f"{base}/hall/counter/{window.number}/")
    assert desk.locator("#ticket-case").inner_text() == number
    assert desk.locator("#step-case").count() == 0  # one case per ticket
    desk.keyboard.press("f")  # finish
    desk.wait_for_selector("#current-ticket-none")
    assert "1 served" in desk.locator("#day-counts").inner_text()

    # the pad notices (polling every 2 s) and asks; the applicant rates
    pad.wait_for_selector("#pad-form", timeout=10_000)
    assert "请对本次服务进行评价" in pad.locator("h1.pad-ask").inner_text()
    screenshot(pad, "hall-pad-asks-1024")
    pad.click("fieldset[data-dimension=overall] label.level-very_satisfied")
    pad.click("fieldset[data-dimension=efficiency] label.level-satisfied")
    pad.fill("#pad-comment", "办事很快")
    pad.click("#pad-submit")
    pad.wait_for_selector("#pad-thanks")
    assert "谢谢" in pad.locator("#pad-thanks").inner_text()
    pad.wait_for_selector("#pad-idle", timeout=10_000)  # back to idle by itself

    def recorded():
        from registry.models import RegistryEntry
        from supervision.reviews.models import Review

        review = Review.objects.select_related("clerk").get(ticket_id=ticket.pk)
        entry = RegistryEntry.objects.get(number=number)
        return (review.overall, review.efficiency, review.comment, review.window_number, review.clerk.username,
                review.entry_id == entry.pk)

    assert orm(recorded) == ("very_satisfied", "satisfied", "办事很快", window.number, hall["clerk"], True)
    tablet.close()
    context.close()
