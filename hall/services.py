"""Writes of the hall: queues, taking tickets, calling them to windows, appointments and SMS codes.

Every write runs in the centre's schema (a request on its host, or hall.door) and in one transaction;
the hall's public mirror (registry.HallVisit), its event (hall.events, NOTIFY on commit) and its SMS
(the outbox) are written in that same transaction, so a refused or failed write leaves nothing behind:
ticket numbers stay gapless (the day's counter is counted up in the ticket's transaction and a refusal
rolls it back), and two kiosks or two windows at the same moment never share a number or a ticket (the
counter's row lock; `FOR UPDATE SKIP LOCKED` for calling).

Errors are `common.errors.ApplicationError` (409 `ConflictError` for a race lost) with the codes of
`hall.error_codes`, and `case_invalid_applicant` (cases' rules for names, ID numbers and mobiles).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import door as cases_door
from cases.choices import ApplicantKind, Channel
from catalog.selectors import centre_catalogue
from common import crypto
from common.errors import ApplicationError, ConflictError
from common.identity import identity_hmac, normalise_identifier, normalise_mobile, recipient_hmac
from hall.choices import (
    ACTION_EVENT,
    BOOKING_HORIZON_WORKDAYS,
    CHECK_IN_EARLY,
    CODE_TRIES,
    CODE_VALID,
    CODES_PER_HOUR,
    LIVE,
    NEAR_TURN_AHEAD,
    TRANSITIONS,
    AppointmentStatus,
    BookingChannel,
    HallEventKind,
    Priority,
    TicketAction,
    TicketSource,
    TicketStatus,
)
from hall.error_codes import HallErrorCode
from hall.events import event_record
from hall.models import Appointment, AppointmentSlot, HallDevice, PhoneCode, Queue, Ticket, TicketDay
from hall.selectors import in_calling_order, people_ahead, slot_grid, slots_free
from notifications.services import outbox_enqueue
from registry.hooks import CounterRated, counter_rated
from registry.models import HallVisit
from tenants.addresses import centre_address
from tenants.choices import Role
from tenants.models import Centre, User
from tenants.selectors import user_roles_in
from windows.models import Window
from workcalendar.clock import WorkCalendar

#: SMS templates (notifications.services.DEFAULT_TEMPLATES).
NEAR_TURN_TEMPLATE = "hall_near_turn"
BOOKED_TEMPLATE = "hall_appointment_booked"
REMINDER_TEMPLATE = "hall_appointment_reminder"
MOVED_TEMPLATE = "hall_appointment_moved"
CANCELLED_TEMPLATE = "hall_appointment_cancelled"
CODE_TEMPLATE = "hall_phone_code"

#: Users who may call at any window of the centre (clerks call at the windows they may operate).
HALL_MANAGERS = frozenset({Role.CENTRE_ADMIN, Role.CHIEF_REPRESENTATIVE})


def local(now: dt.datetime) -> dt.datetime:
    return timezone.localtime(now)


def _error(message, code: str, **extra) -> ApplicationError:
    return ApplicationError(message, code, extra or None)


# --- queues ----------------------------------------------------------------------------------------

@transaction.atomic
def queue_save(*, letter: str, name_zh: str, name_en: str, window_ids: Sequence[int] = (),
               department_codes: Sequence[str] = (), item_codes: Sequence[str] = (),
               opens_at: dt.time = dt.time(9), closes_at: dt.time = dt.time(17), daily_tickets: int = 200,
               slot_minutes: int = 30, slot_capacity: int = 4, service_minutes: int = 10,
               queue: Queue | None = None) -> Queue:
    """Create a queue (or change `queue`): its letter unique at the centre, its windows the centre's.
    Raises Django's `ValidationError` (per field) for a bad letter, hours or number."""
    queue = queue or Queue()
    queue.letter = (letter or "").strip().upper()
    for field, value in (("name_zh", name_zh.strip()), ("name_en", name_en.strip()),
                         ("department_codes", [c.strip().upper() for c in department_codes if c.strip()]),
                         ("item_codes", [c.strip() for c in item_codes if c.strip()]), ("opens_at", opens_at),
                         ("closes_at", closes_at), ("daily_tickets", daily_tickets), ("slot_minutes", slot_minutes),
                         ("slot_capacity", slot_capacity), ("service_minutes", service_minutes)):
        setattr(queue, field, value)
    queue.full_clean()
    queue.save()
    queue.windows.set(Window.objects.filter(pk__in=list(window_ids)))
    return queue


# --- devices ---------------------------------------------------------------------------------------

def device_key_hash(key: str) -> str:
    return hashlib.sha256((key or "").strip().encode()).hexdigest()


@transaction.atomic
def device_register(*, kind: str, name: str, acting_user: User | None, window: Window | None = None
                    ) -> tuple[HallDevice, str]:
    """Register a kiosk, screen, rating pad or caller: (the device, its secret key, shown once). A pad or
    a caller needs its window. Raises Django's `ValidationError`."""
    key = secrets.token_urlsafe(24)
    return device_register_with_key(kind=kind, name=name, key=key, acting_user=acting_user, window=window), key


#: A key chosen by the caller is at least this long (a random one is 32 characters).
DEVICE_KEY_MIN = 24


@transaction.atomic
def device_register_with_key(*, kind: str, name: str, key: str, acting_user: User | None,
                             window: Window | None = None) -> HallDevice:
    """Register a device with a key the caller chose (the demo's, derived from the installation's secret so
    it can be shown again; at least `DEVICE_KEY_MIN` characters). Raises Django's `ValidationError`."""
    if len((key or "").strip()) < DEVICE_KEY_MIN:
        raise ValueError("a device key has at least 24 characters")
    device = HallDevice(kind=kind, name=name.strip(), window=window, key_hash=device_key_hash(key),
                        created_by_id=acting_user.pk if acting_user else None)
    device.full_clean()
    device.save()
    return device


def device_by_key(*, key: str, kinds: Sequence[str] | None = None, now: dt.datetime | None = None
                  ) -> HallDevice | None:
    """The active device whose key this is (of one of `kinds`), its last-seen time noted at most once a
    minute; None for an unknown, retired or other-kind key."""
    device = HallDevice.objects.select_related("window").filter(key_hash=device_key_hash(key), is_active=True).first()
    if device is None or (kinds is not None and device.kind not in kinds):
        return None
    now = now or timezone.now()
    if device.last_seen_at is None or now - device.last_seen_at > dt.timedelta(minutes=1):
        HallDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
    return device


@transaction.atomic
def device_retire(*, device: HallDevice, acting_user: User | None) -> HallDevice:
    """Retire a device: its key stops working at once."""
    device.is_active, device.retired_by_id = False, acting_user.pk if acting_user else None
    HallDevice.objects.filter(pk=device.pk).update(is_active=False, retired_by_id=device.retired_by_id)
    return device


# --- opening hours and the calendar -----------------------------------------------------------------

def is_working_day(*, centre: Centre, day: dt.date, calendar: WorkCalendar | None = None) -> bool:
    return (calendar or WorkCalendar.for_centre(centre.pk)).kind(day)[0]


def _require_open(*, centre: Centre, queue: Queue, now: dt.datetime) -> None:
    here = local(now)
    if not is_working_day(centre=centre, day=here.date()):
        raise _error(_("The hall is closed today (not a working day). Book an appointment for a working day."),
                     HallErrorCode.NOT_WORKING_DAY)
    if not queue.opens_at <= here.time() < queue.closes_at:
        raise _error(_("Queue %(letter)s gives tickets from %(opens)s to %(closes)s.")
                     % {"letter": queue.letter, "opens": f"{queue.opens_at:%H:%M}",
                        "closes": f"{queue.closes_at:%H:%M}"}, HallErrorCode.QUEUE_CLOSED)


# --- the public mirror and the SMS -----------------------------------------------------------------

def _visit_fields(ticket: Ticket) -> dict:
    return {"status": ticket.status, "called_at": ticket.called_at, "started_at": ticket.started_at,
            "finished_at": ticket.finished_at, "window_number": ticket.window.number if ticket.window else "",
            "clerk_id": ticket.clerk_id, "case_id": ticket.case_id, "queue_letter": ticket.queue.letter,
            "priority": ticket.priority}


def _visit_update(ticket: Ticket) -> None:
    HallVisit.objects.filter(ticket_id=ticket.pk).update(**_visit_fields(ticket))


def ticket_url(*, centre: Centre, ticket: Ticket) -> str:
    """The absolute address of the ticket's live page (its QR code and SMS)."""
    return centre_address(slug=centre.slug, path=f"/hall/t/{ticket.token}/")


def _sms_context(centre: Centre) -> dict[str, str]:
    return {"centre_zh": centre.name_zh, "centre_en": centre.name_en or centre.name_zh}


# --- taking a ticket --------------------------------------------------------------------------------

def _next_number(*, queue: Queue, day: dt.date, walk_in: bool) -> tuple[int, int]:
    """Count the queue's day up by one, under the counter row's lock: (number, walk-ins so far)."""
    table = TicketDay._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (queue_id, day, last_number, walk_ins) VALUES (%s, %s, 1, %s) "  # noqa: S608
            f"ON CONFLICT (queue_id, day) DO UPDATE SET last_number = {table}.last_number + 1, "
            f"walk_ins = {table}.walk_ins + EXCLUDED.walk_ins RETURNING last_number, walk_ins",
            [queue.pk, day, int(walk_in)])
        number, walk_ins = cursor.fetchone()
    return number, walk_ins


def ticket_code(letter: str, number: int) -> str:
    """A023: the queue's letter and the day's number, three digits at least."""
    return f"{letter}{number:03d}"


@transaction.atomic
def ticket_take(*, centre: Centre, queue: Queue, source: str, now: dt.datetime, priority: int = Priority.NORMAL,
                mobile: str = "", item_code: str = "", acting_user: User | None = None,
                appointment: Appointment | None = None) -> Ticket:
    """Take the next number of `queue` today (at the kiosk, on a phone, by a clerk, or by checking in an
    appointment: `appointment`, whose time makes the ticket due then and whose tickets do not count
    against the day's limit). Raises `hall_not_working_day`, `hall_queue_closed`, `hall_tickets_run_out`
    (with `extra["slots"]`: the next free appointment slots) and `hall_invalid_mobile`."""
    if not queue.is_active:
        raise _error(_("This queue is not in service."), HallErrorCode.QUEUE_UNKNOWN)
    _require_open(centre=centre, queue=queue, now=now)
    clean_mobile = ""
    if mobile:
        clean_mobile = normalise_mobile(mobile) or ""
        if not clean_mobile:
            raise _error(_("Not a valid mobile phone number."), HallErrorCode.INVALID_MOBILE)
    day = local(now).date()
    walk_in = appointment is None
    number, walk_ins = _next_number(queue=queue, day=day, walk_in=walk_in)
    if walk_in and walk_ins > queue.daily_tickets:
        slots = [slot.as_dict() for slot in slots_free(centre=centre, queue=queue, now=now, limit=6)]
        raise _error(_("Today's tickets for queue %(letter)s have run out. Book an appointment at a free time "
                       "instead.") % {"letter": queue.letter}, HallErrorCode.TICKETS_RUN_OUT, slots=slots)
    due_at = None
    if appointment is not None:
        due_at = timezone.make_aware(dt.datetime.combine(appointment.day, appointment.starts_at))
        priority = max(priority, Priority.NORMAL)
    ticket = Ticket.objects.create(
        queue=queue, day=day, number=number, code=ticket_code(queue.letter, number), token=secrets.token_urlsafe(16),
        source=source, priority=priority, item_code=item_code or (appointment.item_code if appointment else ""),
        mobile=crypto.encrypt(clean_mobile) if clean_mobile else "", appointment=appointment, due_at=due_at,
        taken_at=now, queued_at=now, issued_by_id=acting_user.pk if acting_user else None)
    HallVisit.objects.create(centre=centre, ticket_id=ticket.pk, day=day, code=ticket.code, source=source,
                             by_appointment=appointment is not None, taken_at=now, **_visit_fields(ticket))
    event_record(ticket=ticket, kind=HallEventKind.TAKEN, actor_id=acting_user.pk if acting_user else None, at=now)
    if clean_mobile and people_ahead(ticket=ticket, now=now) <= NEAR_TURN_AHEAD:
        Ticket.objects.filter(pk=ticket.pk).update(near_turn_sent=True)  # already near: no SMS needed
    return ticket


# --- calling ----------------------------------------------------------------------------------------

def may_operate(*, user: User | None, centre: Centre, window: Window) -> bool:
    """A centre administrator or chief representative at any window; a clerk at the windows they may
    operate (windows.operate_window)."""
    if user is None:
        return False
    if user_roles_in(user=user, centre=centre) & HALL_MANAGERS:
        return True
    return user.has_perm("windows.operate_window", window)


def _require_window(*, user: User | None, centre: Centre, window: Window) -> None:
    if not window.is_active or not may_operate(user=user, centre=centre, window=window):
        raise ApplicationError(_("You may not call at window %(number)s.") % {"number": window.number},
                               HallErrorCode.WINDOW_NOT_OPERATED, http_status=403)


def window_operator_check(*, user: User | None, centre: Centre, window: Window) -> None:
    """Raise `hall_window_not_operated` (403: the centre's own staff, not allowed here) unless `user` may
    call at `window` (`may_operate`, the window in service): what every calling service checks first."""
    _require_window(user=user, centre=centre, window=window)


def _window_busy(window: Window, day: dt.date) -> Ticket | None:
    return (Ticket.objects.filter(day=day, window=window, status__in=[TicketStatus.CALLED, TicketStatus.SERVING])
            .select_related("queue").first())


def _near_turn_sms(*, centre: Centre, queue: Queue, day: dt.date, now: dt.datetime) -> None:
    """SMS the holders of the tickets that now have three or fewer ahead of them (once each): the head of
    the line in the database, in calling order (loading the whole line made every call O(waiting): 72 ms
    a call with 1,000 waiting, platform/bench/hall_bench.py)."""
    head = in_calling_order(Ticket.objects.filter(queue=queue, day=day, status=TicketStatus.WAITING,
                                                  for_window__isnull=True), now=now)[:NEAR_TURN_AHEAD + 1]
    near = [t for t in head if t.mobile and not t.near_turn_sent]
    for ticket in near:
        outbox_enqueue(dedupe_key=f"hall-near:{centre.pk}:{ticket.pk}", to=crypto.decrypt(ticket.mobile),
                       template_key=NEAR_TURN_TEMPLATE, centre_id=centre.pk,
                       context={**_sms_context(centre), "ticket": ticket.code, "ahead": str(NEAR_TURN_AHEAD),
                                "url": ticket_url(centre=centre, ticket=ticket)})
    if near:
        Ticket.objects.filter(pk__in=[t.pk for t in near]).update(near_turn_sent=True)


@transaction.atomic
def ticket_call_next(*, centre: Centre, window: Window, acting_user: User | None, now: dt.datetime) -> Ticket:
    """Call the next ticket to `window`: appointments due now first, then the green channel and priority,
    then everyone in the order they joined the queue; only the queues the window serves, and tickets
    transferred to this window. Two windows calling at once get two tickets (`SKIP LOCKED`). Raises
    `hall_window_not_operated`, `hall_window_not_serving`, `hall_conflict` (the window still has a
    ticket called or in service) and `hall_nobody_waiting`."""
    _require_window(user=acting_user, centre=centre, window=window)
    day = local(now).date()
    queue_ids = list(window.queues.filter(is_active=True).values_list("pk", flat=True))
    busy = _window_busy(window, day)
    if busy is not None:
        raise ConflictError(_("Window %(number)s still has %(ticket)s (%(status)s): finish it, or mark it as not "
                              "come, before calling the next.")
                            % {"number": window.number, "ticket": busy.code, "status": busy.get_status_display()},
                            HallErrorCode.CONFLICT, {"ticket": busy.code})
    serving = Q(queue_id__in=queue_ids, for_window__isnull=True) | Q(for_window=window)
    if not queue_ids and not Ticket.objects.filter(day=day, for_window=window, status=TicketStatus.WAITING).exists():
        raise _error(_("Window %(number)s serves no queue.") % {"number": window.number},
                     HallErrorCode.WINDOW_NOT_SERVING)
    ticket = in_calling_order(Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                              .filter(serving, day=day, status=TicketStatus.WAITING), now=now
                              ).select_related("queue").first()
    if ticket is None:
        raise _error(_("Nobody is waiting for window %(number)s.") % {"number": window.number},
                     HallErrorCode.NOBODY_WAITING)
    _apply(ticket=ticket, action=TicketAction.CALL, window=window, acting_user=acting_user, now=now)
    _near_turn_sms(centre=centre, queue=ticket.queue, day=day, now=now)
    return ticket


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).select_related("queue", "window").get(pk=ticket.pk)


def _apply(*, ticket: Ticket, action: str, window: Window | None, acting_user: User | None,
           now: dt.datetime) -> Ticket:
    sources, target = TRANSITIONS[action]
    if ticket.status not in sources:
        raise ConflictError(_("%(ticket)s is %(status)s: it cannot be given “%(action)s”.")
                            % {"ticket": ticket.code, "status": ticket.get_status_display(),
                               "action": TicketAction(action).label}, HallErrorCode.TRANSITION_NOT_ALLOWED)
    ticket.status = target
    actor_id = acting_user.pk if acting_user else None
    if action in (TicketAction.CALL, TicketAction.RECALL):
        ticket.window = window
        ticket.called_at = ticket.called_at if action == TicketAction.RECALL else now
        ticket.clerk_id = actor_id
        ticket.recalls += int(action == TicketAction.RECALL)
        ticket.for_window = None
    elif action == TicketAction.START:
        ticket.started_at = now
        ticket.clerk_id = actor_id or ticket.clerk_id
    elif action in (TicketAction.FINISH, TicketAction.NO_SHOW, TicketAction.CANCEL):
        ticket.finished_at = now
    ticket.save()
    _visit_update(ticket)
    event_window = ticket.window if action != TicketAction.CANCEL else None
    event_record(ticket=ticket, kind=ACTION_EVENT[action], window_number=event_window.number if event_window else "",
                 window_id=event_window.pk if event_window else None, actor_id=actor_id, at=now)
    return ticket


@transaction.atomic
def ticket_act(*, centre: Centre, ticket: Ticket, action: str, window: Window, acting_user: User | None,
               now: dt.datetime) -> Ticket:
    """Call `ticket` itself (a chosen one), call it again, mark it as not come, start or finish serving it,
    at `window`. Raises `hall_window_not_operated`, `hall_window_not_serving` (calling a ticket of a queue
    the window does not serve) and `hall_transition_not_allowed` (409: e.g. another window called it
    first)."""
    _require_window(user=acting_user, centre=centre, window=window)
    ticket = _locked(ticket)
    if action == TicketAction.CALL:
        serves = ticket.for_window_id == window.pk or (
            ticket.for_window_id is None and window.queues.filter(pk=ticket.queue_id).exists())
        if not serves:
            raise _error(_("Window %(number)s does not serve queue %(letter)s.")
                         % {"number": window.number, "letter": ticket.queue.letter}, HallErrorCode.WINDOW_NOT_SERVING)
        busy = _window_busy(window, ticket.day)
        if busy is not None and busy.pk != ticket.pk:
            raise ConflictError(_("Window %(number)s still has %(ticket)s: finish it first.")
                                % {"number": window.number, "ticket": busy.code}, HallErrorCode.CONFLICT)
    elif ticket.status != TicketStatus.WAITING and ticket.window_id != window.pk:
        raise ConflictError(_("%(ticket)s is at window %(other)s, not %(number)s.")
                            % {"ticket": ticket.code, "other": ticket.window.number if ticket.window else "-",
                               "number": window.number}, HallErrorCode.TRANSITION_NOT_ALLOWED)
    _apply(ticket=ticket, action=action, window=window, acting_user=acting_user, now=now)
    if action in (TicketAction.CALL, TicketAction.NO_SHOW):
        _near_turn_sms(centre=centre, queue=ticket.queue, day=ticket.day, now=now)
    return ticket


@transaction.atomic
def ticket_transfer(*, centre: Centre, ticket: Ticket, window: Window, acting_user: User | None, now: dt.datetime,
                    to_queue: Queue | None = None, to_window: Window | None = None) -> Ticket:
    """Send a ticket called or served at `window` on to another queue (it keeps its number and its place
    by the time it was taken) or to one window (only that window calls it next). Raises
    `hall_window_not_serving` when `to_window` serves none of the queues and is not named explicitly."""
    _require_window(user=acting_user, centre=centre, window=window)
    ticket = _locked(ticket)
    if (to_queue is None) == (to_window is None):
        raise _error(_("Choose one queue or one window to transfer to."), HallErrorCode.QUEUE_UNKNOWN)
    if ticket.status != TicketStatus.WAITING and ticket.window_id != window.pk:
        raise ConflictError(_("%(ticket)s is at window %(other)s, not %(number)s.")
                            % {"ticket": ticket.code, "other": ticket.window.number if ticket.window else "-",
                               "number": window.number}, HallErrorCode.TRANSITION_NOT_ALLOWED)
    if to_window is not None and (not to_window.is_active or to_window.pk == window.pk):
        raise _error(_("Choose another window that is in service."), HallErrorCode.WINDOW_NOT_SERVING)
    if to_queue is not None and not to_queue.is_active:
        raise _error(_("This queue is not in service."), HallErrorCode.QUEUE_UNKNOWN)
    _apply(ticket=ticket, action=TicketAction.TRANSFER, window=window, acting_user=acting_user,
           now=now)
    if to_queue is not None:
        ticket.queue = to_queue
    ticket.for_window = to_window
    ticket.window = None
    ticket.called_at = ticket.started_at = None
    ticket.save(update_fields=["queue", "for_window", "window", "called_at", "started_at"])
    _visit_update(ticket)
    return ticket


@transaction.atomic
def ticket_cancel(*, ticket: Ticket, now: dt.datetime) -> Ticket:
    """The holder gives up a waiting ticket (on its live page)."""
    return _apply(ticket=_locked(ticket), action=TicketAction.CANCEL, window=None, acting_user=None,
                  now=now)


@dataclass(frozen=True)
class CaseDraft:
    """What a case opened from a ticket is pre-filled with (the appointment's applicant, the ticket's item
    and mobile)."""

    item_code: str
    applicant_kind: str
    applicant_name: str
    applicant_id_number: str
    phone: str


def ticket_case_draft(*, ticket: Ticket) -> CaseDraft:
    appointment = ticket.appointment
    id_number = crypto.decrypt(appointment.id_number) if appointment and appointment.id_number else ""
    kind = ApplicantKind.ORGANISATION if len(id_number) == 18 and not id_number[:17].isdigit() else ApplicantKind.PERSON
    mobile = ticket.mobile or (appointment.mobile if appointment else "")
    return CaseDraft(item_code=ticket.item_code, applicant_kind=kind,
                     applicant_name=appointment.name if appointment else "", applicant_id_number=id_number,
                     phone=crypto.decrypt(mobile) if mobile else "")


@transaction.atomic
def ticket_case_open(*, centre: Centre, ticket: Ticket, window: Window, acting_user: User, now: dt.datetime,
                     item_code: str, applicant_kind: str, applicant_name: str, applicant_id_number: str, phone: str,
                     provided_material_ids: list[int] | None = None) -> cases_door.Case:
    """Open a case at the window from the ticket being served there (a called ticket starts its service),
    linked to the ticket (and its hall visit, so the counter review names the case). Raises the errors of
    `cases.door.case_file` and `hall_transition_not_allowed` when the ticket already has a case."""
    _require_window(user=acting_user, centre=centre, window=window)
    ticket = _locked(ticket)
    if ticket.case_id is not None:
        raise ConflictError(_("%(ticket)s already has case %(number)s.")
                            % {"ticket": ticket.code, "number": ticket.case_number},
                            HallErrorCode.TRANSITION_NOT_ALLOWED)
    if ticket.window_id != window.pk or ticket.status not in (TicketStatus.CALLED, TicketStatus.SERVING):
        raise ConflictError(_("Open a case from the ticket being served at your window."),
                            HallErrorCode.TRANSITION_NOT_ALLOWED)
    if ticket.status == TicketStatus.CALLED:
        _apply(ticket=ticket, action=TicketAction.START, window=window, acting_user=acting_user,
               now=now)
    result = cases_door.case_file(centre=centre, item_code=item_code, applicant_kind=applicant_kind,
                                  applicant_name=applicant_name, applicant_id_number=applicant_id_number, phone=phone,
                                  channel=Channel.WINDOW, acting_user=acting_user,
                                  provided_material_ids=provided_material_ids, now=now)
    ticket.case_id, ticket.case_number = result.case.pk, result.case.number
    ticket.item_code = item_code
    ticket.save(update_fields=["case_id", "case_number", "item_code"])
    _visit_update(ticket)
    return result.case


#: What an SMS code is sent for (`PhoneCode.purpose`).
PHONE_CODE_TICKET = "ticket"
PHONE_CODE_BOOKING = "booking"
PHONE_CODE_PURPOSES = (PHONE_CODE_TICKET, PHONE_CODE_BOOKING)


# --- SMS codes --------------------------------------------------------------------------------------

def _code_hmac(mobile: str, purpose: str, code: str) -> str:
    return identity_hmac(f"hall-code:{purpose}:{mobile}:{code}")


def _clean_mobile(mobile: str) -> str:
    clean = normalise_mobile(mobile)
    if not clean:
        raise ApplicationError(_("Not a valid mobile phone number."), HallErrorCode.INVALID_MOBILE,
                               {"fields": {"mobile": [_("Not a valid mobile phone number.")]}})
    return clean


@transaction.atomic
def phone_code_send(*, centre: Centre, mobile: str, purpose: str, now: dt.datetime) -> PhoneCode:
    """Send a 6-digit code to `mobile` for `purpose` ("ticket" or "booking"); at most `CODES_PER_HOUR` an
    hour to one mobile (`hall_code_too_many`)."""
    clean = _clean_mobile(mobile)
    mobile_hmac = recipient_hmac(clean)
    recent = PhoneCode.objects.filter(mobile_hmac=mobile_hmac, sent_at__gte=now - dt.timedelta(hours=1)).count()
    if recent >= CODES_PER_HOUR:
        raise _error(_("Too many codes were sent to this mobile; try again in an hour."), HallErrorCode.CODE_TOO_MANY)
    code = f"{secrets.randbelow(1_000_000):06d}"
    sent = PhoneCode.objects.create(mobile_hmac=mobile_hmac, purpose=purpose, sent_at=now,
                                    code_hmac=_code_hmac(clean, purpose, code))
    outbox_enqueue(dedupe_key=f"hall-code:{centre.pk}:{sent.pk}", to=clean, template_key=CODE_TEMPLATE,
                   centre_id=centre.pk, context={**_sms_context(centre), "code": code,
                                                 "minutes": str(int(CODE_VALID.total_seconds() // 60))})
    return sent


def phone_code_check(*, mobile: str, purpose: str, code: str, now: dt.datetime) -> str:
    """Spend the latest valid code sent to `mobile` for `purpose` if `code` is it: the normalised mobile.
    Raises `hall_code_wrong` (a wrong, expired or spent code; `CODE_TRIES` wrong tries spend it). Commits
    the count of a wrong try unless it runs inside a transaction of the caller's that rolls back (call it
    outside one, or as `appointment_book_online` does)."""
    clean = _clean_mobile(mobile)
    with transaction.atomic():
        sent = (PhoneCode.objects.select_for_update()
                .filter(mobile_hmac=recipient_hmac(clean), purpose=purpose, used_at__isnull=True,
                        sent_at__gte=now - CODE_VALID, tries__lt=CODE_TRIES).order_by("-sent_at", "-pk").first())
        if sent is not None and secrets.compare_digest(sent.code_hmac, _code_hmac(clean, purpose,
                                                                                   "".join((code or "").split()))):
            sent.used_at = now
            sent.save(update_fields=["used_at"])
            return clean
        if sent is not None:
            PhoneCode.objects.filter(pk=sent.pk).update(tries=sent.tries + 1)
    raise ApplicationError(_("The code is wrong or has expired; ask for a new one."), HallErrorCode.CODE_WRONG,
                           {"fields": {"code": [_("The code is wrong or has expired; ask for a new one.")]}})


def ticket_take_by_phone(*, centre: Centre, queue: Queue, mobile: str, code: str, now: dt.datetime) -> Ticket:
    """Take a ticket of `queue` on a phone (手机取号) with the SMS code sent to `mobile` (purpose "ticket"),
    the ticket's SMS going to that mobile. The queue is checked first (in service, a working day, opening
    hours), so a code is not spent on a refusal known beforehand; a wrong code counts as a try (committed:
    do not call this inside another transaction) and takes nothing. Raises `hall_queue_unknown`,
    `hall_not_working_day`, `hall_queue_closed`, `hall_invalid_mobile`, `hall_code_wrong` and
    `hall_tickets_run_out` (with `extra["slots"]`)."""
    if not queue.is_active:
        raise _error(_("This queue is not in service."), HallErrorCode.QUEUE_UNKNOWN)
    _require_open(centre=centre, queue=queue, now=now)
    clean = phone_code_check(mobile=mobile, purpose=PHONE_CODE_TICKET, code=code, now=now)
    return ticket_take(centre=centre, queue=queue, source=TicketSource.PHONE, now=now, mobile=clean)


# --- appointments -----------------------------------------------------------------------------------

def slot_end(queue: Queue, starts_at: dt.time) -> dt.time | None:
    return dict(slot_grid(queue)).get(starts_at)


def _check_slot(*, centre: Centre, queue: Queue, day: dt.date, starts_at: dt.time, now: dt.datetime,
                calendar: WorkCalendar | None = None) -> dt.time:
    ends_at = slot_end(queue, starts_at)
    if ends_at is None:
        raise _error(_("Queue %(letter)s has no slot at %(time)s.") % {"letter": queue.letter,
                                                                      "time": f"{starts_at:%H:%M}"},
                     HallErrorCode.SLOT_UNKNOWN)
    calendar = calendar or WorkCalendar.for_centre(centre.pk)
    if not calendar.kind(day)[0]:
        raise _error(_("%(day)s is not a working day of this centre (a weekend, a holiday or a closure).")
                     % {"day": day.isoformat()}, HallErrorCode.NOT_WORKING_DAY)
    here = local(now)
    if timezone.make_aware(dt.datetime.combine(day, ends_at)) <= here:
        raise _error(_("This slot has passed; choose a later one."), HallErrorCode.SLOT_PAST)
    horizon = calendar.add_workdays(here.date(), BOOKING_HORIZON_WORKDAYS).date
    if day > horizon:
        raise _error(_("Appointments can be booked up to %(days)s working days ahead.")
                     % {"days": BOOKING_HORIZON_WORKDAYS}, HallErrorCode.SLOT_UNKNOWN)
    return ends_at


def _slot_take(*, queue: Queue, day: dt.date, starts_at: dt.time) -> None:
    table = AppointmentSlot._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (queue_id, day, starts_at, booked) VALUES (%s, %s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (queue_id, day, starts_at) DO UPDATE SET booked = {table}.booked + 1 "
            f"WHERE {table}.booked < %s RETURNING booked", [queue.pk, day, starts_at.isoformat(), queue.slot_capacity])
        if queue.slot_capacity < 1 or cursor.fetchone() is None:
            raise _error(_("This slot is full; choose another."), HallErrorCode.SLOT_FULL)


def _slot_release(appointment: Appointment) -> None:
    AppointmentSlot.objects.filter(queue_id=appointment.queue_id, day=appointment.day,
                                   starts_at=appointment.starts_at, booked__gt=0).update(booked=F("booked") - 1)


def booking_suspended_until(*, person_hmac: str, today: dt.date) -> dt.date | None:
    """The day online booking opens again for a person with repeated no-shows (None: not suspended):
    `HALL_NO_SHOW_LIMIT` no-shows within `HALL_NO_SHOW_WINDOW_DAYS` days suspend it for
    `HALL_SUSPENSION_DAYS` days from the last one."""
    limit, window, days = settings.HALL_NO_SHOW_LIMIT, settings.HALL_NO_SHOW_WINDOW_DAYS, settings.HALL_SUSPENSION_DAYS
    missed = list(Appointment.objects.filter(person_hmac=person_hmac, status=AppointmentStatus.NO_SHOW,
                                             day__gte=today - dt.timedelta(days=window))
                  .order_by("-day").values_list("day", flat=True)[:limit])
    if len(missed) < limit:
        return None
    until = missed[0] + dt.timedelta(days=days)
    return until if until > today else None


def _item_names(*, centre: Centre, queue: Queue, item_code: str, today: dt.date) -> tuple[str, str]:
    if not item_code:
        return "", ""
    adoption = (centre_catalogue(centre=centre, on=today).filter(item__code=item_code)
                .select_related("item__current_version", "item__department").first())
    if adoption is None:
        raise _error(_("This centre does not handle item %(code)s.") % {"code": item_code},
                     HallErrorCode.ITEM_NOT_SERVED)
    item = adoption.item
    if queue.item_codes or queue.department_codes:
        if item.code not in queue.item_codes and item.department.code not in queue.department_codes:
            raise _error(_("Queue %(letter)s does not serve this item.") % {"letter": queue.letter},
                         HallErrorCode.ITEM_NOT_SERVED)
    version = item.current_version
    return (version.name_zh, version.name_en) if version else (item.code, item.code)


def _appointment_sms(*, centre: Centre, appointment: Appointment, template: str, reason: str = "") -> None:
    key = f"hall-{template}:{centre.pk}:{appointment.pk}:{appointment.moves}:{appointment.status}"
    outbox_enqueue(dedupe_key=key, to=crypto.decrypt(appointment.mobile), template_key=template, centre_id=centre.pk,
                   context={**_sms_context(centre), "code": appointment.code, "queue": appointment.queue.letter,
                            "slot": appointment.slot_label,
                            "item_zh": appointment.item_name_zh or appointment.queue.name_zh,
                            "item_en": appointment.item_name_en or appointment.queue.name_en, "reason": reason,
                            "url": centre_address(slug=centre.slug, path="/hall/appointments/")})


@transaction.atomic
def appointment_book(*, centre: Centre, queue: Queue, day: dt.date, starts_at: dt.time, name: str, mobile: str,
                     id_number: str, channel: str, now: dt.datetime, item_code: str = "",
                     applicant_kind: str = ApplicantKind.PERSON, acting_user: User | None = None) -> Appointment:
    """Book a slot of `queue` for an applicant (online, or by a clerk on the phone: `acting_user`), with an
    SMS confirming it and its code. Raises `case_invalid_applicant` (name, ID number or credit code,
    mobile), `hall_slot_unknown`, `hall_not_working_day`, `hall_slot_past`, `hall_slot_full`,
    `hall_already_booked`, `hall_booking_suspended` (online only, after repeated no-shows) and
    `hall_item_not_served`."""
    applicant = cases_door.applicant_check(kind=applicant_kind, name=name, id_number=id_number, phone=mobile)
    ends_at = _check_slot(centre=centre, queue=queue, day=day, starts_at=starts_at, now=now)
    today = local(now).date()
    item_zh, item_en = _item_names(centre=centre, queue=queue, item_code=item_code, today=today)
    id_hmac = identity_hmac(applicant.id_number)
    if channel == BookingChannel.ONLINE and (until := booking_suspended_until(person_hmac=id_hmac, today=today)):
        raise _error(_("Online booking is suspended until %(day)s after repeated missed appointments; book at the "
                       "hall or by phone.") % {"day": until.isoformat()}, HallErrorCode.BOOKING_SUSPENDED,
                     until=until.isoformat())
    if Appointment.objects.filter(person_hmac=id_hmac, queue=queue, day=day, status=AppointmentStatus.BOOKED).exists():
        raise ConflictError(_("This person already has an appointment in queue %(letter)s on %(day)s.")
                            % {"letter": queue.letter, "day": day.isoformat()}, HallErrorCode.ALREADY_BOOKED)
    _slot_take(queue=queue, day=day, starts_at=starts_at)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                appointment = Appointment.objects.create(
                    code=f"{secrets.randbelow(100_000_000):08d}", queue=queue, item_code=item_code,
                    item_name_zh=item_zh, item_name_en=item_en, day=day, starts_at=starts_at, ends_at=ends_at,
                    name=applicant.name, mobile=crypto.encrypt(applicant.phone),
                    id_number=crypto.encrypt(applicant.id_number), person_hmac=id_hmac, id_hmac=id_hmac,
                    mobile_hmac=recipient_hmac(applicant.phone), channel=channel,
                    booked_by_id=acting_user.pk if acting_user else None)
            break
        except IntegrityError as exc:
            if "hall_appointment_one_a_day" in str(exc):
                raise ConflictError(_("This person already has an appointment in queue %(letter)s on %(day)s.")
                                    % {"letter": queue.letter, "day": day.isoformat()},
                                    HallErrorCode.ALREADY_BOOKED) from exc
    else:  # pragma: no cover - five colliding random codes
        raise ConflictError(_("Please try again."), HallErrorCode.CONFLICT)
    _appointment_sms(centre=centre, appointment=appointment, template=BOOKED_TEMPLATE)
    return appointment


def _locked_appointment(appointment: Appointment) -> Appointment:
    locked = Appointment.objects.select_for_update(of=("self",)).select_related("queue").get(pk=appointment.pk)
    if locked.status != AppointmentStatus.BOOKED:
        raise ConflictError(_("This appointment is %(status)s.") % {"status": locked.get_status_display()},
                            HallErrorCode.APPOINTMENT_NOT_ACTIVE)
    return locked


@transaction.atomic
def appointment_cancel(*, centre: Centre, appointment: Appointment, now: dt.datetime, reason: str = "",
                       acting_user: User | None = None) -> Appointment:
    """Cancel a booked appointment (its slot freed) and tell the applicant by SMS."""
    appointment = _locked_appointment(appointment)
    _slot_release(appointment)
    appointment.status, appointment.cancelled_at = AppointmentStatus.CANCELLED, now
    appointment.cancel_reason = reason.strip()[:200]
    appointment.changed_by_id = acting_user.pk if acting_user else None
    appointment.save(update_fields=["status", "cancelled_at", "cancel_reason", "changed_by_id", "updated_at"])
    _appointment_sms(centre=centre, appointment=appointment, template=CANCELLED_TEMPLATE,
                     reason=appointment.cancel_reason)
    return appointment


@transaction.atomic
def appointment_move(*, centre: Centre, appointment: Appointment, day: dt.date, starts_at: dt.time, now: dt.datetime,
                     reason: str = "", acting_user: User | None = None) -> Appointment:
    """Move a booked appointment to another slot of its queue (the same checks as booking; the old slot
    freed) and tell the applicant by SMS."""
    appointment = _locked_appointment(appointment)
    queue = appointment.queue
    ends_at = _check_slot(centre=centre, queue=queue, day=day, starts_at=starts_at, now=now)
    if (day, starts_at) == (appointment.day, appointment.starts_at):
        return appointment
    if day != appointment.day and Appointment.objects.filter(
            person_hmac=appointment.person_hmac, queue=queue, day=day, status=AppointmentStatus.BOOKED).exists():
        raise ConflictError(_("This person already has an appointment in queue %(letter)s on %(day)s.")
                            % {"letter": queue.letter, "day": day.isoformat()}, HallErrorCode.ALREADY_BOOKED)
    _slot_take(queue=queue, day=day, starts_at=starts_at)
    _slot_release(appointment)
    appointment.day, appointment.starts_at, appointment.ends_at = day, starts_at, ends_at
    appointment.moves += 1
    appointment.reminded_at = None
    appointment.changed_by_id = acting_user.pk if acting_user else None
    appointment.save(update_fields=["day", "starts_at", "ends_at", "moves", "reminded_at", "changed_by_id",
                                    "updated_at"])
    _appointment_sms(centre=centre, appointment=appointment, template=MOVED_TEMPLATE, reason=reason.strip())
    return appointment


@transaction.atomic
def appointment_check_in(*, centre: Centre, now: dt.datetime, code: str = "", id_number: str = "",
                         source: str = TicketSource.APPOINTMENT) -> Ticket:
    """Check in today's appointment by its code or the applicant's ID number: a ticket of its queue, due at
    the appointment's time (called before walk-ins once due). Raises `hall_appointment_unknown`,
    `hall_appointment_not_today` (another day, or outside an hour before its slot to its end) and
    `hall_appointment_not_active`."""
    today = local(now).date()
    found = Appointment.objects.select_for_update(of=("self",)).select_related("queue")
    code = "".join((code or "").split())
    if code:
        appointment = found.filter(code=normalise_identifier(code)).first()
    else:
        todays = found.filter(id_hmac=identity_hmac(normalise_identifier(id_number)), day=today)
        # the booked one first; else one already checked in or cancelled today, to say so
        appointment = (todays.filter(status=AppointmentStatus.BOOKED).order_by("starts_at").first()
                       or todays.order_by("-updated_at").first()) if id_number else None
    if appointment is None:
        raise _error(_("No appointment was found for this code or ID number."), HallErrorCode.APPOINTMENT_UNKNOWN)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ConflictError(_("This appointment is %(status)s.") % {"status": appointment.get_status_display()},
                            HallErrorCode.APPOINTMENT_NOT_ACTIVE)
    starts = timezone.make_aware(dt.datetime.combine(appointment.day, appointment.starts_at))
    ends = timezone.make_aware(dt.datetime.combine(appointment.day, appointment.ends_at))
    if appointment.day != today or not starts - CHECK_IN_EARLY <= now <= ends:
        raise _error(_("This appointment is for %(slot)s; check in from an hour before it until it ends.")
                     % {"slot": appointment.slot_label}, HallErrorCode.APPOINTMENT_NOT_TODAY,
                     slot=appointment.slot_label)
    ticket = ticket_take(centre=centre, queue=appointment.queue, source=source, now=now,
                         mobile=crypto.decrypt(appointment.mobile), appointment=appointment)
    appointment.status, appointment.checked_in_at = AppointmentStatus.CHECKED_IN, now
    appointment.save(update_fields=["status", "checked_in_at", "updated_at"])
    return ticket


def appointments_mark_no_show(*, now: dt.datetime) -> int:
    """Booked appointments whose slot ended without a check-in become no-shows (counted against online
    booking). Returns how many."""
    here = local(now)
    ended = Q(day__lt=here.date()) | Q(day=here.date(), ends_at__lte=here.time())
    return Appointment.objects.filter(ended, status=AppointmentStatus.BOOKED).update(
        status=AppointmentStatus.NO_SHOW, updated_at=now)


def appointments_remind(*, centre: Centre, now: dt.datetime) -> int:
    """SMS a reminder, once, to every appointment on the next working day. Returns how many."""
    today = local(now).date()
    next_day = WorkCalendar.for_centre(centre.pk).add_workdays(today, 1).date
    count = 0
    for appointment in Appointment.objects.filter(day=next_day, status=AppointmentStatus.BOOKED,
                                                  reminded_at__isnull=True).select_related("queue"):
        with transaction.atomic():
            _appointment_sms(centre=centre, appointment=appointment, template=REMINDER_TEMPLATE)
            Appointment.objects.filter(pk=appointment.pk).update(reminded_at=now)
        count += 1
    return count


def appointments_reschedule(*, centre: Centre, first_day: dt.date, last_day: dt.date, reason: str,
                            now: dt.datetime) -> tuple[int, int]:
    """After the calendar changed (a closure, a holiday schedule): every booked appointment on a day that
    is no longer a working day moves to the same time on the next working day with room in that slot
    (within the booking horizon), or is cancelled; the applicant is told either way. Returns (moved,
    cancelled)."""
    calendar = WorkCalendar.for_centre(centre.pk)
    moved = cancelled = 0
    affected = Appointment.objects.filter(day__gte=max(first_day, local(now).date()), day__lte=last_day,
                                          status=AppointmentStatus.BOOKED).select_related("queue")
    for appointment in [a for a in affected if not calendar.kind(a.day)[0]]:
        day, target = appointment.day, None
        for _step in range(BOOKING_HORIZON_WORKDAYS):
            day = calendar.add_workdays(day, 1).date
            try:
                appointment_move(centre=centre, appointment=appointment, day=day, starts_at=appointment.starts_at,
                                 now=now, reason=reason)
            except ApplicationError as error:
                if error.code in (HallErrorCode.SLOT_FULL, HallErrorCode.ALREADY_BOOKED):
                    continue
                break
            target = day
            break
        if target is None:
            appointment_cancel(centre=centre, appointment=appointment, now=now, reason=reason)
            cancelled += 1
        else:
            moved += 1
    return moved, cancelled


def live_tickets_of_window(*, window: Window, day: dt.date) -> list[Ticket]:
    """The window's ticket called or in service (at most one)."""
    return list(Ticket.objects.filter(day=day, window=window, status__in=list(LIVE - {TicketStatus.WAITING}))
                .select_related("queue"))


# --- booking online with an SMS code ----------------------------------------------------------------

def appointment_code_send(*, centre: Centre, queue: Queue, day: dt.date, starts_at: dt.time, name: str, mobile: str,
                          id_number: str, now: dt.datetime, item_code: str = "",
                          applicant_kind: str = ApplicantKind.PERSON) -> PhoneCode:
    """The first step of booking online (网上预约): check what can be told to anyone (the applicant's details,
    the slot, the item), then send the SMS code to the mobile. Whether the person already has an
    appointment or is suspended is told only with the right code (`appointment_book_online`), so an ID
    number cannot be probed. Raises `case_invalid_applicant`, the slot's errors (`hall_slot_unknown`,
    `hall_not_working_day`, `hall_slot_past`, `hall_slot_full`), `hall_item_not_served` and
    `hall_code_too_many`."""
    cases_door.applicant_check(kind=applicant_kind, name=name, id_number=id_number, phone=mobile)
    _check_slot(centre=centre, queue=queue, day=day, starts_at=starts_at, now=now)
    if AppointmentSlot.objects.filter(queue=queue, day=day, starts_at=starts_at,
                                      booked__gte=queue.slot_capacity).exists():
        raise _error(_("This slot is full; choose another."), HallErrorCode.SLOT_FULL)
    _item_names(centre=centre, queue=queue, item_code=item_code, today=local(now).date())
    return phone_code_send(centre=centre, mobile=mobile, purpose=PHONE_CODE_BOOKING, now=now)


def appointment_book_online(*, centre: Centre, queue: Queue, day: dt.date, starts_at: dt.time, name: str,
                            mobile: str, id_number: str, code: str, now: dt.datetime, item_code: str = "",
                            applicant_kind: str = ApplicantKind.PERSON) -> Appointment:
    """Book online with the SMS code `appointment_code_send` sent: the applicant's details first (their
    errors shown whatever the code), then the code, then `appointment_book` (channel online). The code and
    the booking are one transaction: a refused booking leaves the code unspent, so the applicant corrects a
    field and books again with it. A wrong code's try is committed (call this outside a transaction, as a
    view does). Raises `hall_code_wrong` and the errors of `appointment_book`."""
    cases_door.applicant_check(kind=applicant_kind, name=name, id_number=id_number, phone=mobile)
    wrong: ApplicationError | None = None
    with transaction.atomic():
        try:
            phone_code_check(mobile=mobile, purpose=PHONE_CODE_BOOKING, code=code, now=now)
        except ApplicationError as error:
            wrong = error  # nothing else was written: the wrong try is committed with this block
        else:
            return appointment_book(centre=centre, queue=queue, day=day, starts_at=starts_at, name=name,
                                    mobile=mobile, id_number=id_number, channel=BookingChannel.ONLINE, now=now,
                                    item_code=item_code, applicant_kind=applicant_kind)
    raise wrong


# --- the rating pad (评价器) -------------------------------------------------------------------------

@transaction.atomic
def ticket_rate(*, centre: Centre, window: Window, ticket_id: uuid.UUID, levels: dict[str, str], comment: str,
                now: dt.datetime) -> int:
    """Rate the visit of a ticket served at `window` today, from the window's rating pad: the review is
    written by the app that keeps reviews (`registry.hooks.counter_rated`, answered by supervision) in
    this transaction. Returns the review's id. Raises `hall_ticket_not_rateable` (not served at this
    window today), `hall_rating_unavailable` (nobody keeps reviews) and the reviews' own errors (a
    second rating of the visit: 409 `review_already_given`; `review_level_missing`)."""
    ticket = (Ticket.objects.select_for_update(of=("self",))
              .filter(pk=ticket_id, window=window, day=local(now).date()).first())
    if ticket is None or ticket.status != TicketStatus.DONE:
        raise _error(_("This visit cannot be rated at this window."), HallErrorCode.NOT_RATEABLE)
    rated = CounterRated(centre=centre, ticket_id=ticket.pk, levels=dict(levels), comment=comment, now=now)
    counter_rated.send(rated)
    if rated.review_id is None:
        raise _error(_("Ratings cannot be taken at the moment."), HallErrorCode.RATING_UNAVAILABLE)
    return rated.review_id
