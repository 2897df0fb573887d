"""The hall's API as a kiosk, the hall screen, a window's hardware caller and an applicant's phone meet it
(`/api/v1/hall/` on Beilin's host; the clock set to NOW, a working day at 10:00)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django_tenants.utils import tenant_context

from tests.hall.conftest import NOW, TOMORROW

pytestmark = pytest.mark.django_db
API = "/api/v1/hall/"
MOBILE, ID_NUMBER = "13800138000", "610103195503150029"


@pytest.fixture(autouse=True)
def _clock_and_allowances(monkeypatch):
    """The API's clock at NOW; the public writes' allowances counted afresh for each test."""
    from django.core.cache import cache

    monkeypatch.setattr("hall.api._now", lambda: NOW)
    cache.clear()


@pytest.fixture
def devices(hall):
    """{"kiosk": key, "screen": key, "retired": key} of Beilin's hall."""
    from hall.services import device_register, device_retire

    with tenant_context(hall["centre"]):
        kiosk = device_register(kind="kiosk", name="大厅1号取号机", acting_user=None)[1]
        screen = device_register(kind="screen", name="大屏", acting_user=None)[1]
        old, retired = device_register(kind="kiosk", name="旧取号机", acting_user=None)
        device_retire(device=old, acting_user=None)
    return {"kiosk": kiosk, "screen": screen, "retired": retired}


@pytest.fixture
def api(hall, centre_client):
    """`api(method, path, data=None, key=None, token=None, user=None)` on Beilin's host: a device's key, a
    token or a signed-in user."""
    from rest_framework.authtoken.models import Token

    def call(method: str, path: str, data: dict | None = None, *, key: str | None = None, user=None,
             token_of=None):
        client = centre_client(hall["centre"], user)
        headers = {}
        if key is not None:
            headers["Authorization"] = f"Device {key}"
        if token_of is not None:
            headers["Authorization"] = f"Token {Token.objects.get_or_create(user=token_of)[0].key}"
        if method == "get":
            return client.get(API + path, data or {}, headers=headers)
        return client.post(API + path, data or {}, content_type="application/json", headers=headers)

    return call


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "extra"} and body["code"] == code and body["message"]
    return body


def take(api, key, letter="A", **data):
    response = api("post", "tickets/", {"queue": letter, **data}, key=key)
    assert response.status_code == 201, response.content
    return response.json()


# --- kiosks ----------------------------------------------------------------------------------------

def test_a_kiosk_lists_the_queues_and_takes_tickets_whose_live_place_anyone_holding_it_reads(api, devices):
    queues = api("get", "queues/", key=devices["kiosk"])
    assert queues.status_code == 200
    assert [(q["letter"], q["name_zh"], q["windows"], q["waiting"]) for q in queues.json()] == [
        ("A", "市场监管", ["1", "2"], 0), ("B", "社保", ["3"], 0)]
    first = take(api, devices["kiosk"])
    second = take(api, devices["kiosk"], mobile="13900139000", priority=0)
    assert (first["code"], first["ahead"], second["code"], second["ahead"]) == ("A001", 0, "A002", 1)
    assert second["wait_minutes"] == 5  # one ahead × 10 minutes ÷ two windows
    assert "/hall/t/" in second["live_url"]
    token = second["live_url"].rstrip("/").rsplit("/", 1)[1]
    place = api("get", f"tickets/{token}/")
    assert place.status_code == 200
    assert place.json()["code"] == "A002" and place.json()["status"] == "waiting" and place.json()["ahead"] == 1
    assert "mobile" not in place.json()
    assert api("get", "queues/", key=devices["kiosk"]).json()[0]["waiting"] == 2
    error(api("get", "tickets/no-such-token/"), 404, "hall_ticket_unknown")


def test_device_keys_are_checked_and_strangers_find_nothing(api, devices, hall, yanta, make_user):
    from hall.services import device_register
    from tenants.choices import Role

    with tenant_context(yanta):
        yanta_kiosk = device_register(kind="kiosk", name="雁塔取号机", acting_user=None)[1]
    nobody = api("post", "tickets/", {"queue": "A"})
    error(nobody, 401, "not_authenticated")
    assert nobody["WWW-Authenticate"].startswith("Device")
    error(api("post", "tickets/", {"queue": "A"}, key=yanta_kiosk), 401, "not_authenticated")
    error(api("post", "tickets/", {"queue": "A"}, key=devices["retired"]), 401, "not_authenticated")
    error(api("post", "tickets/", {"queue": "A"}, key="guessed"), 401, "not_authenticated")
    error(api("post", "tickets/", {"queue": "A"}, key=devices["screen"]), 403, "permission_denied")
    stranger = make_user((yanta, Role.CENTRE_ADMIN))
    error(api("post", "tickets/", {"queue": "A"}, user=stranger), 404, "not_found")
    error(api("get", "queues/", user=stranger), 404, "not_found")
    error(api("get", "screen/", token_of=stranger), 404, "not_found")
    with tenant_context(hall["centre"]):
        from hall.models import Ticket

        assert not Ticket.objects.exists()


def test_run_out_offers_slots_and_staff_issue_tickets_with_the_green_channel(api, devices, hall, clerk):
    for _ in range(5):
        take(api, devices["kiosk"])
    run_out = error(api("post", "tickets/", {"queue": "A"}, key=devices["kiosk"]), 400, "hall_tickets_run_out")
    assert run_out["extra"]["slots"][0]["queue"] == "A" and run_out["extra"]["slots"][0]["free"] == 2
    error(api("post", "tickets/", {"queue": "B", "priority": 2}, key=devices["kiosk"]), 400, "validation_error")
    error(api("post", "tickets/", {"queue": "Z"}, key=devices["kiosk"]), 400, "hall_queue_unknown")
    error(api("post", "tickets/", {"queue": "B", "mobile": "12345"}, key=devices["kiosk"]), 400,
          "hall_invalid_mobile")
    green = api("post", "tickets/", {"queue": "B", "priority": 2}, user=clerk)
    assert green.status_code == 201 and green.json()["code"] == "B001" and green.json()["priority"] == 2
    with tenant_context(hall["centre"]):
        from hall.models import Ticket

        ticket = Ticket.objects.get(code="B001")
        assert (ticket.source, ticket.issued_by_id) == ("window", clerk.pk)


def test_a_queue_gives_no_tickets_outside_its_hours(api, devices, monkeypatch):
    monkeypatch.setattr("hall.api._now", lambda: NOW.replace(hour=8))
    error(api("post", "tickets/", {"queue": "A"}, key=devices["kiosk"]), 400, "hall_queue_closed")


# --- appointments, check-in and slots --------------------------------------------------------------

def sms_code(mobile: str = MOBILE) -> str:
    from notifications.models import OutboxMessage

    message = OutboxMessage.objects.filter(template_key="hall_phone_code").order_by("-pk").first()
    assert message is not None and message.to.endswith(mobile[-8:])
    return re.search(r"(?:验证码|Code )(\d{6})", message.body).group(1)


def booking(**over) -> dict:
    return {"queue": "A", "day": TOMORROW.isoformat(), "starts_at": "09:30", "name": "王秀兰",
            "id_number": ID_NUMBER, "mobile": MOBILE, **over}


def test_booking_online_with_the_sms_code_a_second_time_a_full_slot_and_a_closure(api, hall):
    from workcalendar.services import closure_add

    assert api("post", "phone-codes/", {"mobile": MOBILE, "purpose": "booking"}).status_code == 202
    error(api("post", "appointments/", booking(code="000000" if sms_code() != "000000" else "111111")), 400,
          "hall_code_wrong")
    booked = api("post", "appointments/", booking(code=sms_code()))
    assert booked.status_code == 201, booked.content
    assert booked.json()["channel"] == "online" and re.fullmatch(r"\d{8}", booked.json()["code"])
    error(api("post", "appointments/", booking(code=sms_code())), 400, "hall_code_wrong")  # spent
    api("post", "phone-codes/", {"mobile": MOBILE})
    second = error(api("post", "appointments/", booking(code=sms_code(), starts_at="10:00")), 409,
                   "hall_already_booked")
    assert second["message"]
    # the refusal gave the code back: it books another queue
    again = api("post", "appointments/", booking(code=sms_code(), queue="B"))
    assert again.status_code == 201, again.content
    other = {"id_number": "610116198001011235", "mobile": "13900139000"}
    api("post", "phone-codes/", {"mobile": other["mobile"]})
    assert api("post", "appointments/", booking(code=sms_code(other["mobile"]), **other)).status_code == 201
    third = {"id_number": "610103198506151004", "mobile": "13700137000"}
    api("post", "phone-codes/", {"mobile": third["mobile"]})
    code = sms_code(third["mobile"])
    error(api("post", "appointments/", booking(code=code, **third)), 400, "hall_slot_full")
    slots = api("get", "slots/", {"queue": "a", "day": TOMORROW.isoformat()}).json()
    assert "09:30" not in [s["starts_at"] for s in slots if s["day"] == TOMORROW.isoformat()]
    closure_add(centre=hall["centre"], date=TOMORROW + dt.timedelta(days=1), reason="停电", acting_user=None)
    error(api("post", "appointments/", booking(code=code, day=(TOMORROW + dt.timedelta(days=1)).isoformat(),
                                               **third)), 400, "hall_not_working_day")
    assert api("post", "appointments/", booking(code=code, starts_at="11:00", **third)).status_code == 201
    error(api("get", "slots/", {"queue": "Z"}), 400, "hall_queue_unknown")


def test_staff_book_by_phone_without_a_code_and_the_applicant_cancels_with_the_mobile(api, hall, clerk):
    error(api("post", "appointments/", booking()), 400, "hall_code_wrong")  # the public need the code
    booked = api("post", "appointments/", booking(), user=clerk)
    assert booked.status_code == 201 and booked.json()["channel"] == "phone"
    code = booked.json()["code"]
    error(api("post", f"appointments/{code}/cancel/", {"mobile": "13900139000"}), 404, "hall_appointment_unknown")
    error(api("post", "appointments/00000000/cancel/", {"mobile": MOBILE}), 404, "hall_appointment_unknown")
    cancelled = api("post", f"appointments/{code}/cancel/", {"mobile": "138 0013 8000"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    error(api("post", f"appointments/{code}/cancel/", {"mobile": MOBILE}), 409, "hall_appointment_not_active")


def test_a_kiosk_checks_an_appointment_in_by_its_code_or_the_id_number(api, devices, hall, clerk):
    booked = api("post", "appointments/", booking(day=NOW.date().isoformat(), starts_at="10:00"), user=clerk).json()
    later = api("post", "appointments/", booking(day=NOW.date().isoformat(), starts_at="16:00", queue="B"),
                user=clerk).json()
    error(api("post", "check-ins/", {}, key=devices["kiosk"]), 400, "validation_error")
    error(api("post", "check-ins/", {"code": "12345678"}, key=devices["kiosk"]), 400, "hall_appointment_unknown")
    error(api("post", "check-ins/", {"code": later["code"]}, key=devices["kiosk"]), 400,
          "hall_appointment_not_today")
    ticket = api("post", "check-ins/", {"code": booked["code"]}, key=devices["kiosk"])
    assert ticket.status_code == 201 and ticket.json()["code"] == "A001" and ticket.json()["due_at"]
    error(api("post", "check-ins/", {"code": booked["code"]}, key=devices["kiosk"]), 409,
          "hall_appointment_not_active")


def test_sms_codes_and_bookings_are_rate_limited_per_address(api, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"hall_codes": "2/minute", "hall_bookings": "1/minute"}}
    for mobile in ("13800138000", "13900139000"):
        assert api("post", "phone-codes/", {"mobile": mobile}).status_code == 202
    limited = error(api("post", "phone-codes/", {"mobile": "13700137000"}), 429, "rate_limited")
    assert limited["extra"]["wait"]
    api("post", "appointments/", booking())
    error(api("post", "appointments/", booking()), 429, "rate_limited")


# --- the screen ------------------------------------------------------------------------------------

def test_the_screen_shows_the_calls_and_catches_up_with_the_events(api, devices, clerk):
    take(api, devices["kiosk"])
    api("post", "windows/1/call-next/", token_of=clerk)
    picture = api("get", "screen/", key=devices["screen"])
    assert picture.status_code == 200
    body = picture.json()
    assert body["calls"][0]["say_zh"] == "请A001号到1号窗口" and body["waiting"] == {}
    assert [q["letter"] for q in body["queues"]] == ["A", "B"]
    events = api("get", "events/", {"after": 0}, key=devices["screen"]).json()
    assert [e["kind"] for e in events] == ["taken", "called"] and events[-1]["id"] == body["last_event_id"]
    assert api("get", "events/", {"after": body["last_event_id"]}, key=devices["screen"]).json() == []
    error(api("get", "screen/"), 401, "not_authenticated")


# --- callers ---------------------------------------------------------------------------------------

def test_a_caller_calls_serves_and_finishes_with_the_clerk_s_token(api, devices, clerk):
    take(api, devices["kiosk"])
    take(api, devices["kiosk"])
    called = api("post", "windows/1/call-next/", token_of=clerk)
    assert called.status_code == 200 and called.json()["code"] == "A001" and called.json()["window"] == "1"
    busy = error(api("post", "windows/1/call-next/", token_of=clerk), 409, "hall_conflict")
    assert busy["extra"]["ticket"] == "A001"
    window = api("get", "windows/1/", token_of=clerk).json()
    assert window["ticket"]["code"] == "A001" and window["waiting"] == 1 and window["queues"] == ["A"]
    assert api("post", "windows/1/tickets/a001/recall/", token_of=clerk).json()["recalls"] == 1
    assert api("post", "windows/1/tickets/A001/start/", token_of=clerk).json()["status"] == "serving"
    error(api("post", "windows/2/tickets/A001/finish/", token_of=clerk), 409, "hall_transition_not_allowed")
    assert api("post", "windows/1/tickets/A001/finish/", token_of=clerk).json()["status"] == "done"
    assert api("get", "windows/1/", token_of=clerk).json()["ticket"] is None
    assert api("post", "windows/2/tickets/A002/call/", token_of=clerk).json()["window"] == "2"
    assert api("post", "windows/2/tickets/A002/no_show/", token_of=clerk).json()["status"] == "no_show"
    error(api("post", "windows/1/call-next/", token_of=clerk), 400, "hall_nobody_waiting")


def test_a_caller_s_errors(api, devices, hall, clerk, make_user, yanta):
    from tenants.choices import Role

    take(api, devices["kiosk"], "B")
    take(api, devices["kiosk"], "A")
    error(api("post", "windows/1/tickets/B001/call/", token_of=clerk), 400, "hall_window_not_serving")
    error(api("post", "windows/9/call-next/", token_of=clerk), 404, "not_found")
    error(api("post", "windows/1/tickets/A999/call/", token_of=clerk), 404, "hall_ticket_unknown")
    other_clerk = make_user((hall["centre"], Role.WINDOW_CLERK))
    error(api("post", "windows/1/call-next/", token_of=other_clerk), 403, "hall_window_not_operated")
    error(api("get", "windows/1/", token_of=other_clerk), 403, "hall_window_not_operated")
    error(api("post", "windows/1/call-next/"), 401, "not_authenticated")
    error(api("post", "windows/1/call-next/", key=devices["kiosk"]), 401, "not_authenticated")
    error(api("post", "windows/1/call-next/", token_of=make_user((yanta, Role.WINDOW_CLERK))), 404, "not_found")
    with tenant_context(hall["centre"]):
        from hall.models import Ticket

        assert set(Ticket.objects.values_list("status", flat=True)) == {"waiting"}


def test_a_transfer_sends_the_ticket_to_another_queue_or_window(api, devices, clerk):
    take(api, devices["kiosk"])
    take(api, devices["kiosk"])
    api("post", "windows/1/call-next/", token_of=clerk)
    error(api("post", "windows/1/tickets/A001/transfer/", {}, token_of=clerk), 400, "validation_error")
    error(api("post", "windows/1/tickets/A001/transfer/", {"queue": "B", "window": "3"}, token_of=clerk), 400,
          "validation_error")
    error(api("post", "windows/1/tickets/A001/transfer/", {"window": "9"}, token_of=clerk), 400,
          "hall_window_not_serving")
    moved = api("post", "windows/1/tickets/A001/transfer/", {"queue": "B"}, token_of=clerk)
    assert moved.status_code == 200 and moved.json()["queue"] == "B" and moved.json()["status"] == "waiting"
    assert api("post", "windows/3/call-next/", token_of=clerk).json()["code"] == "A001"
    sent = api("post", "windows/3/tickets/A001/transfer/", {"window": "2"}, token_of=clerk)
    assert sent.status_code == 200
    assert api("post", "windows/2/call-next/", token_of=clerk).json()["code"] == "A001"


def test_the_schema_documents_the_hall_api_and_its_device_scheme():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(urlconf="config.urls_tenant").get_schema(request=None, public=True)
    assert schema["components"]["securitySchemes"]["deviceAuth"]["type"] == "apiKey"
    take_ticket = schema["paths"]["/api/v1/hall/tickets/"]["post"]
    assert {"deviceAuth": []} in take_ticket["security"] and {"tokenAuth": []} in take_ticket["security"]
    assert {"201", "400", "401", "403"} <= set(take_ticket["responses"])
    assert "/hall/stream/" in schema["paths"]["/api/v1/hall/events/"]["get"]["description"]
    assert "429" in schema["paths"]["/api/v1/hall/phone-codes/"]["post"]["responses"]
    assert "/api/v1/hall/windows/{number}/tickets/{code}/no_show/" in schema["paths"]
