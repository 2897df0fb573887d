"""The hall's rules as a clerk, a kiosk and an applicant meet them (in one transaction each)."""
from __future__ import annotations

import datetime as dt

import pytest

from common.errors import ApplicationError, ConflictError
from hall.choices import Priority, TicketAction, TicketSource, TicketStatus
from hall.error_codes import HallErrorCode
from tests.hall.conftest import NOW, TOMORROW

pytestmark = pytest.mark.django_db


def take(hall, letter="A", **kwargs):
    from hall.services import ticket_take

    return ticket_take(centre=hall["centre"], queue=hall[letter], source=kwargs.pop("source", TicketSource.KIOSK),
                       now=kwargs.pop("now", NOW), **kwargs)


def test_numbers_restart_each_day_per_queue_and_run_out_with_slots_offered(hall):
    from hall.models import Ticket
    from registry.models import HallVisit

    codes = [take(hall).code for _ in range(5)] + [take(hall, "B").code]
    assert codes == ["A001", "A002", "A003", "A004", "A005", "B001"]
    with pytest.raises(ApplicationError) as error:
        take(hall)
    assert error.value.code == HallErrorCode.TICKETS_RUN_OUT
    assert error.value.extra["slots"], "the kiosk offers appointment slots instead"
    assert Ticket.objects.filter(queue=hall["A"]).count() == 5
    assert take(hall, now=NOW + dt.timedelta(days=1)).code == "A001"
    assert HallVisit.objects.filter(centre=hall["centre"]).count() == 7


def test_outside_hours_and_on_a_holiday_nothing_is_taken(hall):
    from hall.models import Ticket

    with pytest.raises(ApplicationError) as early:
        take(hall, now=NOW.replace(hour=7))
    assert early.value.code == HallErrorCode.QUEUE_CLOSED
    with pytest.raises(ApplicationError) as holiday:
        take(hall, now=NOW.replace(month=10, day=1))
    assert holiday.value.code == HallErrorCode.NOT_WORKING_DAY
    assert not Ticket.objects.exists()


def test_calling_order_green_channel_and_priority_first_and_only_served_queues(hall, clerk):
    from hall.services import ticket_act, ticket_call_next

    w1, _w2, w3 = hall["windows"]
    first, second = take(hall), take(hall)
    elderly = take(hall, priority=Priority.PRIORITY)
    take(hall, "B")
    called = ticket_call_next(centre=hall["centre"], window=w1, acting_user=clerk, now=NOW)
    assert called.code == elderly.code
    with pytest.raises(ConflictError):  # the window still has its ticket
        ticket_call_next(centre=hall["centre"], window=w1, acting_user=clerk, now=NOW)
    ticket_act(centre=hall["centre"], ticket=called, action=TicketAction.NO_SHOW, window=w1, acting_user=clerk,
               now=NOW)
    assert ticket_call_next(centre=hall["centre"], window=w1, acting_user=clerk, now=NOW).code == first.code
    with pytest.raises(ApplicationError) as error:
        ticket_act(centre=hall["centre"], ticket=second, action=TicketAction.CALL, window=w3, acting_user=clerk,
                   now=NOW)
    assert error.value.code == HallErrorCode.WINDOW_NOT_SERVING


def test_a_clerk_calls_only_at_windows_they_operate(hall, make_user):
    from hall.services import ticket_call_next
    from tenants.choices import Role

    take(hall)
    stranger = make_user((hall["centre"], Role.WINDOW_CLERK))
    with pytest.raises(ApplicationError) as error:
        ticket_call_next(centre=hall["centre"], window=hall["windows"][0], acting_user=stranger, now=NOW)
    assert error.value.code == HallErrorCode.WINDOW_NOT_OPERATED


def test_serve_transfer_and_finish_write_the_public_visit(hall, clerk):
    from hall.models import HallEvent
    from hall.services import ticket_act, ticket_call_next, ticket_transfer
    from registry.models import HallVisit

    w1, _w2, w3 = hall["windows"]
    ticket = take(hall)
    ticket = ticket_call_next(centre=hall["centre"], window=w1, acting_user=clerk, now=NOW)
    ticket_act(centre=hall["centre"], ticket=ticket, action=TicketAction.START, window=w1, acting_user=clerk,
               now=NOW + dt.timedelta(minutes=1))
    ticket = ticket_transfer(centre=hall["centre"], ticket=ticket, window=w1, acting_user=clerk, to_queue=hall["B"],
                             now=NOW + dt.timedelta(minutes=3))
    assert ticket.status == TicketStatus.WAITING and ticket.queue == hall["B"]
    again = ticket_call_next(centre=hall["centre"], window=w3, acting_user=clerk, now=NOW + dt.timedelta(minutes=4))
    assert again.pk == ticket.pk
    ticket_act(centre=hall["centre"], ticket=again, action=TicketAction.START, window=w3, acting_user=clerk,
               now=NOW + dt.timedelta(minutes=5))
    done = ticket_act(centre=hall["centre"], ticket=again, action=TicketAction.FINISH, window=w3, acting_user=clerk,
                      now=NOW + dt.timedelta(minutes=12))
    visit = HallVisit.objects.get(ticket_id=done.pk)
    assert (visit.status, visit.window_number, visit.clerk_id, visit.queue_letter) == ("done", "3", clerk.pk, "B")
    called = HallEvent.objects.filter(ticket=done, kind="called").last()
    assert called.data["say_zh"] == "请A001号到3号窗口"


def test_sms_when_three_are_ahead(hall, clerk):
    from hall.services import ticket_call_next
    from notifications.models import OutboxMessage

    for _ in range(4):
        take(hall)
    mine = take(hall, mobile="１３８ ００１３ ８０００")
    assert not OutboxMessage.objects.filter(template_key="hall_near_turn").exists()
    ticket_call_next(centre=hall["centre"], window=hall["windows"][0], acting_user=clerk, now=NOW)
    message = OutboxMessage.objects.get(template_key="hall_near_turn")
    assert mine.code in message.body and "3" in message.body


def book(hall, **kwargs):
    from hall.choices import BookingChannel
    from hall.services import appointment_book

    values = {"centre": hall["centre"], "queue": hall["A"], "day": TOMORROW, "starts_at": dt.time(9, 30),
              "name": "王秀兰", "mobile": "13800138000", "id_number": "610103195503150029",
              "channel": BookingChannel.ONLINE, "now": NOW}
    return appointment_book(**{**values, **kwargs})


def test_booking_a_slot_full_twice_or_on_a_closure(hall):
    from hall.models import Appointment
    from notifications.models import OutboxMessage
    from workcalendar.services import closure_add

    appointment = book(hall)
    assert OutboxMessage.objects.filter(template_key="hall_appointment_booked", body__contains=appointment.code)
    with pytest.raises(ConflictError) as twice:
        book(hall)
    assert twice.value.code == HallErrorCode.ALREADY_BOOKED
    book(hall, id_number="610116198001011235", mobile="13900139000")
    with pytest.raises(ApplicationError) as full:
        book(hall, id_number="610103198506151004", mobile="13700137000")
    assert full.value.code == HallErrorCode.SLOT_FULL
    closure_add(centre=hall["centre"], date=TOMORROW + dt.timedelta(days=1), reason="停电", acting_user=None)
    with pytest.raises(ApplicationError) as closed:
        book(hall, day=TOMORROW + dt.timedelta(days=1), id_number="610103198506151004", mobile="13700137000")
    assert closed.value.code == HallErrorCode.NOT_WORKING_DAY
    assert Appointment.objects.count() == 2


def test_check_in_gives_a_ticket_called_first_when_due(hall, clerk):
    from hall.services import appointment_check_in, ticket_call_next

    appointment = book(hall, day=NOW.date(), starts_at=dt.time(10, 0))
    walk_in = take(hall)
    ticket = appointment_check_in(centre=hall["centre"], now=NOW, id_number="６１０１０３１９５５０３１５００２９")
    assert ticket.appointment_id == appointment.pk and ticket.code == "A002"
    called = ticket_call_next(centre=hall["centre"], window=hall["windows"][0], acting_user=clerk, now=NOW)
    assert called.pk == ticket.pk
    assert walk_in.status == TicketStatus.WAITING


def test_repeated_no_shows_suspend_online_booking_only(hall):
    from hall.choices import BookingChannel
    from hall.models import Appointment
    from hall.services import appointments_mark_no_show

    for n in range(3):
        Appointment.objects.create(code=f"9000000{n}", queue=hall["A"], day=NOW.date() - dt.timedelta(days=7 + n),
                                   starts_at=dt.time(9), ends_at=dt.time(9, 30), name="王秀兰", mobile="x",
                                   person_hmac="p", id_hmac="p", mobile_hmac="m", channel="online")
    assert appointments_mark_no_show(now=NOW) == 3
    from common.identity import identity_hmac

    Appointment.objects.update(person_hmac=identity_hmac("610103195503150029"))
    with pytest.raises(ApplicationError) as error:
        book(hall)
    assert error.value.code == HallErrorCode.BOOKING_SUSPENDED
    assert book(hall, channel=BookingChannel.PHONE).status == "booked"


def test_a_closure_moves_the_day_s_appointments_and_tells_the_applicants(hall):
    from hall.services import appointments_reschedule
    from notifications.models import OutboxMessage
    from workcalendar.services import closure_add

    appointment = book(hall)
    closure_add(centre=hall["centre"], date=TOMORROW, reason="停电", acting_user=None)
    moved, cancelled = appointments_reschedule(centre=hall["centre"], first_day=TOMORROW, last_day=TOMORROW,
                                               reason="停止办公日调整", now=NOW)
    appointment.refresh_from_db()
    assert (moved, cancelled) == (1, 0) and appointment.day == dt.date(2026, 12, 3)
    assert OutboxMessage.objects.filter(template_key="hall_appointment_moved", body__contains=appointment.code)
