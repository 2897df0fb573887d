"""Pages of appointments (预约) in a centre's hall: the public booking online with an SMS code, its
confirmation, "manage my appointment" (cancel or move it with its code and the mobile or ID number), and
the clerk's desk booking for a caller on the phone.

The queue and the item are chosen first, in the address (`?queue=A&item=<code>`, which the kiosk also
uses with `&day=YYYY-MM-DD&start=HH:MM` when its tickets run out): the item's materials are shown with
the booking form, which posts back to the same address. Every refusal of a service is shown next to the
field it concerns, the typed values kept.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.choices import ApplicantKind
from catalog.guidebook import materials_of, steps_of
from catalog.selectors import CatalogueEntry
from common import crypto
from common.errors import ApplicationError
from common.forms import add_service_errors, choice_field
from common.identity import mask_phone, normalise_identifier, normalise_mobile
from hall import selectors, services
from hall.choices import CODE_VALID, AppointmentStatus, BookingChannel
from hall.error_codes import HallErrorCode
from hall.models import Appointment, Queue
from registry import guard
from tenants.request import centre_of, require_centre_staff, user_of

#: The session keys of the booking just made (its confirmation page) and of the appointment found on the
#: manage page (its cancel and move buttons).
SESSION_BOOKED = "hall_booked"
SESSION_MANAGED = "hall_managed"

#: The booking form's field a service's refusal belongs to (the rest are shown above the form).
ERROR_FIELDS: dict[str, str] = {
    HallErrorCode.SLOT_FULL: "slot", HallErrorCode.SLOT_UNKNOWN: "slot", HallErrorCode.SLOT_PAST: "slot",
    HallErrorCode.NOT_WORKING_DAY: "slot", HallErrorCode.ALREADY_BOOKED: "slot",
    HallErrorCode.BOOKING_SUSPENDED: "id_number", HallErrorCode.INVALID_MOBILE: "mobile",
    HallErrorCode.CODE_TOO_MANY: "mobile", HallErrorCode.CODE_WRONG: "code",
}
#: The applicant's fields as cases names them → the booking form's.
APPLICANT_FIELDS = {"applicant_name": "name", "applicant_id_number": "id_number", "phone": "mobile"}


def show_error(form: forms.Form, exc: ApplicationError) -> None:
    """A service's refusal next to the field it concerns (or above the form)."""
    target = ERROR_FIELDS.get(exc.code)
    if target and target in form.fields and not exc.extra.get("fields"):
        form.add_error(target, str(exc))
    else:
        add_service_errors(form, exc, APPLICANT_FIELDS)


def _now() -> dt.datetime:
    """The time of the request (one place, so tests can set the clock)."""
    return timezone.now()


# --- slots ------------------------------------------------------------------------------------------

def slot_value(day: dt.date, starts_at: dt.time) -> str:
    return f"{day:%Y-%m-%d} {starts_at:%H:%M}"


def parse_slot(value: str) -> tuple[dt.date, dt.time] | None:
    """`"2026-12-02 09:30"` → (day, start); None for anything else."""
    try:
        moment = dt.datetime.strptime((value or "").strip(), "%Y-%m-%d %H:%M")  # noqa: DTZ007 - a day and a time
    except ValueError:
        return None
    return moment.date(), moment.time()


def slot_choices(slots: list[selectors.Slot], chosen: str = "") -> list:
    """The free slots grouped by day (a select's optgroups: a native picker on a phone). A chosen slot
    that is no longer free stays listed, so the form keeps it and says why it cannot be booked."""
    groups: dict[dt.date, list[tuple[str, str]]] = {}
    for slot in slots:
        label = _("%(start)s–%(end)s (%(free)s free)") % {
            "start": f"{slot.starts_at:%H:%M}", "end": f"{slot.ends_at:%H:%M}", "free": slot.free}
        groups.setdefault(slot.day, []).append((slot_value(slot.day, slot.starts_at), label))
    values = {value for options in groups.values() for value, _label in options}
    parsed = parse_slot(chosen)
    if parsed and chosen not in values:
        groups.setdefault(parsed[0], []).insert(0, (chosen, _("%(start)s (not free)") % {
            "start": f"{parsed[1]:%H:%M}"}))
    return [("", _("Choose a day and time"))] + [
        (formats.date_format(day, "Y-m-d l"), options) for day, options in sorted(groups.items())]


# --- the booking form -------------------------------------------------------------------------------

class BookingForm(forms.Form):
    """Who books and when (the queue and the item are in the address)."""

    slot = forms.ChoiceField(label=gettext_lazy("Day and time"))
    applicant_kind = forms.ChoiceField(label=gettext_lazy("Who is applying"), choices=ApplicantKind.choices,
                                       initial=ApplicantKind.PERSON, widget=forms.RadioSelect)
    name = forms.CharField(label=gettext_lazy("Name (a person's, or the organisation's)"), max_length=100,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    id_number = forms.CharField(
        label=gettext_lazy("ID number"), max_length=40,
        help_text=gettext_lazy("A person: the resident ID number. An organisation: its unified social credit code."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}))
    mobile = forms.CharField(label=gettext_lazy("Mobile"), max_length=30,
                             widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))

    def __init__(self, *args, slots: list[selectors.Slot], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        chosen = self.data.get("slot", "") if self.is_bound else self.initial.get("slot", "")
        choice_field(self, "slot").choices = slot_choices(slots, chosen)

    def booking(self) -> dict:
        """The cleaned values as `appointment_book`'s arguments (without the centre, queue and time)."""
        data = self.cleaned_data
        day, starts_at = parse_slot(data["slot"]) or (None, None)
        return {"day": day, "starts_at": starts_at, "name": data["name"], "mobile": data["mobile"],
                "id_number": data["id_number"], "applicant_kind": data["applicant_kind"]}

    def clean_slot(self) -> str:
        if parse_slot(self.cleaned_data["slot"]) is None:
            raise ValidationError(_("Choose a day and time."))
        return self.cleaned_data["slot"]


class OnlineBookingForm(BookingForm):
    code = forms.CharField(label=gettext_lazy("SMS code"), max_length=12, required=False,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


@dataclass
class Choice:
    """The queue and item chosen in the address, the item's materials and steps, and what the address
    carries on (`query`: the chosen queue, item, day and start)."""

    queues: list[Queue]
    queue: Queue | None = None
    items: list[CatalogueEntry] = field(default_factory=list)
    entry: CatalogueEntry | None = None
    materials: list = field(default_factory=list)
    steps: list = field(default_factory=list)
    carry: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        """A queue is chosen, and its item when it serves any."""
        return self.queue is not None and (self.entry is not None or not self.items)

    @property
    def item_code(self) -> str:
        return self.entry.item.code if self.entry is not None else ""

    def query(self, **more: str) -> str:
        values = {**self.carry, **more}
        return "?" + urlencode({k: v for k, v in values.items() if v})

    def queue_links(self) -> list[tuple[Queue, str]]:
        """Each queue with the address that chooses it (the other choices carried on)."""
        return [(queue, self.query(queue=queue.letter, item="")) for queue in self.queues]

    def change_queue(self) -> str:
        return self.query(queue="", item="")

    def hidden(self) -> list[tuple[str, str]]:
        """What the item picker carries on (all but the item)."""
        return [(name, value) for name, value in self.carry.items() if value and name != "item"]


def booking_choice(request: HttpRequest, *, centre, now: dt.datetime, carry: tuple[str, ...] = ()) -> Choice:
    """Read `?queue=&item=` (and the names in `carry`, e.g. `day`) of a booking page."""
    choice = Choice(queues=list(selectors.queues_open()))
    letter = (request.GET.get("queue") or "").strip().upper()
    choice.queue = next((q for q in choice.queues if q.letter == letter), None)
    choice.carry = {name: request.GET.get(name, "") for name in carry}
    if choice.queue is None:
        return choice
    choice.carry["queue"] = choice.queue.letter
    choice.items = selectors.queue_items(centre=centre, queue=choice.queue, on=timezone.localtime(now).date())
    code = (request.GET.get("item") or "").strip()
    choice.entry = next((e for e in choice.items if e.item.code == code), None)
    if choice.entry is None and len(choice.items) == 1:
        choice.entry = choice.items[0]
    if choice.entry is not None:
        version = choice.entry.item.version
        choice.materials, choice.steps = materials_of(version), steps_of(version)
        choice.carry["item"] = choice.entry.item.code
    return choice


def kiosk_slot(request: HttpRequest) -> str:
    """The slot the kiosk offered (`?day=YYYY-MM-DD&start=HH:MM`), as the form's value, or ""."""
    parsed = parse_slot(f"{request.GET.get('day', '')} {request.GET.get('start', '')}")
    return slot_value(*parsed) if parsed else ""


# --- public pages -----------------------------------------------------------------------------------

def appointments(request: HttpRequest) -> HttpResponse:
    """The centre's queues and the items each serves, each with a link to book."""
    centre = centre_of(request)
    today = timezone.localtime(_now()).date()
    queues = [(queue, selectors.queue_items(centre=centre, queue=queue, on=today)
               if queue.item_codes or queue.department_codes else None) for queue in selectors.queues_open()]
    return render(request, "hall/appointments_list.html", {"queues": queues})


def book(request: HttpRequest) -> HttpResponse:
    """Book online: the queue and item, a free slot, the applicant, the SMS code (`action=send`), then the
    booking (`action=book`) → the confirmation page."""
    centre = centre_of(request)
    now = _now()
    choice = booking_choice(request, centre=centre, now=now, carry=("day", "start"))
    context: dict = {"choice": choice, "code_minutes": int(CODE_VALID.total_seconds() // 60)}
    if not choice.ready:
        return render(request, "hall/appointments_book.html", context)
    assert choice.queue is not None  # noqa: S101 - ready says so
    slots = selectors.slots_free(centre=centre, queue=choice.queue, now=now, limit=600)
    form = OnlineBookingForm(request.POST if request.method == "POST" else None, slots=slots,
                             initial={"slot": kiosk_slot(request), "applicant_kind": ApplicantKind.PERSON})
    if request.method == "POST" and form.is_valid():
        values = {**form.booking(), "centre": centre, "queue": choice.queue, "item_code": choice.item_code,
                  "now": now}
        try:
            if request.POST.get("action") == "book":
                code = normalise_identifier(form.cleaned_data["code"])
                if not code:
                    form.add_error("code", _("Enter the code sent to your mobile, or ask for one first."))
                else:
                    appointment = services.appointment_book_online(code=code, **values)
                    request.session[SESSION_BOOKED] = str(appointment.pk)
                    return redirect("hall:booked")
            else:
                services.appointment_code_send(**values)
                context["sent_to"] = mask_phone(normalise_mobile(values["mobile"]) or "")
        except ApplicationError as exc:
            show_error(form, exc)
    context.update(form=form, free=bool(slots))
    return render(request, "hall/appointments_book.html", context)


def _materials_of_item(*, centre, item_code: str) -> tuple[list, list]:
    if not item_code:
        return [], []
    entry = selectors.catalogue_entry(centre=centre, item_code=item_code, on=timezone.localtime(_now()).date())
    if entry is None:
        return [], []
    return materials_of(entry.item.version), steps_of(entry.item.version)


def booked(request: HttpRequest) -> HttpResponse:
    """The confirmation of the booking just made (in this browser's session): its code, slot, item and
    the materials to bring."""
    centre = centre_of(request)
    appointment = selectors.appointment_get(request.session.get(SESSION_BOOKED))
    if appointment is None:
        raise Http404
    materials, steps = _materials_of_item(centre=centre, item_code=appointment.item_code)
    return render(request, "hall/appointments_booked.html", {
        "appointment": appointment, "materials": materials, "steps": steps,
        "mobile": mask_phone(_decrypted_mobile(appointment))})


def _decrypted_mobile(appointment: Appointment) -> str:
    return crypto.decrypt(appointment.mobile)


class LookupForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Appointment code"), max_length=20,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    mobile = forms.CharField(label=gettext_lazy("Mobile it was booked with"), max_length=30, required=False,
                             widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    id_number = forms.CharField(label=gettext_lazy("or the ID number"), max_length=40, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def clean(self) -> dict:
        data = super().clean() or {}
        if not (data.get("mobile") or "").strip() and not (data.get("id_number") or "").strip():
            raise ValidationError(_("Enter the mobile or the ID number the appointment was booked with."))
        return data


class MoveForm(forms.Form):
    slot = forms.ChoiceField(label=gettext_lazy("New day and time"))

    def __init__(self, *args, slots: list[selectors.Slot], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "slot").choices = slot_choices(slots, self.data.get("slot", "") if self.is_bound else "")

    def clean_slot(self) -> str:
        if parse_slot(self.cleaned_data["slot"]) is None:
            raise ValidationError(_("Choose a day and time."))
        return self.cleaned_data["slot"]


def _guard_key(centre, code: str) -> str:
    return f"hall-appointment-{centre.pk}-{normalise_identifier(code)}"


def manage(request: HttpRequest) -> HttpResponse:
    """Find my appointment by its code and the mobile (or ID number) it was booked with, then cancel it
    or move it to another free slot. A code that does not exist and a wrong mobile get one answer, and
    wrong pairs are counted per code (`registry.guard`: then every try waits)."""
    centre = centre_of(request)
    now = _now()
    action = request.POST.get("action", "") if request.method == "POST" else ""
    appointment = selectors.appointment_get(request.session.get(SESSION_MANAGED))
    lookup = LookupForm(request.POST if action == "find" else None)
    if action == "find" and lookup.is_valid():
        key = _guard_key(centre, lookup.cleaned_data["code"])
        if guard.number_is_guarded(key):
            lookup.add_error(None, _("Too many tries for this code. Please try again later."))
        else:
            found = selectors.appointment_for_applicant(code=lookup.cleaned_data["code"],
                                                        mobile=lookup.cleaned_data["mobile"],
                                                        id_number=lookup.cleaned_data["id_number"])
            if found is None:
                guard.number_failed(key)
                lookup.add_error(None, _("No appointment matches this code and mobile (or ID number)."))
            else:
                request.session[SESSION_MANAGED] = str(found.pk)
                return redirect("hall:manage")
    if action == "forget":
        request.session.pop(SESSION_MANAGED, None)
        return redirect("hall:manage")
    booked_now = appointment is not None and appointment.status == AppointmentStatus.BOOKED
    slots = (selectors.slots_free(centre=centre, queue=appointment.queue, now=now, limit=600)
             if appointment is not None and booked_now else [])
    move = MoveForm(request.POST if action == "move" else None, slots=slots)
    if appointment is not None and action in ("cancel", "move"):
        try:
            if action == "cancel":
                services.appointment_cancel(centre=centre, appointment=appointment, now=now)
                messages.success(request, _("Your appointment is cancelled. An SMS confirms it."))
                return redirect("hall:manage")
            if move.is_valid():
                day, starts_at = parse_slot(move.cleaned_data["slot"]) or (now.date(), now.time())
                services.appointment_move(centre=centre, appointment=appointment, day=day, starts_at=starts_at,
                                          now=now)
                messages.success(request, _("Your appointment is moved. An SMS confirms the new time."))
                return redirect("hall:manage")
        except ApplicationError as exc:
            if action == "cancel":
                messages.error(request, str(exc))
                return redirect("hall:manage")
            move.add_error("slot", str(exc))
    materials, steps = _materials_of_item(centre=centre, item_code=appointment.item_code) if appointment else ([], [])
    return render(request, "hall/appointments_manage.html", {
        "appointment": appointment, "booked_now": booked_now, "lookup": lookup, "move": move,
        "materials": materials, "steps": steps})


# --- the clerk's desk -------------------------------------------------------------------------------

def _day_of(request: HttpRequest, now: dt.datetime) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("day") or "")
    except ValueError:
        return timezone.localtime(now).date()


def desk_appointments(request: HttpRequest) -> HttpResponse:
    """The day's appointments for the centre's staff (a date picker), booking for a caller on the phone
    (no SMS code: the clerk is the check), and cancelling or moving one for them."""
    centre = require_centre_staff(request)
    user = user_of(request)
    now = _now()
    day = _day_of(request, now)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    choice = booking_choice(request, centre=centre, now=now, carry=("day",))
    choice.carry["day"] = day.isoformat()
    back = reverse("hall:desk_appointments") + "?" + urlencode({"day": day.isoformat()})
    moving = selectors.appointment_get(request.GET.get("move") or (request.POST.get("appointment")
                                                                   if action == "move" else None))
    if moving is not None and moving.status != AppointmentStatus.BOOKED:
        moving = None
    form = None
    if choice.ready:
        assert choice.queue is not None  # noqa: S101 - ready says so
        slots = selectors.slots_free(centre=centre, queue=choice.queue, now=now, limit=600)
        form = BookingForm(request.POST if action == "book" else None, slots=slots,
                           initial={"applicant_kind": ApplicantKind.PERSON})
        if action == "book" and form.is_valid():
            try:
                appointment = services.appointment_book(
                    **form.booking(), centre=centre, queue=choice.queue, item_code=choice.item_code,
                    channel=BookingChannel.PHONE, acting_user=user, now=now)
            except ApplicationError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("Booked: appointment code %(code)s, %(slot)s. Read the code and the "
                                            "materials to the caller; an SMS confirms it.")
                                 % {"code": appointment.code, "slot": appointment.slot_label})
                return redirect(reverse("hall:desk_appointments") + "?" + urlencode(
                    {"day": appointment.day.isoformat()}))
    move = None
    if moving is not None:
        move = MoveForm(request.POST if action == "move" else None,
                        slots=selectors.slots_free(centre=centre, queue=moving.queue, now=now, limit=600))
        if action == "move" and move.is_valid():
            new_day, starts_at = parse_slot(move.cleaned_data["slot"]) or (day, now.time())
            try:
                moved = services.appointment_move(centre=centre, appointment=moving, day=new_day, starts_at=starts_at,
                                                  now=now, acting_user=user)
            except ApplicationError as exc:
                move.add_error("slot", str(exc))
            else:
                messages.success(request, _("Appointment %(code)s moved to %(slot)s.")
                                 % {"code": moved.code, "slot": moved.slot_label})
                return redirect(back)
    if action == "cancel":
        target = selectors.appointment_get(request.POST.get("appointment"))
        if target is None:
            raise Http404
        try:
            services.appointment_cancel(centre=centre, appointment=target, now=now, acting_user=user,
                                        reason=request.POST.get("reason", ""))
        except ApplicationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Appointment %(code)s cancelled.") % {"code": target.code})
        return redirect(back)
    rows = [(a, mask_phone(_decrypted_mobile(a))) for a in selectors.appointments_of_day(day=day)]
    return render(request, "hall/appointments_desk.html", {
        "day": day, "rows": rows, "choice": choice, "form": form, "moving": moving, "move": move,
        "booked_status": AppointmentStatus.BOOKED})
