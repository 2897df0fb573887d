"""The hall as data: ticket statuses and the transitions between them, sources, priorities, appointment
statuses, the events the screen hears, and the rules (limits as constants, settings where a centre may
want another value)."""
from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called")
    SERVING = "serving", _("Being served")
    DONE = "done", _("Served")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED = "cancelled", _("Cancelled")


class TicketAction(models.TextChoices):
    CALL = "call", _("Call")
    RECALL = "recall", _("Call again")
    NO_SHOW = "no_show", _("Mark as not come")
    TRANSFER = "transfer", _("Transfer")
    START = "start", _("Start serving")
    FINISH = "finish", _("Finish")
    CANCEL = "cancel", _("Cancel")


#: action → (the statuses it may start from, the status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    TicketAction.CALL: (frozenset({TicketStatus.WAITING}), TicketStatus.CALLED),
    TicketAction.RECALL: (frozenset({TicketStatus.CALLED}), TicketStatus.CALLED),
    TicketAction.NO_SHOW: (frozenset({TicketStatus.CALLED}), TicketStatus.NO_SHOW),
    TicketAction.TRANSFER: (frozenset({TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING}),
                            TicketStatus.WAITING),
    TicketAction.START: (frozenset({TicketStatus.CALLED}), TicketStatus.SERVING),
    TicketAction.FINISH: (frozenset({TicketStatus.SERVING}), TicketStatus.DONE),
    TicketAction.CANCEL: (frozenset({TicketStatus.WAITING}), TicketStatus.CANCELLED),
}

#: A ticket in these statuses is still in the hall (waiting, at a window).
LIVE = frozenset({TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING})
FINISHED = frozenset({TicketStatus.DONE, TicketStatus.NO_SHOW, TicketStatus.CANCELLED})


class TicketSource(models.TextChoices):
    KIOSK = "kiosk", _("Kiosk")
    PHONE = "phone", _("Phone")
    APPOINTMENT = "appointment", _("Appointment")
    WINDOW = "window", _("Issued at a window")


class Priority(models.IntegerChoices):
    """The order of calling after appointments due now: green channel first, then priority (elderly,
    disabled, pregnant), then everyone by number."""

    NORMAL = 0, _("Normal")
    PRIORITY = 1, _("Priority (elderly, disabled)")
    GREEN_CHANNEL = 2, _("Green channel")


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("Did not come")


class BookingChannel(models.TextChoices):
    ONLINE = "online", _("Online")
    PHONE = "phone", _("By phone, with a clerk")
    KIOSK = "kiosk", _("At the kiosk")


class DeviceKind(models.TextChoices):
    KIOSK = "kiosk", _("Kiosk")
    SCREEN = "screen", _("Hall screen")
    PAD = "pad", _("Rating pad")
    CALLER = "caller", _("Window caller")


class HallEventKind(models.TextChoices):
    """What the hall's screen and pads hear (one row per change, its id the stream's event id)."""

    TAKEN = "taken", _("Ticket taken")
    CALLED = "called", _("Called")
    RECALLED = "recalled", _("Called again")
    NO_SHOW = "no_show", _("Did not come")
    TRANSFERRED = "transferred", _("Transferred")
    STARTED = "started", _("Service started")
    FINISHED = "finished", _("Served")
    CANCELLED = "cancelled", _("Cancelled")


ACTION_EVENT: dict[str, str] = {
    TicketAction.CALL: HallEventKind.CALLED,
    TicketAction.RECALL: HallEventKind.RECALLED,
    TicketAction.NO_SHOW: HallEventKind.NO_SHOW,
    TicketAction.TRANSFER: HallEventKind.TRANSFERRED,
    TicketAction.START: HallEventKind.STARTED,
    TicketAction.FINISH: HallEventKind.FINISHED,
    TicketAction.CANCEL: HallEventKind.CANCELLED,
}

#: An appointment's ticket counts as "due now" (called before everyone else) from this long before its
#: slot starts.
APPOINTMENT_DUE_AHEAD = dt.timedelta(minutes=10)
#: An appointment may be checked in from this long before its slot until its slot ends.
CHECK_IN_EARLY = dt.timedelta(minutes=60)
#: An SMS tells a ticket's holder when this many people are ahead of them.
NEAR_TURN_AHEAD = 3
#: Waiting longer than this is flagged to the chief representative.
LONG_WAIT = dt.timedelta(minutes=30)
#: Appointments may be booked this many working days ahead.
BOOKING_HORIZON_WORKDAYS = 10
#: An SMS code is valid for this long; this many wrong tries spend it; this many may be sent an hour.
CODE_VALID = dt.timedelta(minutes=10)
CODE_TRIES = 5
CODES_PER_HOUR = 5
#: A window's rating pad (评价器) asks for a rating of the visit that finished there for this long.
PAD_ASKS_FOR = dt.timedelta(minutes=5)
