"""Pages of the online service hall (网上办事大厅) for asking and booking: a question, complaint or letter
to the director (咨询、投诉、主任信箱) and "my questions" with their answers; an appointment in a centre's hall
booked from an item's guide (预约) and "my appointments"; rating one of my decided cases (好差评). Plain forms
(no script), every refusal in the applicant's language next to its field."""
from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from common.errors import ApplicationError
from common.forms import add_service_errors
from hall import door as hall_door
from hall.views_appointments import show_error
from portal import selectors, selectors_ask, services_ask
from portal.access import applicant_required, identity_required
from portal.forms_ask import AskForm, SlotForm
from supervision.reviews.choices import REVIEWABLE_STATUSES
from supervision.reviews.selectors import review_of_entry
from supervision.reviews.views import OnlineLevelsForm


def _now() -> dt.datetime:
    """The time of the request (one place, so tests can set the clock)."""
    return timezone.now()


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise Http404 from exc


# --- questions ---------------------------------------------------------------------------------------

@applicant_required
def ask(request: HttpRequest) -> HttpResponse:
    """Ask a centre (consultation, complaint, the director's mailbox). `?q=` narrows the list of centres;
    `?case=<uuid>` (one of mine) or `?centre=<slug>` chooses the centre; `?item=<code>` fills in the item."""
    applicant = request.applicant  # type: ignore[attr-defined]
    mine = selectors.my_cases(applicant=applicant, limit=200).cases if applicant.is_bound else []
    query = request.GET.get("q", "").strip()
    initial: dict = {"item_code": request.GET.get("item", "").strip()[:32]}
    chosen = request.GET.get("centre", "").strip()
    if request.GET.get("case"):
        entry = selectors.my_case_entry(applicant=applicant, case_id=_uuid_or_404(request.GET["case"]))
        initial.update(case=str(entry.case_id), centre=entry.centre.slug, item_code=entry.item_code)
        chosen = entry.centre.slug
    elif chosen:
        initial["centre"] = chosen
    centres = selectors_ask.centres_to_ask(query=query)
    if chosen:  # the chosen centre stays in the list whatever the search
        centres = centres | selectors_ask.centres_to_ask().filter(slug=chosen)
    form = AskForm(request.POST or None, centres=centres.distinct(), cases=mine, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inquiry = services_ask.question_ask(
                applicant=applicant, centre=data["centre"], kind=data["kind"], subject=data["subject"],
                body=data["body"], item_code=data["item_code"], case_id=data.get("case") or None, now=_now())
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Sent to %(centre)s as no. %(number)s; the answer is due by %(due)s. You "
                                        "will get an SMS when it is answered.")
                             % {"centre": inquiry.centre.name, "number": inquiry.pk, "due": inquiry.due_date})
            return HttpResponseRedirect(reverse("portal:question", args=[inquiry.pk]))
    return render(request, "portal/ask.html", {"form": form, "query": query, "applicant": applicant},
                  status=400 if form.errors else 200)


@applicant_required
def my_questions(request: HttpRequest) -> HttpResponse:
    """My questions, complaints and letters, newest first, with their status and answer."""
    applicant = request.applicant  # type: ignore[attr-defined]
    questions = list(selectors_ask.my_questions(applicant=applicant)[:200])
    return render(request, "portal/my_questions.html", {"questions": questions, "today": timezone.localdate()})


@applicant_required
def question(request: HttpRequest, pk: int) -> HttpResponse:
    """One of my questions and its answer (another account's: 404)."""
    applicant = request.applicant  # type: ignore[attr-defined]
    inquiry = selectors_ask.my_question(applicant=applicant, pk=pk)
    return render(request, "portal/question.html", {"q": inquiry, "today": timezone.localdate()})


# --- appointments ------------------------------------------------------------------------------------

@never_cache
@identity_required
def book(request: HttpRequest, code: str) -> HttpResponse:
    """Book an appointment for an item: the centres that handle it and have a hall queue for it
    (`?centre=<slug>`, then `?queue=<letter>` when it has several), a day and a time; booked with the
    account's name, ID number and mobile. With no such queue anywhere: said so, with where to go instead."""
    applicant = request.applicant  # type: ignore[attr-defined]
    now = _now()
    item = selectors_ask.bookable_item(code=code)
    offers = selectors_ask.booking_offers(item=item, on=timezone.localtime(now).date())
    slug = request.GET.get("centre", "").strip()
    offer = next((o for o in offers if o.centre.slug == slug), offers[0] if len(offers) == 1 else None)
    queue = None
    if offer is not None:
        letter = request.GET.get("queue", "").strip().upper()
        queue = next((q for q in offer.queues if q.letter == letter), offer.queues[0])
    context: dict = {"item": item, "version": item.current_version, "offers": offers, "offer": offer, "queue": queue,
                     "applicant": applicant}
    status = 200
    if offer is not None and queue is not None:
        slots = hall_door.slots_of_queue(centre=offer.centre, letter=queue.letter, now=now)
        form = SlotForm(request.POST or None, slots=slots)
        if request.method == "POST" and form.is_valid():
            try:
                facts = services_ask.appointment_book(applicant=applicant, centre=offer.centre, letter=queue.letter,
                                                      item_code=item.code, day=form.day, starts_at=form.starts_at,
                                                      now=now)
            except ApplicationError as exc:
                show_error(form, exc)
                status = exc.http_status
            else:
                messages.success(request, _("Booked at %(centre)s: %(slot)s, appointment code %(code)s. An SMS "
                                            "confirms it; check in at the hall's kiosk with the code or your ID.")
                                 % {"centre": offer.centre.name, "slot": facts.slot_label, "code": facts.code})
                return HttpResponseRedirect(reverse("portal:my-appointments"))
        if form.errors and status == 200:
            status = 400
        context.update(form=form, free=bool(slots))
    return render(request, "portal/book.html", context, status=status)


@identity_required
def my_appointments(request: HttpRequest) -> HttpResponse:
    """My appointments booked here: the coming ones (each may be cancelled), then the past ones."""
    applicant = request.applicant  # type: ignore[attr-defined]
    return render(request, "portal/my_appointments.html",
                  {"appointments": selectors_ask.my_appointments(applicant=applicant)})


@require_POST
@identity_required
def appointment_cancel(request: HttpRequest, appointment_id: uuid.UUID) -> HttpResponse:
    """Cancel one of my appointments (another's: 404; one no longer booked: the message)."""
    applicant = request.applicant  # type: ignore[attr-defined]
    try:
        facts = services_ask.appointment_cancel(applicant=applicant, appointment_id=appointment_id, now=_now())
    except ApplicationError as exc:
        if exc.http_status == 404:
            raise Http404 from exc
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your appointment of %(slot)s is cancelled. An SMS confirms it.")
                         % {"slot": facts.slot_label})
    return HttpResponseRedirect(reverse("portal:my-appointments"))


# --- rating a case -----------------------------------------------------------------------------------

@never_cache
@identity_required
def case_rate(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Rate one of my decided cases once (the reviews room's online levels; no case number or four digits
    needed: the account owns the case). The rating given is shown; a second one is a 409 with the message,
    an open case's a 400."""
    applicant = request.applicant  # type: ignore[attr-defined]
    entry = selectors.my_case_entry(applicant=applicant, case_id=case_id)
    form = OnlineLevelsForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST" and form.is_valid():
        try:
            services_ask.case_rate(applicant=applicant, case_id=entry.case_id, levels=form.levels(),
                                   comment=form.cleaned_data["comment"], now=_now())
        except ApplicationError as exc:
            error, status = exc.message, exc.http_status
        else:
            messages.success(request, _("Thank you: your rating has been recorded."))
            return HttpResponseRedirect(reverse("portal:case-rate", args=[entry.case_id]))
    elif form.errors:
        status = 400
    review = review_of_entry(entry=entry)
    return render(request, "portal/case_rate.html", {
        "entry": entry, "form": form, "error": error, "review": review,
        "decided": entry.status in REVIEWABLE_STATUSES}, status=status)

