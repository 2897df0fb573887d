"""Appointments booked from an item's guide in the online service hall: the centres whose hall has a queue
for the item, a day and a time picked from the free slots (no script), booked with the account's name, ID
number and mobile (no SMS code: the account signed in with one) under the hall's own rules — a full slot
refused, one appointment a day per queue —, "my appointments" and cancelling one."""
from __future__ import annotations

import datetime as dt

import pytest

from hall.models import Appointment, AppointmentSlot
from notifications.models import OutboxMessage
from portal.models import Booking
from tests.hall import conftest as hall_set_up
from tests.portal import ask_support

pytestmark = pytest.mark.django_db

#: The fixtures shared by these tests.
applicant_client = ask_support.applicant_client
hall = hall_set_up.hall


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    """The pages run at NOW (a working Tuesday, 10:00)."""
    monkeypatch.setattr("portal.views_ask._now", lambda: hall_set_up.NOW)


def book_url(item) -> str:
    return f"/online/items/{item.code}/book/"


def test_without_a_hall_queue_for_the_item_the_page_says_so_and_points_elsewhere(applicant_client, item):
    client, _account = applicant_client()
    page = client.get(book_url(item), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and "No centre takes appointments for this item" in html
    assert "/progress/" in html and f"/online/ask/?item={item.code}" in html


def test_an_unknown_item_is_404_and_booking_needs_a_real_name(applicant_client, item, hall):
    client, _account = applicant_client()
    assert client.get("/online/items/NO-SUCH/book/").status_code == 404
    unbound, _ = applicant_client(mobile="13900139000", name="")
    response = unbound.get(book_url(item))
    assert response.status_code == 302 and response["Location"].startswith("/online/identity/")


def test_booked_with_the_accounts_identity_listed_and_cancelled(applicant_client, item, hall):
    client, account = applicant_client()
    page = client.get(book_url(item), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Beilin District" in page and 'value="2026-12-02 09:30"' in page
    booked = client.post(book_url(item) + "?centre=beilin", {"slot": "2026-12-02 09:30"})
    assert booked.status_code == 302 and booked["Location"] == "/online/appointments/"
    appointment = Booking.objects.get(applicant=account)
    assert (appointment.centre, appointment.day) == (hall["centre"], dt.date(2026, 12, 2))
    sms = OutboxMessage.objects.get(template_key="hall_appointment_booked")
    assert sms.to == "+8613800138000"
    mine = client.get("/online/appointments/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    facts = _appointment(appointment.appointment_id, hall)
    assert facts.code in mine and "2026-12-02 09:30" in mine and "Food business licence" in mine
    assert facts.channel == "online" and facts.name == "王秀兰"

    # another account cannot cancel it, nor see it
    other, _ = applicant_client(mobile="13900139000", name="李四",
                                id_number=ask_support.resident_id(born="19800101", serial="123"))
    assert other.post(f"/online/appointments/{appointment.appointment_id}/cancel/").status_code == 404
    assert facts.code not in other.get("/online/appointments/").content.decode()
    cancelled = client.post(f"/online/appointments/{appointment.appointment_id}/cancel/")
    assert cancelled.status_code == 302
    assert _appointment(appointment.appointment_id, hall).status == "cancelled"
    assert _slot_booked(hall, dt.time(9, 30)) == 0
    assert OutboxMessage.objects.filter(template_key="hall_appointment_cancelled").count() == 1
    again = client.post(f"/online/appointments/{appointment.appointment_id}/cancel/", HTTP_ACCEPT_LANGUAGE="en",
                        follow=True)
    assert "This appointment is Cancelled" in again.content.decode()


def test_a_full_slot_is_refused_with_a_clear_message(applicant_client, item, hall):
    for n, mobile in enumerate(("13900139001", "13900139002")):
        other, _ = applicant_client(mobile=mobile, name=f"排队{n}", id_number=ask_support.resident_id(serial=f"1{n}1"))
        assert other.post(book_url(item), {"slot": "2026-12-02 09:30"}).status_code == 302  # capacity 2
    client, account = applicant_client()
    page = client.get(book_url(item)).content.decode()
    assert 'value="2026-12-02 09:30"' not in page  # no longer offered
    refused = client.post(book_url(item), {"slot": "2026-12-02 09:30"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "This slot is full; choose another." in html and 'id="id_slot_error"' in html
    assert not Booking.objects.filter(applicant=account).exists() and _slot_booked(hall, dt.time(9, 30)) == 2


def test_a_second_appointment_the_same_day_in_the_same_queue_is_refused(applicant_client, item, hall):
    client, account = applicant_client()
    assert client.post(book_url(item), {"slot": "2026-12-02 09:30"}).status_code == 302
    twice = client.post(book_url(item), {"slot": "2026-12-02 10:00"}, HTTP_ACCEPT_LANGUAGE="en")
    assert twice.status_code == 409
    assert "already has an appointment in queue A on 2026-12-02" in twice.content.decode()
    assert Booking.objects.filter(applicant=account).count() == 1 and _slot_booked(hall, dt.time(10, 0)) == 0
    assert client.post(book_url(item), {"slot": "2026-12-03 10:00"}).status_code == 302  # another day is fine


def _appointment(pk, hall):
    from django_tenants.utils import tenant_context

    with tenant_context(hall["centre"]):
        return Appointment.objects.get(pk=pk)


def _slot_booked(hall, starts_at) -> int:
    from django_tenants.utils import tenant_context

    with tenant_context(hall["centre"]):
        slot = AppointmentSlot.objects.filter(queue=hall["A"], day=dt.date(2026, 12, 2), starts_at=starts_at).first()
        return slot.booked if slot else 0
