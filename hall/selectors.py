"""Reads of the hall: the waiting line in calling order, a ticket's place and estimated wait, free
appointment slots, the screen's picture and the events after one the screen saw."""
from __future__ import annotations

import datetime as dt
import math
import secrets
import uuid
from dataclasses import dataclass

from django.db.models import Avg, Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone

from catalog.selectors import CatalogueEntry, centre_catalogue
from common.identity import identity_hmac, normalise_identifier, normalise_mobile, recipient_hmac
from hall.choices import (
    APPOINTMENT_DUE_AHEAD,
    BOOKING_HORIZON_WORKDAYS,
    PAD_ASKS_FOR,
    AppointmentStatus,
    DeviceKind,
    TicketStatus,
)
from hall.events import event_data, waiting_counts
from hall.models import Appointment, AppointmentSlot, HallDevice, HallEvent, Queue, Ticket
from registry.hooks import CounterRatingsAsked, counter_ratings_asked
from tenants.models import Centre
from windows.models import Window
from workcalendar.clock import WorkCalendar


def queues_open() -> QuerySet[Queue]:
    """The centre's queues in service, by letter, with their windows."""
    return Queue.objects.filter(is_active=True).prefetch_related("windows").order_by("letter")


def in_calling_order(tickets: QuerySet[Ticket], *, now: dt.datetime) -> QuerySet[Ticket]:
    """Waiting tickets in the order windows call them (the one rule; `calling_order_key` is the same in Python):
    an appointment due within `APPOINTMENT_DUE_AHEAD` first, then the green channel and priority, then the
    time they joined the queue, then the number."""
    due_now = Case(When(due_at__lte=now + APPOINTMENT_DUE_AHEAD, then=Value(1)), default=Value(0),
                   output_field=IntegerField())
    return tickets.annotate(due_now=due_now).order_by("-due_now", "-priority", "queued_at", "number")


def calling_order_key(ticket, now: dt.datetime) -> tuple:  # a Ticket, or anything with its four fields
    """`in_calling_order` as a sort key: (not due now, −priority, joined at, number)."""
    due_now = ticket.due_at is not None and ticket.due_at <= now + APPOINTMENT_DUE_AHEAD
    return (not due_now, -ticket.priority, ticket.queued_at, ticket.number)


def waiting_in_order(*, queue_ids: list[int], day: dt.date, now: dt.datetime) -> list[Ticket]:
    """The waiting tickets of these queues (not those sent to one window) in the order they will be called:
    appointments due now, the green channel and priority, then by the time they joined."""
    tickets = list(Ticket.objects.filter(queue_id__in=queue_ids, day=day, status=TicketStatus.WAITING,
                                         for_window__isnull=True).select_related("queue"))
    return sorted(tickets, key=lambda t: calling_order_key(t, now))


def people_ahead(*, ticket: Ticket, now: dt.datetime) -> int:
    """How many waiting tickets of its queue will be called before `ticket` (0 when it is not waiting)."""
    if ticket.status != TicketStatus.WAITING:
        return 0
    mine = calling_order_key(ticket, now)
    return sum(1 for other in waiting_in_order(queue_ids=[ticket.queue_id], day=ticket.day, now=now)
               if other.pk != ticket.pk and calling_order_key(other, now) < mine)


def service_minutes(*, queue: Queue, day: dt.date) -> float:
    """The queue's mean service time today (minutes), or its expected one before anyone was served."""
    mean = (Ticket.objects.filter(queue=queue, day=day, status=TicketStatus.DONE, started_at__isnull=False)
            .aggregate(m=Avg(F("finished_at") - F("started_at")))["m"])
    return mean.total_seconds() / 60 if mean else float(queue.service_minutes)


@dataclass(frozen=True)
class Position:
    """A ticket as its live page shows it."""

    ticket: Ticket
    ahead: int
    wait_minutes: int | None
    windows_open: int


def ticket_position(*, ticket: Ticket, now: dt.datetime) -> Position:
    """Its place (people ahead) and estimated wait: those ahead × today's mean service time ÷ the windows
    serving its queue."""
    ahead = people_ahead(ticket=ticket, now=now)
    windows = ticket.queue.windows.filter(is_active=True).count()
    wait = None
    if ticket.status == TicketStatus.WAITING:
        wait = math.ceil(ahead * service_minutes(queue=ticket.queue, day=ticket.day) / max(windows, 1))
    return Position(ticket=ticket, ahead=ahead, wait_minutes=wait, windows_open=windows)


def ticket_by_token(token: str) -> Ticket | None:
    return Ticket.objects.select_related("queue", "window", "appointment").filter(token=token).first()


@dataclass(frozen=True)
class Slot:
    """A free appointment slot of a queue."""

    queue: str
    day: dt.date
    starts_at: dt.time
    ends_at: dt.time
    free: int

    def as_dict(self) -> dict:
        return {"queue": self.queue, "day": self.day.isoformat(), "starts_at": f"{self.starts_at:%H:%M}",
                "ends_at": f"{self.ends_at:%H:%M}", "free": self.free}


def slot_grid(queue: Queue) -> list[tuple[dt.time, dt.time]]:
    """The queue's slots on a working day: (start, end), `slot_minutes` each from opening to closing."""
    slots, start = [], dt.datetime.combine(dt.date(2000, 1, 1), queue.opens_at)
    close = dt.datetime.combine(dt.date(2000, 1, 1), queue.closes_at)
    step = dt.timedelta(minutes=queue.slot_minutes)
    while start + step <= close:
        slots.append((start.time(), (start + step).time()))
        start += step
    return slots


def slots_free(*, centre: Centre, queue: Queue, now: dt.datetime, limit: int = 50,
               days: int = BOOKING_HORIZON_WORKDAYS, from_day: dt.date | None = None) -> list[Slot]:
    """The queue's slots with room, from now (or `from_day`) over the next `days` working days (closures
    and the holiday schedule skipped), at most `limit`: two queries."""
    here = timezone.localtime(now)
    calendar = WorkCalendar.for_centre(centre.pk)
    day, working = from_day or here.date(), list[dt.date]()
    horizon = calendar.add_workdays(here.date(), BOOKING_HORIZON_WORKDAYS).date
    while len(working) < days + 1 and day <= horizon:
        if calendar.kind(day)[0]:
            working.append(day)
        day += dt.timedelta(days=1)
    if not working:
        return []
    booked = {(row.day, row.starts_at): row.booked for row in
              AppointmentSlot.objects.filter(queue=queue, day__in=working)}
    slots: list[Slot] = []
    for day in working:
        for starts, ends in slot_grid(queue):
            if timezone.make_aware(dt.datetime.combine(day, ends)) <= here:
                continue
            free = queue.slot_capacity - booked.get((day, starts), 0)
            if free > 0:
                slots.append(Slot(queue=queue.letter, day=day, starts_at=starts, ends_at=ends, free=free))
                if len(slots) >= limit:
                    return slots
    return slots


def appointments_of_day(*, day: dt.date) -> QuerySet[Appointment]:
    return Appointment.objects.filter(day=day).select_related("queue").order_by("starts_at", "queue__letter")


def appointment_by_code(code: str) -> Appointment | None:
    return Appointment.objects.select_related("queue").filter(code="".join((code or "").split())).first()


@dataclass(frozen=True)
class ScreenPicture:
    """What the hall screen shows when it (re)connects: the latest calls (one per window, newest first),
    the waiting counts per queue and the id of the last event."""

    calls: list[dict]
    waiting: dict[str, int]
    last_event_id: int
    queues: list[dict]


def screen_picture(*, day: dt.date, calls: int = 8) -> ScreenPicture:
    """Three queries: the day's latest call per window, the waiting counts, the last event id."""
    latest = (HallEvent.objects.filter(kind__in=["called", "recalled"], at__date=day, window__isnull=False)
              .order_by("window_id", "-id").distinct("window_id").values_list("id", flat=True))
    rows = sorted((event_data(e) for e in HallEvent.objects.filter(pk__in=list(latest))),
                  key=lambda e: -e["id"])[:calls]
    last = HallEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    queues = [{"letter": q.letter, "name_zh": q.name_zh, "name_en": q.name_en} for q in queues_open()]
    return ScreenPicture(calls=rows, waiting=waiting_counts(day), last_event_id=last, queues=queues)


def events_after(*, event_id: int, limit: int = 200) -> list[dict]:
    """The events after `event_id`, oldest first (a screen catching up)."""
    return [event_data(e) for e in HallEvent.objects.filter(pk__gt=event_id).order_by("id")[:limit]]


def windows_serving(*, queue: Queue) -> QuerySet[Window]:
    return queue.windows.filter(is_active=True).order_by("number")


def day_counts(*, day: dt.date) -> dict[str, int]:
    """The day's tickets by status (the caller page's header)."""
    return dict(Ticket.objects.filter(day=day).values_list("status").annotate(n=Count("id"))
                .values_list("status", "n"))


def appointments_booked_count(*, person_hmac: str) -> int:
    return Appointment.objects.filter(Q(person_hmac=person_hmac), status=AppointmentStatus.BOOKED).count()


def appointment_for_applicant(*, code: str, mobile: str = "", id_number: str = "") -> Appointment | None:
    """The appointment with this code if `mobile` (or `id_number`) is its applicant's; None otherwise, the
    same for a code that does not exist and for a wrong mobile (nothing to probe). Full-width digits and
    spaces are read as typed on a phone."""
    appointment = appointment_by_code(normalise_identifier(code)) if code else None
    if appointment is None:
        return None
    clean_mobile = normalise_mobile(mobile) if mobile else None
    clean_id = normalise_identifier(id_number)
    if clean_mobile and secrets.compare_digest(appointment.mobile_hmac, recipient_hmac(clean_mobile)):
        return appointment
    if clean_id and appointment.id_hmac and secrets.compare_digest(appointment.id_hmac, identity_hmac(clean_id)):
        return appointment
    return None


def queue_items(*, centre: Centre, queue: Queue, on: dt.date) -> list[CatalogueEntry]:
    """The items of the centre's catalogue a queue serves (its items and its departments' items; every item
    when it names none), by code: one query."""
    entries = centre_catalogue(centre=centre, on=on)
    if queue.item_codes or queue.department_codes:
        entries = entries.filter(Q(item__code__in=queue.item_codes)
                                 | Q(item__department__code__in=queue.department_codes))
    return list(entries)


def catalogue_entry(*, centre: Centre, item_code: str, on: dt.date) -> CatalogueEntry | None:
    """The centre's catalogue entry of one item (its materials are the version's), or None."""
    return centre_catalogue(centre=centre, on=on).filter(item__code=item_code).first()


def appointment_get(pk: object) -> Appointment | None:
    """An appointment by its id (as a session or a form holds it: any text), or None."""
    try:
        key = uuid.UUID(str(pk)) if pk else None
    except ValueError:
        return None
    return Appointment.objects.select_related("queue").filter(pk=key).first() if key else None


def queues_all() -> QuerySet[Queue]:
    """Every queue of the centre (those out of service too), by letter, with their windows."""
    return Queue.objects.prefetch_related("windows").order_by("letter")


def queue_get(pk: object) -> Queue | None:
    return Queue.objects.filter(pk=int(str(pk))).first() if str(pk or "").isdigit() else None


def devices_list() -> QuerySet[HallDevice]:
    """The centre's hall devices, those in service first, with the window of a pad or caller."""
    return HallDevice.objects.select_related("window").order_by("-is_active", "kind", "name")


def device_get(pk: object) -> HallDevice | None:
    """A device in service by its id (as a form holds it: any text), or None."""
    return HallDevice.objects.filter(pk=int(str(pk)), is_active=True).first() if str(pk or "").isdigit() else None


def queue_by_letter(letter: str) -> Queue | None:
    """The queue in service with this letter (any case, spaces ignored), or None."""
    return queues_open().filter(letter="".join((letter or "").split()).upper()).first()


def window_by_number(number: str) -> Window | None:
    """The window in service with this number, or None."""
    return Window.objects.filter(number=(number or "").strip(), is_active=True).first()


def ticket_of_day(*, code: str, day: dt.date) -> Ticket | None:
    """The day's ticket with this code (A023: a code is the day's own, a transfer keeps it), or None."""
    return (Ticket.objects.select_related("queue", "window")
            .filter(day=day, code="".join((code or "").split()).upper()).first())


def window_waiting(*, window: Window, day: dt.date) -> int:
    """How many waiting tickets `window` may call next: of the queues it serves, and those sent to it."""
    queue_ids = list(window.queues.filter(is_active=True).values_list("pk", flat=True))
    return Ticket.objects.filter(Q(queue_id__in=queue_ids, for_window__isnull=True) | Q(for_window=window),
                                 day=day, status=TicketStatus.WAITING).count()


def appointment_of_holder(*, code: str, mobile_hmac: str) -> Appointment | None:
    """The appointment with this code booked for the mobile whose HMAC this is (what an applicant proves
    to cancel it), or None: a wrong mobile and a wrong code look the same."""
    appointment = appointment_by_code(code)
    if appointment is None or not secrets.compare_digest(appointment.mobile_hmac, mobile_hmac):
        return None
    return appointment


# --- the caller page and the rating pad ----------------------------------------------------------------

def waiting_for_window(*, window: Window, day: dt.date) -> dict[str, int]:
    """Waiting tickets per queue letter of the queues `window` calls from, and under "→" those sent to this
    window alone (two queries)."""
    letters = list(window.queues.filter(is_active=True).order_by("letter").values_list("letter", flat=True))
    counts = dict(Ticket.objects.filter(day=day, status=TicketStatus.WAITING, for_window__isnull=True,
                                        queue__letter__in=letters).values_list("queue__letter")
                  .annotate(n=Count("id")).values_list("queue__letter", "n"))
    waiting = {letter: counts.get(letter, 0) for letter in letters}
    sent = Ticket.objects.filter(day=day, status=TicketStatus.WAITING, for_window=window).count()
    if sent:
        waiting["→"] = sent
    return waiting


def window_day_counts(*, window: Window, day: dt.date) -> dict[str, int]:
    """The window's tickets of the day by status (called here, served, not come)."""
    return dict(Ticket.objects.filter(day=day, window=window).values_list("status").annotate(n=Count("id"))
                .values_list("status", "n"))


@dataclass(frozen=True)
class PadState:
    """What a window's rating pad shows: `ticket` (the visit that just finished there and waits for a
    rating) or None (idle), and what it asks (levels and dimensions, from the app that keeps reviews)."""

    ticket: Ticket | None
    levels: list[tuple[str, object]]
    dimensions: list[tuple[str, object, bool]]


def pad_state(*, centre: Centre, window: Window, now: dt.datetime) -> PadState:
    """The visit served last at the window today, while it waits for its rating: finished within
    `PAD_ASKS_FOR`, nobody served at the window since (a next ticket only called leaves the pad asking),
    and not rated (`registry.hooks.counter_ratings_asked`). Three queries."""
    day = timezone.localtime(now).date()
    latest = (Ticket.objects.filter(day=day, window=window, status=TicketStatus.DONE, finished_at__isnull=False)
              .order_by("-finished_at").first())
    asked = CounterRatingsAsked(centre=centre)
    if (latest is not None and latest.finished_at is not None and now - latest.finished_at <= PAD_ASKS_FOR
            and not Ticket.objects.filter(day=day, window=window, started_at__gt=latest.finished_at).exists()):
        asked.ticket_ids = (latest.pk,)
    counter_ratings_asked.send(asked)
    waiting = bool(asked.ticket_ids and asked.levels) and latest is not None and latest.pk not in asked.rated
    pending = latest if waiting else None
    return PadState(ticket=pending, levels=asked.levels, dimensions=asked.dimensions)


def device_page(*, kind: str, key: str) -> str:
    """The path of a device's page on its centre's host: a kiosk's and a pad's with their key
    (`/hall/kiosk/<key>/`, `/hall/pad/<key>/`), the screen's without (it is public: `/hall/screen/`); a
    caller has none (it speaks to the API with the clerk's token): ""."""
    if kind in (DeviceKind.KIOSK, DeviceKind.PAD):
        return reverse(f"hall:{kind}", kwargs={"key": key}, urlconf="config.urls_tenant")
    return reverse("hall:screen", urlconf="config.urls_tenant") if kind == DeviceKind.SCREEN else ""
