"""Taking a ticket as the public meets it: the kiosk reached by its key, a ticket's live page and its
receipt, taking a ticket on a phone with an SMS code (the clock held at NOW, a working day 10:00)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context

from hall.choices import DeviceKind, Priority, TicketSource, TicketStatus
from tests.hall.conftest import NOW

pytestmark = pytest.mark.django_db

ID_NUMBER = "610103195503150029"
FULL_WIDTH_ID = "６１０１０３ １９５５０３１５ ００２９"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    monkeypatch.setattr("hall.views_kiosk._now", lambda: NOW)


@pytest.fixture
def kiosk(hall):
    """A registered kiosk's path `/hall/kiosk/<key>/`."""
    from hall.services import device_register

    _device, key = device_register(kind=DeviceKind.KIOSK, name="大厅1号取号机", acting_user=None)
    return f"/hall/kiosk/{key}/"


@pytest.fixture
def client(hall, centre_client):
    return centre_client(hall["centre"])


def tickets(hall):
    from hall.models import Ticket

    with tenant_context(hall["centre"]):
        return list(Ticket.objects.order_by("taken_at", "number"))


def test_a_kiosk_key_opens_the_queues_and_a_wrong_or_retired_key_is_404(hall, kiosk, client):
    from hall.models import HallDevice
    from hall.services import device_register, device_retire

    page = client.get(kiosk, **ZH)
    assert page.status_code == 200
    html = page.content.decode()
    assert "市场监管" in html and "Market regulation" in html and "社保" in html
    assert "老年人/残疾人优先" in html and "预约取号" in html, "Chinese first"
    assert "I have an appointment" in html, "English beneath"
    assert client.get("/hall/kiosk/not-a-key/").status_code == 404
    with tenant_context(hall["centre"]):
        _screen, screen_key = device_register(kind=DeviceKind.SCREEN, name="大屏", acting_user=None)
        retired, retired_key = device_register(kind=DeviceKind.KIOSK, name="旧取号机", acting_user=None)
        device_retire(device=HallDevice.objects.get(pk=retired.pk), acting_user=None)
    assert client.get(f"/hall/kiosk/{screen_key}/").status_code == 404, "a screen's key is not a kiosk's"
    assert client.get(f"/hall/kiosk/{retired_key}/").status_code == 404


def test_touching_a_queue_takes_a_ticket_and_shows_it_with_its_qr_and_print_link(hall, kiosk, client):
    answer = client.post(kiosk, {"queue": "A"})
    assert answer.status_code == 302
    [ticket] = tickets(hall)
    assert (ticket.code, ticket.source, ticket.priority) == ("A001", TicketSource.KIOSK, Priority.NORMAL)
    shown = client.get(answer["Location"]).content.decode()
    assert 'id="ticket-code">A001<' in shown and "<svg" in shown
    assert f"/hall/t/{ticket.token}/print/?auto=1" in shown
    assert 'data-return-after="20"' in shown, "the kiosk returns to its start"
    client.post(kiosk, {"queue": "A"})
    second = tickets(hall)[1]
    shown = client.get(f"{kiosk}?taken={second.token}").content.decode()
    assert re.search(r'id="ticket-ahead">\s*1\s*<', shown), "one person ahead"


def test_the_priority_button_takes_a_priority_ticket(hall, kiosk, client):
    screen = client.get(f"{kiosk}?mode=priority").content.decode()
    assert 'name="priority" value="1"' in screen
    client.post(f"{kiosk}?mode=priority", {"queue": "B", "priority": "1"})
    [ticket] = tickets(hall)
    assert (ticket.code, ticket.priority) == ("B001", Priority.PRIORITY)


def test_outside_hours_the_kiosk_says_so_in_chinese_and_takes_nothing(hall, kiosk, client, monkeypatch):
    monkeypatch.setattr("hall.views_kiosk._now", lambda: NOW.replace(hour=7))
    refused = client.post(kiosk, {"queue": "A"}, **ZH)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'id="kiosk-error"' in html and 'data-code="hall_queue_closed"' in html
    assert "A 队列的取号时间为 09:00 至 17:00" in html
    assert tickets(hall) == []


def test_when_tickets_run_out_the_kiosk_offers_appointment_slots(hall, kiosk, client):
    for _ in range(5):  # queue A gives 5 tickets a day
        client.post(kiosk, {"queue": "A"})
    refused = client.post(kiosk, {"queue": "A"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'data-code="hall_tickets_run_out"' in html
    slots = re.findall(r'data-path="(/hall/appointments/book/\?queue=A&amp;day=[0-9-]+&amp;start=[0-9:%A]+)"', html)
    assert slots, "free slots are offered with their booking links"
    assert "day=2026-12-01&amp;start=10%3A30" in html, "the first free slot today"
    assert html.count("<svg") >= len(slots), "each slot with a QR code"
    assert len(tickets(hall)) == 5


def test_an_appointment_is_checked_in_by_the_id_number_typed_in_full_width(hall, kiosk, client):
    from hall.choices import AppointmentStatus, BookingChannel
    from hall.models import Appointment
    from hall.services import appointment_book

    with tenant_context(hall["centre"]):
        appointment = appointment_book(
            centre=hall["centre"], queue=hall["B"], day=NOW.date(), starts_at=dt.time(10, 0), name="王秀兰",
            mobile="13800138000", id_number=ID_NUMBER, channel=BookingChannel.ONLINE, now=NOW - dt.timedelta(days=1))
    screen = client.get(f"{kiosk}?mode=appointment").content.decode()
    assert 'name="action" value="check_in"' in screen
    answer = client.post(f"{kiosk}?mode=appointment", {"action": "check_in", "number": FULL_WIDTH_ID})
    assert answer.status_code == 302
    [ticket] = tickets(hall)
    assert ticket.code == "B001" and ticket.appointment_id == appointment.pk
    with tenant_context(hall["centre"]):
        assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.CHECKED_IN
    again = client.post(f"{kiosk}?mode=appointment", {"action": "check_in", "number": appointment.code})
    assert again.status_code == 409 and 'id="kiosk-error"' in again.content.decode()
    unknown = client.post(f"{kiosk}?mode=appointment", {"action": "check_in", "number": "１２３４ ５６７８"})
    assert 'data-code="hall_appointment_unknown"' in unknown.content.decode()
    assert len(tickets(hall)) == 1


def test_the_live_page_shows_the_place_and_the_holder_may_give_the_ticket_up(hall, kiosk, client):
    client.post(kiosk, {"queue": "A"})
    client.post(kiosk, {"queue": "A"})
    ticket = tickets(hall)[1]
    live = client.get(f"/hall/t/{ticket.token}/")
    html = live.content.decode()
    assert live.status_code == 200
    assert "A002" in html and re.search(r'id="ticket-ahead">\s*1\s*<', html)
    assert 'hx-trigger="every 15s"' in html, "the page refreshes itself"
    poll = client.get(f"/hall/t/{ticket.token}/", HTTP_HX_REQUEST="true").content.decode()
    assert poll.startswith('<section id="ticket-status"'), "a poll gets the status part alone"
    assert "<html" not in poll
    asked = client.get(f"/hall/t/{ticket.token}/?confirm=cancel").content.decode()
    assert 'id="give-up-confirm"' in asked, "giving up is confirmed first"
    assert tickets(hall)[1].status == TicketStatus.WAITING
    done = client.post(f"/hall/t/{ticket.token}/", {"action": "cancel"}, follow=True)
    assert tickets(hall)[1].status == TicketStatus.CANCELLED
    page = done.content.decode()
    assert "hx-trigger" not in page and 'id="give-up"' not in page
    assert client.get("/hall/t/no-such-token/").status_code == 404


def test_the_receipt_has_the_code_and_an_svg_qr_of_the_live_page(hall, kiosk, client):
    client.post(kiosk, {"queue": "A"})
    [ticket] = tickets(hall)
    receipt = client.get(f"/hall/t/{ticket.token}/print/?auto=1")
    html = receipt.content.decode()
    assert receipt.status_code == 200
    assert 'id="receipt-code">A001<' in html and "<svg" in html and "data-autoprint" in html
    assert f"/hall/t/{ticket.token}/</p>" in html, "the live page's address is printed"
    assert "碑林区" in html and "市场监管" in html
    assert re.search(r"@page\s*\{\s*size:58mm", (settings.BASE_DIR / "static/hall/kiosk.css").read_text())


def _sent_code() -> str:
    from notifications.models import OutboxMessage

    body = OutboxMessage.objects.filter(template_key="hall_phone_code").latest("created_at").body
    return re.findall(r"\d{6}", body)[0]


def test_taking_a_ticket_on_a_phone_with_an_sms_code(hall, client):
    asked = client.post("/hall/phone/", {"step": "send", "mobile": "１３８ ００１３ ８０００"})
    assert asked.status_code == 200 and 'id="phone-take"' in asked.content.decode()
    code = _sent_code()
    wrong = "000000" if code != "000000" else "111111"
    refused = client.post("/hall/phone/", {"step": "take", "mobile": "１３８ ００１３ ８０００", "code": wrong,
                                           "queue": "A"}, **ZH)
    assert refused.status_code == 400 and "验证码错误或已过期" in refused.content.decode()
    assert tickets(hall) == []
    taken = client.post("/hall/phone/", {"step": "take", "mobile": "１３８ ００１３ ８０００", "code": code,
                                         "queue": "A"})
    assert taken.status_code == 302
    [ticket] = tickets(hall)
    assert taken["Location"] == f"/hall/t/{ticket.token}/"
    assert (ticket.code, ticket.source) == ("A001", TicketSource.PHONE) and ticket.mobile
    again = client.post("/hall/phone/", {"step": "take", "mobile": "13800138000", "code": code, "queue": "A"})
    assert again.status_code == 400, "a code is spent once"
    assert len(tickets(hall)) == 1


def test_a_bad_mobile_is_told_and_no_code_is_sent(hall, client):
    from notifications.models import OutboxMessage

    answer = client.post("/hall/phone/", {"step": "send", "mobile": "12345"})
    assert answer.status_code == 400 and 'id="phone-take"' not in answer.content.decode()
    assert not OutboxMessage.objects.filter(template_key="hall_phone_code").exists()


def test_one_address_asking_for_too_many_codes_is_stopped(hall, client, monkeypatch):
    from django.core.cache import cache

    from notifications.models import OutboxMessage

    cache.clear()  # the codes other tests asked for from this address
    monkeypatch.setattr("hall.views_kiosk.PHONE_CODES_PER_ADDRESS_HOUR", 1)
    assert client.post("/hall/phone/", {"step": "send", "mobile": "13800138000"}).status_code == 200
    stopped = client.post("/hall/phone/", {"step": "send", "mobile": "13900139000"}, **ZH)
    assert stopped.status_code == 429 and "请稍后再试" in stopped.content.decode()
    assert OutboxMessage.objects.filter(template_key="hall_phone_code").count() == 1


def test_the_live_page_says_which_window_calls_the_ticket(hall, kiosk, client, clerk):
    from hall.services import ticket_call_next

    client.post(kiosk, {"queue": "B"})
    [ticket] = tickets(hall)
    with tenant_context(hall["centre"]):
        ticket_call_next(centre=hall["centre"], window=hall["windows"][2], acting_user=clerk, now=NOW)
    html = client.get(f"/hall/t/{ticket.token}/", **ZH).content.decode()
    assert "轮到您了：请立即到3号窗口" in html and 'id="give-up"' not in html
    assert 'hx-trigger="every 15s"' in html, "still followed until served"
