"""The window's caller page (叫号) for clerks and the window's rating pad (评价器), on a centre's host.

Caller: `/hall/counter/` lists the windows the signed-in staff member may call at; `/hall/counter/<number>/`
shows the window's ticket, the waiting counts of its queues and the day's counts, with one form per step
(call next, call again, not come, start, finish, transfer) and `/hall/counter/<number>/case/` opens a case
from the ticket (pre-filled). Every step is a POST answered by a redirect (POST-redirect-GET); a refused
step answers the page again with the service's message and its status (409 for a race lost: another
window called the ticket first, the page was stale), nothing written. Keys: N next, R again, X not
come, S start, F finish, C case (static/hall/counter.js).

Pad: `/hall/pad/<device key>/` (no sign-in: the key of a registered pad, `hall.services.device_by_key`)
asks for a rating of the visit that just finished at its window, polling `state/` every 2 s; the rating is
written by supervision through `registry.hooks.counter_rated` (`hall.services.ticket_rate`).
"""
from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from cases import door as cases_door
from catalog.selectors import centre_catalogue
from common.errors import ApplicationError
from common.forms import add_service_errors, choice_field
from common.i18n import pick
from hall import selectors, services
from hall.choices import DeviceKind, TicketAction, TicketStatus
from hall.models import HallDevice, Queue, Ticket
from tenants.models import Centre, User
from tenants.request import centre_of, require_centre_staff, user_of
from windows.models import Window

#: The caller's steps taken by `ticket_act`: form value → action ("next" and "transfer" have their own services).
STEPS = {"recall": TicketAction.RECALL, "no_show": TicketAction.NO_SHOW, "start": TicketAction.START,
         "finish": TicketAction.FINISH}


# --- the caller ------------------------------------------------------------------------------------

def _operable(user: User, centre: Centre) -> list[Window]:
    return [w for w in Window.objects.filter(is_active=True).order_by("number")
            if services.may_operate(user=user, centre=centre, window=w)]


@login_required
def counter(request: HttpRequest) -> HttpResponse:
    """The windows the staff member may call at (each a link to its caller page); a clerk of one window goes
    straight to it."""
    centre = require_centre_staff(request)
    windows = list(_operable(user_of(request), centre))
    if len(windows) == 1:
        return redirect("hall:counter_window", number=windows[0].number)
    return render(request, "hall/counter_windows.html", {"windows": windows})


class TransferForm(forms.Form):
    ticket = forms.UUIDField(widget=forms.HiddenInput)
    to = forms.ChoiceField(label=gettext_lazy("Transfer to"))

    def __init__(self, *args, window: Window, **kwargs):
        super().__init__(*args, **kwargs)
        queues = [(f"q:{q.pk}", _("Queue %(letter)s %(name)s") % {"letter": q.letter, "name": q.name})
                  for q in Queue.objects.filter(is_active=True).order_by("letter")]
        windows = [(f"w:{w.pk}", _("Window %(number)s %(name)s") % {"number": w.number, "name": pick(w.name_zh,
                                                                                                       w.name_en)})
                   for w in Window.objects.filter(is_active=True).exclude(pk=window.pk).order_by("number")]
        choice_field(self, "to").choices = [("", _("Choose a queue or a window")), *queues, *windows]


def _window(number: str) -> Window:
    window = Window.objects.filter(number=number, is_active=True).first()
    if window is None:
        raise Http404
    return window


def _counter_page(request: HttpRequest, centre: Centre, window: Window, *, status: int = 200,
                  error: str = "") -> HttpResponse:
    now = timezone.now()
    day = timezone.localtime(now).date()
    allowed = services.may_operate(user=user_of(request), centre=centre, window=window)
    if not allowed:
        error, status = _("You may not call at window %(number)s.") % {"number": window.number}, 403
    live = services.live_tickets_of_window(window=window, day=day) if allowed else []
    ticket = live[0] if live else None
    counts = selectors.window_day_counts(window=window, day=day)
    return render(request, "hall/counter_window.html", {
        "window": window, "window_name": pick(window.name_zh, window.name_en), "allowed": allowed,
        "ticket": ticket, "error": error,
        "case_url": reverse("cases-detail", args=[ticket.case_id]) if ticket and ticket.case_id else "",
        "waiting": selectors.waiting_for_window(window=window, day=day) if allowed else {},
        "served": counts.get(TicketStatus.DONE, 0), "no_show": counts.get(TicketStatus.NO_SHOW, 0),
        "called": sum(counts.values()), "hall": selectors.day_counts(day=day),
        "transfer_form": TransferForm(window=window, initial={"ticket": ticket.pk if ticket else None}),
        "CALLED": TicketStatus.CALLED, "SERVING": TicketStatus.SERVING}, status=status)


def _ticket_of(raw: str) -> Ticket:
    """The ticket the page showed (by its id), today's."""
    try:
        pk = uuid.UUID(raw)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    ticket = Ticket.objects.select_related("queue").filter(pk=pk, day=timezone.localdate()).first()
    if ticket is None:
        raise Http404
    return ticket


def _step(request: HttpRequest, centre: Centre, window: Window) -> str:
    """Take the posted step; its message (success) — a refusal raises the service's error."""
    user, now = user_of(request), timezone.now()
    step = request.POST.get("step", "")
    if step == "next":
        called = services.ticket_call_next(centre=centre, window=window, acting_user=user, now=now)
        return _("Called %(ticket)s.") % {"ticket": called.code}
    if step in STEPS:
        ticket = services.ticket_act(centre=centre, ticket=_ticket_of(request.POST.get("ticket", "")),
                                     action=STEPS[step], window=window, acting_user=user, now=now)
        return _("%(ticket)s: %(step)s.") % {"ticket": ticket.code, "step": TicketAction(STEPS[step]).label}
    if step == "transfer":
        form = TransferForm(request.POST, window=window)
        if not form.is_valid():
            raise ApplicationError(_("Choose a queue or a window to transfer to."), "hall_queue_unknown")
        kind, _sep, pk = form.cleaned_data["to"].partition(":")
        to_queue = Queue.objects.filter(pk=pk).first() if kind == "q" else None
        to_window = Window.objects.filter(pk=pk).first() if kind == "w" else None
        ticket = services.ticket_transfer(centre=centre, ticket=_ticket_of(str(form.cleaned_data["ticket"])),
                                          window=window, acting_user=user, now=now, to_queue=to_queue,
                                          to_window=to_window)
        where = (_("queue %(letter)s") % {"letter": to_queue.letter} if to_queue else
                 _("window %(number)s") % {"number": to_window.number if to_window else "-"})
        return _("%(ticket)s was sent to %(where)s.") % {"ticket": ticket.code, "where": where}
    raise ApplicationError(_("Unknown step."), "hall_transition_not_allowed")


@never_cache
@login_required
def counter_window(request: HttpRequest, number: str) -> HttpResponse:
    """The caller of one window: GET shows it, POST takes one step and redirects back to it."""
    centre = require_centre_staff(request)
    window = _window(number)
    if request.method == "POST":
        try:
            done = _step(request, centre, window)
        except ApplicationError as exc:
            return _counter_page(request, centre, window, status=exc.http_status, error=str(exc))
        messages.success(request, done)
        return redirect("hall:counter_window", number=window.number)
    return _counter_page(request, centre, window)


# --- a case opened from the ticket ---------------------------------------------------------------

class CaseFromTicketForm(cases_door.CaseNewForm):
    """The window's case form (`cases.door.CaseNewForm`: the item, the applicant, the materials handed in),
    pre-filled from the ticket being served and its appointment, and bound to that ticket."""

    ticket = forms.UUIDField(widget=forms.HiddenInput)


@never_cache
@login_required
def counter_case(request: HttpRequest, number: str) -> HttpResponse:
    """Open a case from the window's ticket: GET a form pre-filled from it (`ticket_case_draft`; another
    item may be chosen with `?item_code=`), POST files it (`ticket_case_open`) and goes to the case."""
    centre = require_centre_staff(request)
    window = _window(number)
    user, now = user_of(request), timezone.now()
    if not services.may_operate(user=user, centre=centre, window=window):
        return _counter_page(request, centre, window)
    live = services.live_tickets_of_window(window=window, day=timezone.localtime(now).date())
    if not live:
        messages.error(request, _("Window %(number)s has no ticket called or in service.") % {"number": window.number})
        return redirect("hall:counter_window", number=window.number)
    ticket = live[0]
    adoptions = {a.item.code: a for a in centre_catalogue(centre=centre) if a.item.current_version is not None}
    draft = services.ticket_case_draft(ticket=ticket)
    data = request.POST if request.method == "POST" else None
    source = data or request.GET
    code = source.get("item_code", "") if "item_code" in source else draft.item_code
    adoption = adoptions.get(code)
    initial = {"ticket": ticket.pk, "item_code": code, "applicant_kind": draft.applicant_kind,
               "applicant_name": draft.applicant_name, "applicant_id_number": draft.applicant_id_number,
               "phone": draft.phone}
    form = CaseFromTicketForm(data, adoptions=list(adoptions.values()),
                              materials=cases_door.material_choices(adoption) if adoption else [], initial=initial)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid() and str(form.cleaned_data["ticket"]) == str(ticket.pk):
            clean = form.cleaned_data
            try:
                case = services.ticket_case_open(
                    centre=centre, ticket=ticket, window=window, acting_user=user, now=now,
                    item_code=clean["item_code"], applicant_kind=clean["applicant_kind"],
                    applicant_name=clean["applicant_name"], applicant_id_number=clean["applicant_id_number"],
                    phone=clean["phone"], provided_material_ids=clean["materials"])
            except ApplicationError as exc:
                add_service_errors(form, exc)
                status = exc.http_status
            else:
                messages.success(request, _("Case %(number)s filed from %(ticket)s.")
                                 % {"number": case.number, "ticket": ticket.code})
                return redirect("cases-detail", case_id=case.pk)
        elif form.is_valid():
            form.add_error(None, _("The window's ticket changed; check the form and file again."))
            status = 409
    return render(request, "hall/counter_case.html", {
        "window": window, "ticket": ticket, "form": form, "has_item": adoption is not None}, status=status)


# --- the rating pad ---------------------------------------------------------------------------------

def _pad(key: str) -> HallDevice:
    device = services.device_by_key(key=key, kinds=[DeviceKind.PAD])
    if device is None or device.window is None:
        raise Http404
    return device


def _both(text) -> tuple[str, str]:
    """(Chinese, English) of a translatable text: the pad shows Chinese first, English under it."""
    with translation.override("zh-hans"):
        zh = str(text)
    with translation.override("en"):
        en = str(text)
    return zh, en


@never_cache
def pad(request: HttpRequest, key: str) -> HttpResponse:
    """The pad: idle, or the rating form for the visit that just finished; POST records the rating."""
    centre = centre_of(request)
    device = _pad(key)
    window = device.window
    assert window is not None
    now = timezone.now()
    error, status = "", 200
    if request.method == "POST":
        # the levels by dimension as the pad drew them (the reviews' service keeps the counter's dimensions)
        levels = {name: str(value) for name, value in request.POST.items()
                  if name not in ("ticket", "comment", "csrfmiddlewaretoken")}
        try:
            services.ticket_rate(centre=centre, window=window, ticket_id=_uuid_or_404(request.POST.get("ticket")),
                                 levels=levels, comment=request.POST.get("comment", ""), now=now)
        except ApplicationError as exc:
            error, status = str(exc), exc.http_status
        else:
            return redirect(reverse("hall:pad", args=[key]) + "?thanks=1")
    state = selectors.pad_state(centre=centre, window=window, now=now)
    return render(request, "hall/counter_pad.html", {
        "key": key, "window": window, "window_name": pick(window.name_zh, window.name_en),
        "ticket": None if request.GET.get("thanks") else state.ticket, "thanks": bool(request.GET.get("thanks")),
        "levels": [(value, *_both(label)) for value, label in state.levels],
        "dimensions": [(name, *_both(label), required) for name, label, required in state.dimensions],
        "ask": _both(gettext_lazy("Please rate this service")), "thank_you": _both(gettext_lazy("Thank you!")),
        "welcome": _both(gettext_lazy("Welcome")), "submit": _both(gettext_lazy("Submit")),
        "comment": _both(gettext_lazy("Comment (optional)")), "optional": _both(gettext_lazy("optional")),
        "error": error}, status=status)


def _uuid_or_404(raw: str | None) -> uuid.UUID:
    try:
        return uuid.UUID(raw or "")
    except ValueError as exc:
        raise Http404 from exc


@never_cache
def pad_state(request: HttpRequest, key: str) -> JsonResponse:
    """What the pad polls (every 2 s): `{"ask": bool, "ticket": id or null, "code": "A001" or ""}`."""
    centre = centre_of(request)
    device = _pad(key)
    assert device.window is not None
    state = selectors.pad_state(centre=centre, window=device.window, now=timezone.now())
    ticket = state.ticket
    return JsonResponse({"ask": ticket is not None, "ticket": str(ticket.pk) if ticket else None,
                         "code": ticket.code if ticket else ""})
