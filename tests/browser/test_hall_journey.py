"""The hall's whole journey in real browsers at the real time (issue 15, "Done means"): an applicant books a
slot of today on a phone with the SMS code, checks in at the kiosk with the appointment code, is called
first (before a walk-in who came earlier) on the hall's screen, served at the window where the clerk opens
a case pre-filled with the applicant, and rates the visit on the window's pad; and a kiosk whose queue has
run out of the day's tickets offers appointment slots that open the booking page with the slot chosen.

The queues are open 00:00–23:59 (5-minute slots) and today is made a working day when it is not (put back
afterwards); every committed row is removed after each test."""
from __future__ import annotations

import datetime as dt
import re
import secrets
import time

import pytest

from tests.browser.conftest import PASSWORD, at, orm, phone, screenshot, sign_in, unique
from tests.browser.test_cases import VALID_ID, committed_adopted_item
from tests.browser.test_hall_booking import sms_code
from tests.hall.committed import free_letter, today_a_working_day, undo_working_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

BEILIN = "610103"
#: An appointment is picked whose slot is due now (starts within 10 minutes) and ends this far ahead at
#: least, so that checking in works while the test runs.
MARGIN = dt.timedelta(minutes=3)


def _remove(made: dict) -> None:
    """Remove what `_set_up` and the journey committed (tickets, visits, reviews, the appointment, the SMS,
    the case, the queue, windows, devices, the adoption) and put the calendar back."""
    from django_tenants.utils import tenant_context

    from cases.models import Case
    from catalog.models import Adoption
    from common.identity import recipient_hmac
    from hall.models import (
        Appointment,
        AppointmentSlot,
        HallDevice,
        HallEvent,
        PhoneCode,
        Queue,
        Ticket,
        TicketDay,
    )
    from notifications.models import OutboxMessage
    from registry.models import HallVisit, RegistryEntry
    from supervision.reviews.models import Review
    from tenants.models import Centre
    from windows.models import Window

    centre = Centre.objects.get(division_code=BEILIN)
    case_ids = list(RegistryEntry.objects.filter(number__in=made.get("cases", [])).values_list("case_id", flat=True))
    with tenant_context(centre):
        tickets = list(Ticket.objects.filter(queue_id=made["queue"]).values_list("pk", flat=True))
        HallEvent.objects.filter(ticket_id__in=tickets).delete()
        Ticket.objects.filter(pk__in=tickets).delete()
        TicketDay.objects.filter(queue_id=made["queue"]).delete()
        Appointment.objects.filter(queue_id=made["queue"]).delete()
        AppointmentSlot.objects.filter(queue_id=made["queue"]).delete()
        if made.get("mobile"):
            PhoneCode.objects.filter(mobile_hmac=recipient_hmac(made["mobile"])).delete()
        HallDevice.objects.filter(pk__in=made["devices"]).delete()
        Queue.objects.filter(pk=made["queue"]).delete()
        Window.objects.filter(pk=made["window"]).delete()
    Review.objects.filter(ticket_id__in=tickets).delete()
    HallVisit.objects.filter(ticket_id__in=tickets).delete()
    for case_id in case_ids:
        OutboxMessage.objects.filter(dedupe_key__contains=str(case_id)).delete()
    RegistryEntry.objects.filter(case_id__in=case_ids).delete()
    with tenant_context(centre):
        Case.objects.filter(pk__in=case_ids).delete()
    if made.get("mobile"):
        OutboxMessage.objects.filter(to_hmac=recipient_hmac(made["mobile"])).delete()
    if made.get("adoption"):
        Adoption.objects.filter(pk=made["adoption"]).delete()
    undo_working_day(made["undo"])


def _set_up(*, item: str = "", clerk: str = "", daily_tickets: int = 200) -> dict:
    """At Beilin: a window, a queue of it open all day with 5-minute slots (serving `item`), a kiosk, the
    window's rating pad, `clerk` allowed to operate the window; today a working day."""
    from django_tenants.utils import tenant_context

    from catalog.models import Adoption
    from hall.choices import DeviceKind
    from hall.services import device_register, queue_save
    from tenants.models import Centre, User
    from windows.models import Window
    from windows.services import window_grant_operator

    centre = Centre.objects.get(division_code=BEILIN)
    with tenant_context(centre):
        number = f"J{secrets.token_hex(2).upper()}"
        window = Window.objects.create(number=number, name_zh=f"{number}号窗口", name_en=f"Window {number}")
        letter = free_letter()
        queue = queue_save(letter=letter, name_zh="预约办事", name_en="Appointments", window_ids=[window.pk],
                           item_codes=[item] if item else [], opens_at=dt.time(0, 0), closes_at=dt.time(23, 59),
                           slot_minutes=5, slot_capacity=2, daily_tickets=daily_tickets)
        kiosk, kiosk_key = device_register(kind=DeviceKind.KIOSK, name=f"取号机 {letter}", acting_user=None)
        pad, pad_key = device_register(kind=DeviceKind.PAD, name=f"{number} 评价器", window=window, acting_user=None)
        if clerk:
            window_grant_operator(centre=centre, window=window, user=User.objects.get(username=clerk),
                                  acting_user=None)
    adoption = Adoption.objects.filter(centre=centre, item__code=item).values_list("pk", flat=True).first()
    return {"letter": letter, "queue": queue.pk, "window": window.pk, "number": number, "kiosk": kiosk_key,
            "pad": pad_key, "devices": [kiosk.pk, pad.pk], "adoption": adoption, "mobile": "",
            "undo": today_a_working_day(centre)}


def _slot_due_now(queue_id: int) -> tuple[str, str] | None:
    """The first free slot of today that is due now (starts within 10 minutes) and ends `MARGIN` ahead at
    least, as ("YYYY-MM-DD", "HH:MM"); None near midnight, when no slot of today is left."""
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from hall.choices import APPOINTMENT_DUE_AHEAD
    from hall.models import Queue
    from hall.selectors import slots_free
    from tenants.models import Centre

    centre = Centre.objects.get(division_code=BEILIN)
    now = timezone.localtime()
    with tenant_context(centre):
        for slot in slots_free(centre=centre, queue=Queue.objects.get(pk=queue_id), now=now, limit=10):
            starts = timezone.make_aware(dt.datetime.combine(slot.day, slot.starts_at))
            ends = timezone.make_aware(dt.datetime.combine(slot.day, slot.ends_at))
            if slot.day == now.date() and starts <= now + APPOINTMENT_DUE_AHEAD and ends >= now + MARGIN:
                return slot.day.isoformat(), f"{slot.starts_at:%H:%M}"
    return None


def _confirmation_sms(mobile: str) -> str:
    from common.identity import recipient_hmac
    from notifications.models import OutboxMessage

    message = (OutboxMessage.objects.filter(template_key="hall_appointment_booked", to_hmac=recipient_hmac(mobile))
               .order_by("-id").first())
    assert message is not None, "no confirmation SMS in the outbox"
    return message.body


def _what_was_recorded(made: dict, ticket_code: str, case_number: str) -> dict:
    """The ticket, its hall visit, the case's registry entry and the counter review, as plain values."""
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from hall.models import Ticket
    from registry.models import HallVisit, RegistryEntry
    from supervision.reviews.models import Review
    from tenants.models import Centre

    with tenant_context(Centre.objects.get(division_code=BEILIN)):
        ticket = Ticket.objects.select_related("appointment").get(queue_id=made["queue"], code=ticket_code,
                                                                  day=timezone.localdate())
        status, appointment_status = ticket.status, ticket.appointment.status if ticket.appointment else None
    entry = RegistryEntry.objects.filter(number=case_number).first()
    visit = HallVisit.objects.get(ticket_id=ticket.pk)
    review = Review.objects.select_related("clerk").filter(ticket_id=ticket.pk).first()
    return {
        "ticket": (status, appointment_status, ticket.case_number, ticket.case_id == (entry.case_id if entry else 0)),
        "entry": entry is not None,
        "visit": (visit.by_appointment, visit.window_number, str(visit.case_id) == str(ticket.case_id)),
        "review": (review.overall, review.window_number, review.clerk.username,
                   review.entry_id == (entry.pk if entry else None)) if review else None,
    }


def _watch(page, faults: list[str]) -> None:
    """Record what a user would not see but must not happen: a script error, a console error (other than a
    refused request's status, which a kiosk's refusal answers with), an answer of 500 or more."""
    page.on("pageerror", lambda error: faults.append(f"{page.url}: script error {error}"))
    page.on("console", lambda message: faults.append(f"{page.url}: console {message.text}")
            if message.type == "error" and "Failed to load resource" not in message.text else None)
    page.on("response", lambda response: faults.append(f"{response.url}: HTTP {response.status}")
            if response.status >= 500 else None)


def _tap_digits(page, digits: str) -> None:
    for digit in digits:
        page.locator(f".keypad button[data-key='{digit}']").tap()


def test_book_today_check_in_be_called_first_served_with_a_case_and_rate(browser, live_url, make_browser_user):
    item = committed_adopted_item("Hall journey permit")
    clerk = make_browser_user((BEILIN, "window_clerk"))
    made = orm(_set_up, item=item, clerk=clerk)
    made["mobile"] = mobile = f"139{secrets.randbelow(10 ** 8):08d}"
    base = at(live_url, "beilin")
    letter, number = made["letter"], made["number"]
    contexts: list = []
    faults: list[str] = []
    try:
        slot = orm(_slot_due_now, made["queue"])
        if slot is None:
            pytest.skip("no slot of today is left before midnight (Asia/Shanghai); run again after 00:00")
        day, start = slot

        # the hall's screen, open all the time
        screen_context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        contexts.append(screen_context)
        screen = screen_context.new_page()
        _watch(screen, faults)
        screen.goto(f"{base}/hall/screen/")
        screen.wait_for_selector("#hall-screen[data-state=live]")

        # the window's rating pad, idle
        tablet = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN", has_touch=True)
        contexts.append(tablet)
        pad = tablet.new_page()
        _watch(pad, faults)
        pad.goto(f"{base}/hall/pad/{made['pad']}/")
        assert pad.locator("#pad-idle").is_visible()

        # 1. the applicant books a slot of today on a phone, in Chinese
        applicant = phone(browser, locale="zh-CN")
        contexts.append(applicant.context)
        _watch(applicant, faults)
        applicant.goto(f"{base}/hall/appointments/")
        applicant.click(f"#queue-{letter} a.button")
        applicant.wait_for_selector("#booking")
        name = unique("预约申请人")[:20]
        applicant.select_option("#id_slot", f"{day} {start}")
        applicant.fill("#id_name", name)
        applicant.fill("#id_id_number", VALID_ID)
        applicant.fill("#id_mobile", mobile)
        applicant.click("#send-code")
        applicant.wait_for_selector(".sms-code .sent")
        assert applicant.input_value("#id_slot") == f"{day} {start}", "the chosen slot is kept"
        assert applicant.evaluate("document.documentElement.scrollWidth") <= 360, "the form fits a 360 px phone"
        screenshot(applicant, "hall-journey-1-booking-phone")
        applicant.fill("#id_code", orm(sms_code, mobile))
        applicant.click("#book")
        applicant.wait_for_selector("#appointment-code")
        code = applicant.inner_text("#appointment-code").strip()
        assert re.fullmatch(r"\d{8}", code)
        assert day in applicant.inner_text("#slot") and start in applicant.inner_text("#slot")
        assert applicant.evaluate("document.documentElement.scrollWidth") <= 360, "fits a 360 px phone"
        screenshot(applicant, "hall-journey-2-booked-phone")
        sms = orm(_confirmation_sms, mobile)
        assert code in sms and "预约码" in sms and start in sms, sms

        # 2. a walk-in takes a ticket first, then the applicant checks in with the code at the kiosk
        kiosk_context = browser.new_context(viewport={"width": 1080, "height": 1400}, locale="zh-CN",
                                            has_touch=True)
        contexts.append(kiosk_context)
        kiosk = kiosk_context.new_page()
        _watch(kiosk, faults)
        kiosk.goto(f"{base}/hall/kiosk/{made['kiosk']}/")
        kiosk.locator(f"button.queue-button[data-queue='{letter}']").tap()
        kiosk.wait_for_selector("#ticket-code")
        walk_in = kiosk.inner_text("#ticket-code")
        assert walk_in == f"{letter}001"
        kiosk.locator("#ticket-done").tap()
        kiosk.locator("#kiosk-appointment").tap()
        kiosk.wait_for_selector(".kiosk-check-in")
        _tap_digits(kiosk, code)
        screenshot(kiosk, "hall-journey-3-kiosk-check-in")
        kiosk.locator("#check-in").tap()
        kiosk.wait_for_selector("#ticket-code")
        ticket = kiosk.inner_text("#ticket-code")
        assert ticket == f"{letter}002"
        assert kiosk.inner_text("#ticket-ahead").strip() == "0", "due now: called before the walk-in"
        screenshot(kiosk, "hall-journey-4-kiosk-ticket")
        token = re.findall(r"/hall/t/([^/]+)/print/", kiosk.get_attribute("#ticket-print", "href") or "")[0]

        # 3. the clerk calls next at the window: the appointment's ticket, on the screen within ~2 s
        desk_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        contexts.append(desk_context)
        desk_context.set_default_timeout(15_000)
        desk = desk_context.new_page()
        _watch(desk, faults)
        sign_in(desk, base, clerk, PASSWORD)
        desk.goto(f"{base}/hall/counter/{number}/")
        desk.click("#step-next")
        started = time.monotonic()
        desk.wait_for_selector("#current-ticket")
        assert desk.inner_text("#current-ticket") == ticket, "the appointment is called before the walk-in"
        assert "By appointment" in desk.inner_text("#counter-now")
        screen.wait_for_function("code => document.getElementById('hs-newest-ticket').textContent === code",
                                 arg=ticket, timeout=2_500)
        assert time.monotonic() - started < 2.5
        assert screen.inner_text("#hs-newest-window") == f"{number}号窗口"
        screenshot(screen, "hall-journey-5-screen-calls")
        applicant.goto(f"{base}/hall/t/{token}/")  # the kiosk's QR code, scanned with the phone
        assert number in applicant.inner_text("#ticket-state") and "窗口" in applicant.inner_text("#ticket-state")
        assert applicant.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(applicant, "hall-journey-5b-ticket-called-phone")

        # 4. the clerk starts serving and opens a case pre-filled with the appointment's applicant
        desk.click("#step-start")
        desk.wait_for_selector("#step-finish")
        desk.click("#step-case")
        desk.wait_for_selector("#case-from-ticket")
        assert desk.input_value("#id_item_code") == item
        assert desk.input_value("#id_applicant_name") == name
        assert desk.input_value("#id_applicant_id_number") == VALID_ID
        screenshot(desk, "hall-journey-6-case-prefilled")
        desk.check("#case-from-ticket label:has-text('Application form') input")
        desk.click("#case-from-ticket button[type=submit]")
        desk.wait_for_selector("#case-status")
        case_number = desk.inner_text("h1 .case-number")
        made["cases"] = [case_number]
        desk.goto(f"{base}/hall/counter/{number}/")
        assert desk.inner_text("#ticket-case") == case_number
        desk.click("#step-finish")
        desk.wait_for_selector("#current-ticket-none")
        screenshot(desk, "hall-journey-7-finished")

        # 5. the pad asks; the applicant taps 非常满意
        pad.wait_for_selector("#pad-form", timeout=10_000)
        assert pad.inner_text(".pad-ticket") == ticket
        screenshot(pad, "hall-journey-8-pad-asks")
        pad.locator("fieldset[data-dimension=overall] label", has_text="非常满意").tap()
        pad.locator("#pad-submit").tap()
        pad.wait_for_selector("#pad-thanks")
        screenshot(pad, "hall-journey-9-pad-thanks")

        recorded = orm(_what_was_recorded, made, ticket, case_number)
        assert recorded["entry"], "the case is in the registry"
        assert recorded["ticket"] == ("done", "checked_in", case_number, True)
        assert recorded["visit"] == (True, number, True)
        assert recorded["review"] == ("very_satisfied", number, clerk, True)
        assert faults == [], "\n".join(faults)
    finally:
        for context in contexts:
            context.close()
        orm(_remove, made)


def test_when_the_days_tickets_have_run_out_the_kiosk_offers_slots_to_book(browser, live_url):
    # the queue serves one item of its own: the booking page then asks for no item, whatever else Beilin
    # adopted in the tests before this one
    item = committed_adopted_item("Hall run-out permit")
    made = orm(_set_up, item=item, daily_tickets=1)
    base = at(live_url, "beilin")
    letter = made["letter"]

    def take_the_only_ticket() -> None:
        from django.utils import timezone
        from django_tenants.utils import tenant_context

        from hall.models import Queue
        from hall.services import ticket_take
        from tenants.models import Centre

        centre = Centre.objects.get(division_code=BEILIN)
        with tenant_context(centre):
            ticket_take(centre=centre, queue=Queue.objects.get(pk=made["queue"]), source="kiosk",
                        now=timezone.now())

    context = browser.new_context(viewport={"width": 1080, "height": 1400}, locale="zh-CN", has_touch=True)
    context.set_default_timeout(15_000)
    faults: list[str] = []
    try:
        orm(take_the_only_ticket)
        kiosk = context.new_page()
        _watch(kiosk, faults)
        kiosk.goto(f"{base}/hall/kiosk/{made['kiosk']}/")
        kiosk.locator(f"button.queue-button[data-queue='{letter}']").tap()
        kiosk.wait_for_selector("#kiosk-error")
        assert kiosk.inner_text("#kiosk-error") == f"{letter} 队列今日号源已取完，请改为预约空闲时段办理。"
        offered = kiosk.locator(".kiosk-slot")
        assert offered.count() >= 1
        first = offered.first
        day, start = first.get_attribute("data-day"), first.get_attribute("data-start")
        assert first.locator(".qr svg").count() == 1, "a QR code to book it on a phone"
        screenshot(kiosk, "hall-journey-10-kiosk-run-out")
        assert first.locator("a").count() == 0, "the shared kiosk opens no form: the booking is made on a phone"
        booking = context.new_page()  # what the QR code opens on the applicant's phone
        _watch(booking, faults)
        booking.goto(base + first.get_attribute("data-path"))
        booking.wait_for_selector("#booking")
        assert booking.input_value("#id_slot") == f"{day} {start}", "the offered slot is chosen"
        screenshot(booking, "hall-journey-11-booking-from-kiosk")
        assert faults == [], "\n".join(faults)
    finally:
        context.close()
        orm(_remove, made)
