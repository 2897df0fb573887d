"""The hall's rows, in each centre's schema: queues (取号队列), the day's ticket counters, tickets (排队号),
appointments (预约) and their slots, SMS codes, and the event log the screen follows."""
from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.i18n import pick
from common.models import TimeStampedModel
from hall.choices import (
    AppointmentStatus,
    BookingChannel,
    DeviceKind,
    HallEventKind,
    Priority,
    TicketSource,
    TicketStatus,
)

__all__ = ["Appointment", "AppointmentSlot", "HallDevice", "HallEvent", "PhoneCode", "Queue", "Ticket", "TicketDay"]

_letter = RegexValidator(r"^[A-Z]{1,2}$", _("One or two capital letters, e.g. A."))


class Queue(TimeStampedModel):
    """A queue of the hall (取号队列): a letter (A for market regulation), the items or departments it
    serves, the windows that call from it, and its opening hours on the centre's working days."""

    letter = models.CharField(_("letter"), max_length=2, unique=True, validators=[_letter])
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150)
    department_codes = ArrayField(models.CharField(max_length=2), verbose_name=_("departments"), default=list,
                                  blank=True)
    item_codes = ArrayField(models.CharField(max_length=32), verbose_name=_("items"), default=list, blank=True)
    windows = models.ManyToManyField("windows.Window", verbose_name=_("windows"), related_name="queues", blank=True)
    opens_at = models.TimeField(_("opens at"), default=dt.time(9, 0))
    closes_at = models.TimeField(_("closes at"), default=dt.time(17, 0))
    daily_tickets = models.PositiveIntegerField(
        _("tickets a day"), default=200, validators=[MinValueValidator(1)],
        help_text=_("On-site tickets a day; when they run out the kiosk offers appointments."))
    slot_minutes = models.PositiveSmallIntegerField(_("appointment slot (minutes)"), default=30,
                                                    validators=[MinValueValidator(5)])
    slot_capacity = models.PositiveSmallIntegerField(_("appointments per slot"), default=4)
    service_minutes = models.PositiveSmallIntegerField(
        _("expected service time (minutes)"), default=10, validators=[MinValueValidator(1)],
        help_text=_("Used for the estimated wait until the day's own times are known."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["letter"]
        constraints = [
            models.CheckConstraint(condition=Q(opens_at__lt=models.F("closes_at")), name="hall_queue_hours",
                                   violation_error_message=_("A queue opens before it closes.")),
        ]

    def __str__(self) -> str:
        return f"{self.letter} {self.name_zh}"

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)


class TicketDay(models.Model):
    """The day's counter of a queue: the last number given (gapless: taken in the ticket's transaction)
    and how many were on-site tickets (against the queue's daily limit)."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)
    walk_ins = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("ticket counter")
        verbose_name_plural = _("ticket counters")
        constraints = [models.UniqueConstraint(fields=["queue", "day"], name="hall_ticketday_once")]

    def __str__(self) -> str:
        return f"{self.queue_id} {self.day}: {self.last_number}"


class Ticket(models.Model):
    """A numbered ticket (排队号) such as A023: taken at the kiosk, on a phone or by checking in an
    appointment; called to a window, served, finished. Its `token` is the secret of its live page."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    queue = models.ForeignKey(Queue, verbose_name=_("queue"), on_delete=models.PROTECT, related_name="tickets")
    day = models.DateField(_("day"))
    number = models.PositiveIntegerField(_("number"))
    code = models.CharField(_("ticket"), max_length=8)
    token = models.CharField(max_length=32, unique=True)
    source = models.CharField(_("taken"), max_length=12, choices=TicketSource.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=12, choices=TicketStatus.choices,
                              default=TicketStatus.WAITING)
    item_code = models.CharField(_("item"), max_length=32, blank=True)
    mobile = models.CharField(_("mobile (encrypted)"), max_length=200, blank=True)
    appointment = models.OneToOneField("Appointment", verbose_name=_("appointment"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="ticket")
    due_at = models.DateTimeField(_("appointment time"), null=True, blank=True)
    taken_at = models.DateTimeField(_("taken at"))
    queued_at = models.DateTimeField(_("in the queue since"))
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    window = models.ForeignKey("windows.Window", verbose_name=_("window"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    for_window = models.ForeignKey("windows.Window", verbose_name=_("transferred to window"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    clerk_id = models.BigIntegerField(_("clerk (user id)"), null=True, blank=True)
    recalls = models.PositiveSmallIntegerField(_("calls again"), default=0)
    near_turn_sent = models.BooleanField(default=False)
    case_id = models.UUIDField(_("case"), null=True, blank=True)
    case_number = models.CharField(_("case number"), max_length=32, blank=True)
    issued_by_id = models.BigIntegerField(_("issued by (user id)"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["day", "queued_at", "number"]
        constraints = [models.UniqueConstraint(fields=["queue", "day", "number"], name="hall_ticket_number_once")]
        indexes = [models.Index(fields=["day", "queue", "queued_at"], condition=Q(status="waiting"),
                                name="hall_ticket_waiting"),
                   models.Index(fields=["day", "window", "-called_at"], name="hall_ticket_window_calls")]

    def __str__(self) -> str:
        return f"{self.day} {self.code}"


class AppointmentSlot(models.Model):
    """How many appointments a queue's slot holds: made when the first is booked, its `booked` counted up
    and down in the booking's transaction (never past the queue's capacity)."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    starts_at = models.TimeField()
    booked = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("appointment slot")
        verbose_name_plural = _("appointment slots")
        constraints = [models.UniqueConstraint(fields=["queue", "day", "starts_at"], name="hall_slot_once")]

    def __str__(self) -> str:
        return f"{self.queue_id} {self.day} {self.starts_at:%H:%M}: {self.booked}"


class Appointment(TimeStampedModel):
    """An appointment (预约) for an item in a queue's slot on a working day: booked online or by a clerk on
    the phone, checked in at the kiosk by its code or the ID number (a ticket with the appointment's time),
    moved, cancelled, or counted as a no-show."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(_("appointment code"), max_length=8, unique=True)
    queue = models.ForeignKey(Queue, verbose_name=_("queue"), on_delete=models.PROTECT,
                              related_name="appointments")
    item_code = models.CharField(_("item"), max_length=32, blank=True)
    item_name_zh = models.CharField(_("item (Chinese)"), max_length=200, blank=True)
    item_name_en = models.CharField(_("item (English)"), max_length=300, blank=True)
    day = models.DateField(_("day"))
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("to"))
    name = models.CharField(_("name"), max_length=100)
    mobile = models.CharField(_("mobile (encrypted)"), max_length=200)
    id_number = models.CharField(_("ID number (encrypted)"), max_length=300, blank=True)
    person_hmac = models.CharField(max_length=64, help_text=_("The ID number's HMAC, or the mobile's."))
    id_hmac = models.CharField(max_length=64, blank=True)
    mobile_hmac = models.CharField(max_length=64)
    channel = models.CharField(_("booked"), max_length=8, choices=BookingChannel.choices)
    booked_by_id = models.BigIntegerField(_("booked by (user id)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=AppointmentStatus.choices,
                              default=AppointmentStatus.BOOKED)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    moves = models.PositiveSmallIntegerField(_("times moved"), default=0)
    changed_by_id = models.BigIntegerField(_("last moved or cancelled by (user id)"), null=True, blank=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["day", "starts_at"]
        constraints = [models.UniqueConstraint(
            fields=["person_hmac", "queue", "day"], condition=Q(status="booked"), name="hall_appointment_one_a_day",
            violation_error_message=_("This person already has an appointment in this queue that day."))]
        indexes = [models.Index(fields=["day", "status"], name="hall_appointment_day"),
                   models.Index(fields=["id_hmac", "day"], name="hall_appointment_id"),
                   models.Index(fields=["person_hmac", "status"], name="hall_appointment_person")]

    def __str__(self) -> str:
        return f"{self.code} {self.day} {self.starts_at:%H:%M}"

    @property
    def item_name(self) -> str:
        return pick(self.item_name_zh, self.item_name_en)

    @property
    def slot_label(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class PhoneCode(models.Model):
    """An SMS code sent to a mobile to take a ticket on a phone or to book online: kept as an HMAC, valid
    a few minutes, spent by a few wrong tries."""

    mobile_hmac = models.CharField(max_length=64)
    purpose = models.CharField(max_length=16)
    code_hmac = models.CharField(max_length=64)
    sent_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SMS code")
        verbose_name_plural = _("SMS codes")
        indexes = [models.Index(fields=["mobile_hmac", "-sent_at"], name="hall_phonecode_mobile")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.sent_at:%Y-%m-%d %H:%M}"


class HallEvent(models.Model):
    """One change the hall's screen and pads hear (its id is the stream's event id, so a screen that lost
    its connection asks for what came after the last one it saw)."""

    kind = models.CharField(max_length=12, choices=HallEventKind.choices)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    window = models.ForeignKey("windows.Window", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    actor_id = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField()
    data = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("hall event")
        verbose_name_plural = _("hall events")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.pk} {self.kind}"


class HallDevice(TimeStampedModel):
    """A device of the hall: a kiosk (取号机), the big screen, a window's rating pad (评价器) or a hardware
    caller (呼叫器). Its page or API is reached with a secret key given once when it is registered (kept
    here only as a SHA-256), so a kiosk or pad on a public touch screen holds no staff session."""

    kind = models.CharField(_("kind"), max_length=8, choices=DeviceKind.choices)
    name = models.CharField(_("name"), max_length=100)
    window = models.ForeignKey("windows.Window", verbose_name=_("window"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="hall_devices",
                               help_text=_("The window a rating pad or a caller belongs to."))
    key_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    created_by_id = models.BigIntegerField(_("registered by (user id)"), null=True, blank=True)
    retired_by_id = models.BigIntegerField(_("retired by (user id)"), null=True, blank=True)

    class Meta:
        verbose_name = _("hall device")
        verbose_name_plural = _("hall devices")
        ordering = ["kind", "name"]
        constraints = [models.CheckConstraint(
            condition=Q(kind__in=["kiosk", "screen"]) | Q(window__isnull=False), name="hall_halldevice_window",
            violation_error_message=_("A rating pad or a caller belongs to a window."))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"
