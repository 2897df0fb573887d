"""The appointment pages as an applicant, a clerk on the phone and a centre administrator use them: booking
online with an SMS code read from the outbox, every refusal next to its field with the typed values kept,
managing an appointment by its code, the desk, and the hall's set-up."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.hall.conftest import NOW, TOMORROW

pytestmark = pytest.mark.django_db

BOOK = "/hall/appointments/book/"
MANAGE = "/hall/appointments/manage/"
DESK = "/hall/desk/appointments/"
SETUP = "/hall/setup/"
ID_1955 = "610103195503150029"
ID_FULL_WIDTH = "６１０１０３１９５５０３１５００２９"
MOBILE = "13800138000"
MOBILE_TYPED = "１３８ ００１３ ８０００"


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    """The pages run at NOW (a working Tuesday, 10:00)."""
    monkeypatch.setattr("hall.views_appointments._now", lambda: NOW)


@pytest.fixture
def booking(hall, item, centre_client):
    """The hall with one item in Beilin's catalogue (queue A serves every item) and an applicant's client."""
    return {**hall, "item": item, "client": centre_client(hall["centre"])}


def values(**changes) -> dict:
    return {"slot": "2026-12-02 09:30", "applicant_kind": "person", "name": "王秀兰", "id_number": ID_FULL_WIDTH,
            "mobile": MOBILE_TYPED, **changes}


def sms_code(mobile: str = MOBILE) -> str:
    from common.identity import recipient_hmac
    from notifications.models import OutboxMessage

    message = OutboxMessage.objects.filter(template_key="hall_phone_code",
                                           to_hmac=recipient_hmac(mobile)).order_by("-id").first()
    assert message is not None, "no SMS code was sent"
    found = re.search(r"(\d{6})", message.body)
    assert found is not None
    return found.group(1)


def codes_sent() -> int:
    from notifications.models import OutboxMessage

    return OutboxMessage.objects.filter(template_key="hall_phone_code").count()


def errors_of(response, field: str) -> str:
    """The text of the error list next to `field` (the paragraph `#field-<name>` or its fieldset)."""
    html = response.content.decode()
    found = re.search(rf'id="field-{field}".*?</(p|fieldset)>', html, re.S)
    assert found is not None, f"no field {field}"
    return found.group(0)


def book_online(client, *, query="?queue=A", **changes):
    response = client.post(BOOK + query, {**values(**changes), "action": "send"})
    assert response.status_code == 200
    return client.post(BOOK + query, {**values(**changes), "code": sms_code(), "action": "book"})


# --- the public pages -------------------------------------------------------------------------------

def test_the_queues_and_their_items(booking):
    from hall.services import queue_save

    queue_save(queue=booking["B"], letter="B", name_zh="社保", name_en="Social security", department_codes=["SI"])
    page = booking["client"].get("/hall/appointments/").content.decode()
    assert "Market regulation" in page and "Social security" in page
    assert "Every item of this centre" in page.split('id="queue-B"')[0]
    assert "Food business licence" not in page.split('id="queue-B"')[1], "B serves another department's items"
    client = booking["client"]
    client.cookies["django_language"] = "zh-hans"
    assert "市场监管" in client.get("/hall/appointments/").content.decode()
    assert 'href="/hall/appointments/book/?queue=A"' in page


def test_booking_online_with_the_sms_code_full_width_digits_and_spaces(booking):
    from hall.choices import BookingChannel
    from hall.models import Appointment
    from notifications.models import OutboxMessage

    client = booking["client"]
    page = client.get(BOOK + "?queue=A").content.decode()
    assert "Application" in page and "Floor plan" in page, "the only item is chosen and its materials shown"
    sent = client.post(BOOK + "?queue=A", {**values(), "action": "send"})
    assert "138****8000" in sent.content.decode() and codes_sent() == 1
    assert "王秀兰" in sent.content.decode(), "the typed values are kept"
    done = client.post(BOOK + "?queue=A", {**values(), "code": " ".join(sms_code()), "action": "book"})
    assert done.status_code == 302 and done["Location"] == "/hall/appointments/booked/"
    appointment = Appointment.objects.get()
    assert appointment.channel == BookingChannel.ONLINE and appointment.item_code == booking["item"].code
    assert (appointment.day, appointment.starts_at) == (TOMORROW, dt.time(9, 30))
    confirmation = client.get(done["Location"]).content.decode()
    assert appointment.code in confirmation and "2026-12-02 09:30–10:00" in confirmation
    assert "Floor plan" in confirmation and "Food business licence" in confirmation
    assert OutboxMessage.objects.filter(template_key="hall_appointment_booked", body__contains=appointment.code)


def test_the_kiosk_s_slot_is_preselected_and_another_browser_sees_no_confirmation(booking, centre_client):
    page = booking["client"].get(BOOK + "?queue=A&day=2026-12-02&start=14:00").content.decode()
    assert '<option value="2026-12-02 14:00" selected>' in page
    assert centre_client(booking["centre"]).get("/hall/appointments/booked/").status_code == 404


def test_bad_id_mobile_and_name_are_shown_by_their_fields_and_no_code_is_sent(booking):
    response = booking["client"].post(BOOK + "?queue=A", {**values(id_number="610103195503150028", mobile="12345"),
                                                          "action": "send"})
    assert "check character" in errors_of(response, "id_number")
    assert "Not a valid mobile phone number" in errors_of(response, "mobile")
    assert 'value="610103195503150028"' in response.content.decode(), "what was typed is kept"
    unnamed = booking["client"].post(BOOK + "?queue=A", {**values(name=" "), "action": "send"})
    assert "errorlist" in errors_of(unnamed, "name") and 'value="１３８ ００１３ ８０００"' in unnamed.content.decode()
    assert codes_sent() == 0


def test_errors_in_chinese_for_a_chinese_reader(booking):
    client = booking["client"]
    client.cookies["django_language"] = "zh-hans"
    response = client.post(BOOK + "?queue=A", {**values(slot="2026-12-05 09:30"), "action": "send"})
    assert "2026-12-05 不是本中心的工作日" in errors_of(response, "slot")
    response = client.post(BOOK + "?queue=A", {**values(mobile="12"), "action": "send"})
    assert "手机号码无效" in errors_of(response, "mobile")


def test_a_closure_day_and_a_full_slot_are_refused_by_the_slot(booking):
    from hall.choices import BookingChannel
    from hall.services import appointment_book
    from workcalendar.services import closure_add

    closure_add(centre=booking["centre"], date=dt.date(2026, 12, 3), reason="停电", acting_user=None)
    closed = booking["client"].post(BOOK + "?queue=A", {**values(slot="2026-12-03 09:30"), "action": "send"})
    assert "not a working day" in errors_of(closed, "slot")
    assert "2026-12-03 09:30" not in closed.content.decode().split('id="booking"')[0]
    for n, id_number in enumerate(("110101199003070011", "110101199003070038")):
        appointment_book(centre=booking["centre"], queue=booking["A"], day=TOMORROW, starts_at=dt.time(9, 30),
                         name=f"别人{n}", mobile=f"1390000000{n}", id_number=id_number,
                         channel=BookingChannel.PHONE, now=NOW)
    full = booking["client"].post(BOOK + "?queue=A", {**values(), "action": "send"})
    assert "This slot is full" in errors_of(full, "slot")
    assert '<option value="2026-12-02 09:30" selected>' in full.content.decode(), "the choice is kept"
    assert codes_sent() == 0


def test_a_second_booking_the_same_day_is_refused_and_the_code_stays_good_for_another_day(booking):
    from hall.models import Appointment

    client = booking["client"]
    assert book_online(client).status_code == 302
    again = client.post(BOOK + "?queue=A", {**values(slot="2026-12-02 11:00"), "action": "send"})
    assert again.status_code == 200, "a code is sent: whether the person has booked is told only with it"
    code = sms_code()
    refused = client.post(BOOK + "?queue=A", {**values(slot="2026-12-02 11:00"), "code": code, "action": "book"})
    assert "2026-12-02" in errors_of(refused, "slot") and Appointment.objects.count() == 1
    other_day = client.post(BOOK + "?queue=A", {**values(slot="2026-12-03 11:00"), "code": code, "action": "book"})
    assert other_day.status_code == 302 and Appointment.objects.count() == 2


def test_a_wrong_code_is_refused_by_the_code_field(booking):
    from hall.models import Appointment, PhoneCode

    client = booking["client"]
    client.post(BOOK + "?queue=A", {**values(), "action": "send"})
    wrong = "000000" if sms_code() != "000000" else "111111"
    response = client.post(BOOK + "?queue=A", {**values(), "code": wrong, "action": "book"})
    assert "The code is wrong or has expired" in errors_of(response, "code")
    assert not Appointment.objects.exists() and PhoneCode.objects.get().tries == 1
    empty = client.post(BOOK + "?queue=A", {**values(), "code": "", "action": "book"})
    assert "errorlist" in errors_of(empty, "code")


def test_online_booking_is_suspended_after_no_shows(booking):
    from hall.choices import BookingChannel
    from hall.services import appointment_book, appointments_mark_no_show

    for day in (dt.date(2026, 11, 24), dt.date(2026, 11, 25), dt.date(2026, 11, 26)):
        appointment_book(centre=booking["centre"], queue=booking["A"], day=day, starts_at=dt.time(9, 30),
                         name="王秀兰", mobile=MOBILE, id_number=ID_1955, channel=BookingChannel.PHONE,
                         now=dt.datetime.combine(day, dt.time(8), tzinfo=NOW.tzinfo))
    appointments_mark_no_show(now=NOW)
    response = book_online(booking["client"])
    assert response.status_code == 200
    assert "2026-12" in errors_of(response, "id_number"), "suspended until a day, said by the ID number"


# --- managing an appointment ------------------------------------------------------------------------

@pytest.fixture
def booked(booking):
    assert book_online(booking["client"]).status_code == 302
    from hall.models import Appointment

    return Appointment.objects.get()


def test_manage_finds_it_by_code_and_mobile_or_id_and_never_tells_which_was_wrong(booking, booked, centre_client):
    client = centre_client(booking["centre"])
    unknown = client.post(MANAGE, {"action": "find", "code": "99999999", "mobile": MOBILE})
    wrong = client.post(MANAGE, {"action": "find", "code": booked.code, "mobile": "13900000000"})
    message = "No appointment matches this code and mobile (or ID number)."
    assert message in unknown.content.decode() and message in wrong.content.decode()
    assert centre_client(booking["centre"]).post(MANAGE, {"action": "find", "code": booked.code})\
        .status_code == 200
    by_id = centre_client(booking["centre"])
    assert by_id.post(MANAGE, {"action": "find", "code": booked.code, "id_number": ID_FULL_WIDTH}).status_code == 302
    found = client.post(MANAGE, {"action": "find", "code": " ".join(booked.code), "mobile": MOBILE_TYPED})
    assert found.status_code == 302
    assert booked.slot_label in client.get(MANAGE).content.decode()


def test_manage_moves_then_cancels_with_an_sms_each(booking, booked):
    from hall.choices import AppointmentStatus
    from notifications.models import OutboxMessage

    client = booking["client"]
    client.post(MANAGE, {"action": "find", "code": booked.code, "mobile": MOBILE})
    refused = client.post(MANAGE, {"action": "move", "slot": "2026-12-05 09:30"})
    assert "not a working day" in refused.content.decode()
    assert client.post(MANAGE, {"action": "move", "slot": "2026-12-03 15:00"}).status_code == 302
    booked.refresh_from_db()
    assert (booked.day, booked.starts_at) == (dt.date(2026, 12, 3), dt.time(15, 0))
    assert OutboxMessage.objects.filter(template_key="hall_appointment_moved", body__contains=booked.code)
    assert client.post(MANAGE, {"action": "cancel"}).status_code == 302
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CANCELLED
    assert OutboxMessage.objects.filter(template_key="hall_appointment_cancelled", body__contains=booked.code)
    assert 'value="cancel"' not in client.get(MANAGE).content.decode()


# --- the clerk's desk -------------------------------------------------------------------------------

def test_a_clerk_books_for_a_caller_without_a_code_and_reads_the_materials(booking, clerk, centre_client):
    from hall.choices import BookingChannel
    from hall.models import Appointment

    client = centre_client(booking["centre"], clerk)
    page = client.get(DESK + "?day=2026-12-02&queue=A").content.decode()
    assert "Application" in page and "Floor plan" in page
    bad = client.post(DESK + "?day=2026-12-02&queue=A", {**values(mobile="123"), "action": "book"})
    assert "Not a valid mobile phone number" in errors_of(bad, "mobile") and "王秀兰" in bad.content.decode()
    done = client.post(DESK + "?day=2026-12-02&queue=A", {**values(), "action": "book"})
    assert done.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.channel == BookingChannel.PHONE and appointment.booked_by_id == clerk.pk
    assert codes_sent() == 0
    day = client.get(DESK + "?day=2026-12-02").content.decode()
    assert appointment.code in day and "138****8000" in day and "王秀兰" in day


def test_a_clerk_moves_and_cancels(booking, booked, clerk, centre_client):
    from hall.choices import AppointmentStatus

    client = centre_client(booking["centre"], clerk)
    assert "2026-12-02 09:30" in client.get(DESK + f"?day=2026-12-02&move={booked.pk}").content.decode()
    moved = client.post(DESK + f"?day=2026-12-02&move={booked.pk}",
                        {"action": "move", "appointment": booked.pk, "slot": "2026-12-02 16:00"})
    assert moved.status_code == 302
    booked.refresh_from_db()
    assert booked.starts_at == dt.time(16, 0) and booked.changed_by_id == clerk.pk
    client.post(DESK + "?day=2026-12-02", {"action": "cancel", "appointment": booked.pk})
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CANCELLED


def test_the_desk_is_for_the_centre_s_staff(booking, make_user, yanta, centre_client):
    from tenants.choices import Role

    other = make_user((yanta, Role.WINDOW_CLERK))
    assert centre_client(booking["centre"]).get(DESK).status_code == 404
    assert centre_client(booking["centre"], other).get(DESK).status_code == 404


# --- the hall's set-up ------------------------------------------------------------------------------

@pytest.fixture
def admin(hall, make_user):
    from tenants.choices import Role

    return make_user((hall["centre"], Role.CENTRE_ADMIN))


def queue_values(hall, **changes) -> dict:
    return {"letter": "C", "name_zh": "不动产", "name_en": "Real estate", "windows": [hall["windows"][2].pk],
            "item_codes": "", "opens_at": "09:00", "closes_at": "12:00", "daily_tickets": "50",
            "slot_minutes": "20", "slot_capacity": "3", "service_minutes": "15", "action": "queue", **changes}


def test_an_administrator_adds_and_edits_a_queue_with_errors_by_their_fields(hall, admin, item, centre_client):
    from hall.models import Queue

    client = centre_client(hall["centre"], admin)
    assert "Market regulation" in client.get(SETUP).content.decode()
    unknown = client.post(SETUP + "?queue=new", queue_values(hall, item_codes="NOPE-1"))
    assert "NOPE-1" in errors_of(unknown, "item_codes")
    bad = client.post(SETUP + "?queue=new", queue_values(hall, letter="c1", daily_tickets="0", slot_minutes="2"))
    assert "One or two capital letters" in errors_of(bad, "letter").split("</small>")[1]
    assert "errorlist" in errors_of(bad, "daily_tickets") and "errorlist" in errors_of(bad, "slot_minutes")
    assert not Queue.objects.filter(name_zh="不动产").exists()
    taken = client.post(SETUP + "?queue=new", queue_values(hall, letter="A"))
    assert "errorlist" in errors_of(taken, "letter")
    hours = client.post(SETUP + "?queue=new", queue_values(hall, closes_at="08:00"))
    assert "opens before it closes" in hours.content.decode() or "errorlist" in hours.content.decode()
    assert not Queue.objects.filter(letter="C").exists()
    assert client.post(SETUP + "?queue=new", queue_values(hall, item_codes=item.code)).status_code == 302
    queue = Queue.objects.get(letter="C")
    assert list(queue.windows.all()) == [hall["windows"][2]] and queue.item_codes == [item.code]
    edit = client.get(SETUP + f"?queue={queue.pk}").content.decode()
    assert 'value="不动产"' in edit
    client.post(SETUP + f"?queue={queue.pk}", queue_values(hall, slot_capacity="6"))
    queue.refresh_from_db()
    assert queue.slot_capacity == 6 and Queue.objects.filter(letter="C").count() == 1


def test_an_administrator_registers_devices_sees_the_key_once_and_retires_one(hall, admin, centre_client):
    from hall.models import HallDevice
    from hall.services import device_by_key

    client = centre_client(hall["centre"], admin)
    pad = client.post(SETUP, {"action": "device", "kind": "pad", "name": "1号窗评价器", "window": ""})
    assert "errorlist" in pad.content.decode() and not HallDevice.objects.exists()
    kiosk = client.post(SETUP, {"action": "device", "kind": "kiosk", "name": "门口取号机", "window": ""})
    key = re.search(r'id="device-key">([^<]+)<', kiosk.content.decode()).group(1)
    assert f"http://beilin.localhost/hall/kiosk/{key}/" in kiosk.content.decode().replace(":80/", "/")
    device = device_by_key(key=key, now=NOW)
    assert device is not None
    listing = client.get(SETUP).content.decode()
    assert key not in listing and "门口取号机" in listing and "2026-12-01" in listing
    client.post(SETUP, {"action": "device", "kind": "pad", "name": "评价器", "window": hall["windows"][0].pk})
    assert HallDevice.objects.filter(kind="pad", window=hall["windows"][0]).exists()
    assert client.post(SETUP, {"action": "retire", "device": device.pk}).status_code == 302
    assert device_by_key(key=key) is None


def test_set_up_is_for_administrators_others_403_strangers_404(hall, clerk, make_user, yanta, centre_client):
    from tenants.choices import Role

    assert centre_client(hall["centre"], clerk).get(SETUP).status_code == 403
    assert centre_client(hall["centre"], make_user((yanta, Role.CENTRE_ADMIN))).get(SETUP).status_code == 404
    assert centre_client(hall["centre"]).get(SETUP).status_code == 404


def test_wrong_pairs_for_one_code_run_out_then_even_the_right_mobile_waits(booking, booked, centre_client):
    client = centre_client(booking["centre"])
    for n in range(5):
        client.post(MANAGE, {"action": "find", "code": booked.code, "mobile": f"1390000000{n}"})
    right = client.post(MANAGE, {"action": "find", "code": booked.code, "mobile": MOBILE})
    assert right.status_code == 200 and "Too many tries for this code" in right.content.decode()
    assert booked.slot_label not in right.content.decode()
