"""Taking a ticket (取号) in a centre's hall, public pages on the centre's host (no sign-in):

- the kiosk (取号机) `/hall/kiosk/<key>/`, reached with a kiosk device's secret key: one large button per
  open queue, a priority button for the elderly and the disabled, checking in an appointment by its code
  or ID number; when the day's tickets have run out it offers the next free appointment slots (预约);
- a ticket's live page `/hall/t/<token>/` (its token the secret): its place, the estimated wait, called to
  which window, and giving the ticket up;
- the 58 mm receipt `/hall/t/<token>/print/`, printed by the kiosk;
- taking a ticket on a phone `/hall/phone/` with an SMS code.

Every write goes through `hall.services`; a refusal is shown as the service's message (in the page's
language) and writes nothing. The clock is `_now()` (tests move it).
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.vary import vary_on_headers

from common.client import client_address
from common.errors import ApplicationError
from common.forms import add_service_errors
from common.identity import normalise_identifier
from common.qr import qr_svg
from hall import selectors, services
from hall.choices import LIVE, DeviceKind, Priority, TicketSource, TicketStatus
from hall.error_codes import HallErrorCode
from hall.events import waiting_counts
from hall.forms_kiosk import CheckInForm, PhoneMobileForm, PhoneTakeForm
from hall.models import Queue, Ticket
from tenants.request import centre_of

#: The kiosk returns to its start this many seconds after showing a ticket (and after an idle error).
KIOSK_RETURN_SECONDS = 20
#: A kiosk left on another screen (priority, appointment, an error) returns to its start after this long idle.
KIOSK_IDLE_SECONDS = 60
#: The live page asks for its ticket's status this often (seconds).
LIVE_POLL_SECONDS = 15
#: SMS codes the phone page sends to one client address an hour, whatever the mobiles (the core limits each
#: mobile; this keeps one address from sending codes to many). A hall's guest Wi-Fi shares one address.
PHONE_CODES_PER_ADDRESS_HOUR = 30
#: An appointment's code: this many digits (anything else typed is read as an ID number).
APPOINTMENT_CODE_DIGITS = 8


#: The kiosk's labels, each shown in the page's language with the other language small beneath.
KIOSK_LABELS = {
    "title": gettext_lazy("Take a ticket"),
    "choose": gettext_lazy("Touch the service you came for"),
    "priority": gettext_lazy("Priority: elderly or disabled"),
    "priority_choose": gettext_lazy("Priority ticket: touch the service you came for"),
    "appointment": gettext_lazy("I have an appointment"),
    "back": gettext_lazy("Back"),
    "check_in": gettext_lazy("Check in"),
    "book": gettext_lazy("Book an appointment"),
}


def bilingual(text) -> dict[str, str]:
    """`{"main": text in the page's language, "other": in the other one}` (the kiosk is Chinese first;
    a visitor reading English finds the same button)."""
    main = str(text)
    other = "zh-hans" if translation.get_language() == "en" else "en"
    with translation.override(other):
        return {"main": main, "other": str(text), "other_lang": other}


def _now() -> dt.datetime:
    return timezone.now()


def booking_path(*, queue: str, day: str, start: str) -> str:
    """The booking page for one slot: `/hall/appointments/book/?queue=A&day=2026-12-02&start=09:30`."""
    return f"{reverse('hall:book')}?{urlencode({'queue': queue, 'day': day, 'start': start})}"


def _slots_offered(request: HttpRequest, slots: list[dict]) -> list[dict]:
    """The free slots a refusal offered (`hall_tickets_run_out`), each with its booking address and QR."""
    offered = []
    for slot in slots:
        path = booking_path(queue=slot["queue"], day=slot["day"], start=slot["starts_at"])
        url = request.build_absolute_uri(path)
        offered.append({**slot, "path": path, "url": url, "qr": qr_svg(url)})
    return offered


def _live_url(request: HttpRequest, ticket: Ticket) -> str:
    return request.build_absolute_uri(reverse("hall:ticket", args=[ticket.token]))


def _ticket_or_404(token: str) -> Ticket:
    ticket = selectors.ticket_by_token(token)
    if ticket is None:
        raise Http404
    return ticket


def _status_text(ticket: Ticket) -> str:
    """What the holder reads first: waiting, called to window N, being served, served…"""
    window = ticket.window.number if ticket.window else ""
    if ticket.status == TicketStatus.WAITING:
        return _("Waiting")
    if ticket.status == TicketStatus.CALLED:
        return _("Your turn: please go to window %(window)s now") % {"window": window}
    if ticket.status == TicketStatus.SERVING:
        return _("Being served at window %(window)s") % {"window": window}
    if ticket.status == TicketStatus.DONE:
        return _("Served. Thank you for your visit.")
    if ticket.status == TicketStatus.NO_SHOW:
        return _("You were called but did not come. Please take a new ticket.")
    return _("You gave up this ticket.")


def _ticket_context(request: HttpRequest, ticket: Ticket, now: dt.datetime) -> dict:
    live_url = _live_url(request, ticket)
    return {"ticket": ticket, "position": selectors.ticket_position(ticket=ticket, now=now),
            "status_text": _status_text(ticket), "is_live": ticket.status in LIVE,
            "is_today": ticket.day == timezone.localtime(now).date(), "live_url": live_url, "qr": qr_svg(live_url),
            "poll_seconds": LIVE_POLL_SECONDS, "now_local": timezone.localtime(now)}


# --- the kiosk --------------------------------------------------------------------------------------

def _kiosk_take(request: HttpRequest, *, centre, now: dt.datetime) -> Ticket:
    """A queue's button (with `priority=1` from the priority screen) or an appointment's check-in."""
    if request.POST.get("action") == "check_in":
        form = CheckInForm(request.POST)
        if not form.is_valid():
            raise ApplicationError(_("Type your appointment code or your ID number."),
                                   HallErrorCode.APPOINTMENT_UNKNOWN)
        typed = "".join(form.cleaned_data["number"].split())
        digits = normalise_identifier(typed)
        if digits.isdigit() and len(digits) == APPOINTMENT_CODE_DIGITS:
            return services.appointment_check_in(centre=centre, now=now, code=typed)
        return services.appointment_check_in(centre=centre, now=now, id_number=typed)
    queue = selectors.queues_open().filter(letter=request.POST.get("queue", "")[:2]).first()
    if queue is None:
        raise ApplicationError(_("This queue is not in service."), HallErrorCode.QUEUE_UNKNOWN)
    priority = Priority.PRIORITY if request.POST.get("priority") == "1" else Priority.NORMAL
    return services.ticket_take(centre=centre, queue=queue, source=TicketSource.KIOSK, now=now,
                                priority=priority)


@never_cache
def kiosk(request: HttpRequest, key: str) -> HttpResponse:
    """The kiosk's touch screen (取号机): the start (a button per open queue), `?mode=priority` (the same
    buttons taking a priority ticket), `?mode=appointment` (checking in), `?taken=<token>` (the ticket just
    taken, returning to the start after a while). A POST takes the ticket and shows it (redirect); a
    refusal is shown large, and tickets run out offer the next free appointment slots. 404 for an
    unknown or retired key."""
    centre = centre_of(request)
    if services.device_by_key(key=key, kinds=[DeviceKind.KIOSK]) is None:
        raise Http404
    home = reverse("hall:kiosk", args=[key])
    now = _now()
    mode = request.GET.get("mode", "")
    waiting = waiting_counts(timezone.localtime(now).date())
    context: dict = {"home": home, "mode": mode if mode in ("priority", "appointment") else "",
                     "queues": [{"queue": q, "waiting": waiting.get(q.letter, 0)} for q in selectors.queues_open()],
                     "check_in_form": CheckInForm(), "return_seconds": KIOSK_RETURN_SECONDS,
                     "idle_seconds": KIOSK_IDLE_SECONDS, "error": "", "slots": [],
                     "labels": {name: bilingual(text) for name, text in KIOSK_LABELS.items()}}
    if request.method == "POST":
        try:
            ticket = _kiosk_take(request, centre=centre, now=now)
        except ApplicationError as exc:
            context.update(error=str(exc), error_code=exc.code,
                           slots=_slots_offered(request, exc.extra.get("slots") or []),
                           mode="appointment" if request.POST.get("action") == "check_in" else context["mode"])
            if context["mode"] == "appointment":
                context["check_in_form"] = CheckInForm(request.POST)
            return render(request, "hall/kiosk_start.html", context, status=exc.http_status)
        return redirect(f"{home}?{urlencode({'taken': ticket.token})}")
    taken = request.GET.get("taken", "")
    if taken:
        shown = selectors.ticket_by_token(taken)
        if shown is None or shown.day != timezone.localtime(now).date():
            return redirect(home)
        return render(request, "hall/kiosk_taken.html", {
            **context, **_ticket_context(request, shown, now),
            "print_url": reverse("hall:ticket_print", args=[shown.token]) + "?auto=1"})
    return render(request, "hall/kiosk_start.html", context)


# --- a ticket's own pages ---------------------------------------------------------------------------

@never_cache
@vary_on_headers("HX-Request")
def ticket(request: HttpRequest, token: str) -> HttpResponse:
    """A ticket's live page (its token the secret): status, people ahead, estimated wait; polled every
    `LIVE_POLL_SECONDS` (htmx: the status part alone). `?confirm=cancel` asks before a POST
    `action=cancel` gives the ticket up (a waiting ticket only)."""
    centre_of(request)
    ticket = _ticket_or_404(token)
    now = _now()
    error = ""
    if request.method == "POST" and request.POST.get("action") == "cancel":
        try:
            services.ticket_cancel(ticket=ticket, now=now)
        except ApplicationError as exc:
            error = str(exc)
        else:
            return redirect("hall:ticket", token=token)
        ticket = _ticket_or_404(token)
    context = {**_ticket_context(request, ticket, now), "error": error,
               "confirm": request.GET.get("confirm") == "cancel" and ticket.status == TicketStatus.WAITING,
               "may_cancel": ticket.status == TicketStatus.WAITING}
    if getattr(request, "htmx", False):
        return render(request, "hall/kiosk_live_status.html", context)
    return render(request, "hall/kiosk_live.html", context, status=409 if error else 200)


@never_cache
def ticket_print(request: HttpRequest, token: str) -> HttpResponse:
    """The ticket's 58 mm receipt: the centre, the queue, the big number, when it was taken, people ahead,
    the live page's QR code and address. `?auto=1` (the kiosk) prints at once and goes back."""
    centre = centre_of(request)
    ticket = _ticket_or_404(token)
    return render(request, "hall/kiosk_print.html", {
        **_ticket_context(request, ticket, _now()), "centre_name": centre.name_zh,
        "centre_name_en": centre.name_en, "auto": request.GET.get("auto") == "1"})


# --- taking a ticket on a phone ---------------------------------------------------------------------

def _address_may_send_code(request: HttpRequest, now: dt.datetime) -> bool:
    """Count a code sent from the request's address this hour; False past `PHONE_CODES_PER_ADDRESS_HOUR`."""
    key = f"hall-phone-codes:{client_address(request)}:{now:%Y%m%d%H}"
    cache.add(key, 0, timeout=3600)
    return cache.incr(key) <= PHONE_CODES_PER_ADDRESS_HOUR


@never_cache
def phone(request: HttpRequest) -> HttpResponse:
    """Taking a ticket on a phone (手机取号): the mobile (an SMS code is sent), then the code and the queue;
    the ticket's live page follows. A wrong code or a refusal is shown on the form and takes nothing."""
    centre = centre_of(request)
    queues: list[Queue] = list(selectors.queues_open())
    now = _now()
    mobile_form = PhoneMobileForm()
    take_form: PhoneTakeForm | None = None
    slots: list[dict] = []
    status = 200
    if request.method == "POST" and request.POST.get("step") == "send":
        mobile_form = PhoneMobileForm(request.POST)
        if mobile_form.is_valid() and not _address_may_send_code(request, now):
            mobile_form.add_error(None, _("Too many codes were asked for from here; please try again later or take "
                                          "a ticket at the kiosk."))
            status = 429
        elif mobile_form.is_valid():
            try:
                services.phone_code_send(centre=centre, mobile=mobile_form.cleaned_data["mobile"],
                                         purpose=services.PHONE_CODE_TICKET, now=now)
            except ApplicationError as exc:
                add_service_errors(mobile_form, exc)
                status = exc.http_status
            else:
                take_form = PhoneTakeForm(initial={"mobile": mobile_form.cleaned_data["mobile"]}, queues=queues)
        else:
            status = 400
    elif request.method == "POST" and request.POST.get("step") == "take":
        take_form = PhoneTakeForm(request.POST, queues=queues)
        if take_form.is_valid():
            queue = next(q for q in queues if q.letter == take_form.cleaned_data["queue"])
            try:
                taken = services.ticket_take_by_phone(centre=centre, queue=queue,
                                                      mobile=take_form.cleaned_data["mobile"],
                                                      code=take_form.cleaned_data["code"], now=now)
            except ApplicationError as exc:
                add_service_errors(take_form, exc, aliases={"mobile": "__all__"})
                slots = _slots_offered(request, exc.extra.get("slots") or [])
                status = exc.http_status
            else:
                return redirect("hall:ticket", token=taken.token)
        else:
            status = 400
    return render(request, "hall/kiosk_phone.html", {
        "mobile_form": mobile_form, "take_form": take_form, "queues": queues, "slots": slots}, status=status)
