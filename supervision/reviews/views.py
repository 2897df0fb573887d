"""Pages of the reviews room on a centre's site (mounted under /supervision/).

Public (no sign-in): rate a decided case (number + lookup factor, rate limited and guarded per case
number like the progress lookup, sharing its allowances), add the one follow-up rating, write a
complaint, consultation or letter. Staff: the reviews and open rectifications, counter ratings and
follow-up calls, the open complaints with overdue flags.
A step already done answers the page again with the message and 409; nothing is written.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from common.errors import ApplicationError
from registry.guard import NumberGuarded, guarded_lookup
from registry.models import RegistryEntry
from registry.views import CaseNumberField, LookupFactorField, ProgressThrottle
from supervision.reviews import selectors, services
from supervision.reviews.choices import DIMENSIONS, InquiryKind, NoticeAnswer, ReviewChannel, ReviewLevel
from tenants.request import centre_of, user_of
from tenants.selectors import user_is_staff_of

_LEVEL_LABELS = {
    "overall": gettext_lazy("Overall"), "efficiency": gettext_lazy("Efficiency"),
    "guide_accuracy": gettext_lazy("Accuracy of the service guide"), "convenience": gettext_lazy("Convenience"),
    "platform_usability": gettext_lazy("Usability of the platform"),
    "service_level": gettext_lazy("Service level"), "attitude": gettext_lazy("Attitude"),
}


def _level_field(name: str, required: bool) -> forms.ChoiceField:
    choices = ReviewLevel.choices if required else [("", "—"), *ReviewLevel.choices]
    return forms.ChoiceField(label=_LEVEL_LABELS[name], choices=choices, required=required)


class CaseKeyForm(forms.Form):
    number = CaseNumberField(label=gettext_lazy("Case number"), max_length=40)
    factor = LookupFactorField(label=gettext_lazy("Last four characters of the ID number or mobile phone"))


class OnlineLevelsForm(forms.Form):
    """The online rating's levels (overall required) and a comment: the online service hall's rating of
    a signed-in applicant's own case uses it as it is (no case number, no lookup factor)."""

    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in DIMENSIONS[ReviewChannel.ONLINE]:
            self.fields[name] = _level_field(name, name == "overall")
        self.fields["comment"] = self.fields.pop("comment")  # after the levels

    def levels(self) -> dict[str, str]:
        return {n: self.cleaned_data.get(n, "") for n in DIMENSIONS[ReviewChannel.ONLINE]}


class OnlineReviewForm(CaseKeyForm, OnlineLevelsForm):
    """A rating by the case's number and lookup factor (no sign-in)."""


class CounterReviewForm(forms.Form):
    number = CaseNumberField(label=gettext_lazy("Case number"), max_length=40)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in DIMENSIONS[ReviewChannel.COUNTER]:
            self.fields[name] = _level_field(name, name == "overall")


class FollowUpForm(CaseKeyForm):
    level = forms.ChoiceField(label=gettext_lazy("Your rating after the rectification"), choices=ReviewLevel.choices)


class CallbackForm(forms.Form):
    number = CaseNumberField(label=gettext_lazy("Case number"), max_length=40)
    procedure_correct = forms.TypedChoiceField(
        label=gettext_lazy("Was the acceptance procedure right?"), coerce=lambda v: v == "yes",
        choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))])
    notice_given = forms.ChoiceField(label=gettext_lazy("Was the one-time notice given when needed?"),
                                     choices=NoticeAnswer.choices)
    attitude = forms.ChoiceField(label=gettext_lazy("How was the staff's attitude?"), choices=ReviewLevel.choices)
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class InquiryForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=InquiryKind.choices)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    body = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 5}))
    department_code = forms.CharField(label=gettext_lazy("Department code (if known)"), max_length=2,
                                      required=False)
    case_number = CaseNumberField(label=gettext_lazy("Case number (if any)"), max_length=40, required=False)
    name = forms.CharField(label=gettext_lazy("Name (optional)"), max_length=100, required=False)
    contact = forms.CharField(label=gettext_lazy("Phone or e-mail for the answer (optional)"), max_length=100,
                              required=False)


def _throttled(request: HttpRequest) -> bool:
    return not ProgressThrottle().allows_page(request)


def _not_found() -> str:
    return _("No case at this centre matches that number and those four digits. Check both and try again.")


def _too_many() -> str:
    return _("Too many attempts. Please try again later.")


# --- public ---------------------------------------------------------------------------------------

def _applicant_rating(request: HttpRequest, form: CaseKeyForm, rate: Callable[[RegistryEntry, dict], object],
                      **extra: object) -> HttpResponse:
    """An applicant's rating page (no sign-in): the case found by its number and lookup factor at this
    centre (rate limited per client and guarded per case number, like the progress lookup: a case at
    another centre counts as a wrong factor), then `rate(entry, cleaned data)`."""
    centre = centre_of(request)
    context: dict = {"form": form, "error": "", "done": None, **extra}
    status = 200
    if request.method == "POST":
        if _throttled(request):
            context["error"] = _too_many()
            return render(request, "supervision/reviews_rate.html", context, status=429)
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = guarded_lookup(number=data["number"], factor=data["factor"],
                                       find=partial(selectors.reviewable_entry, centre=centre))
            except NumberGuarded:
                context["error"] = _too_many()
                return render(request, "supervision/reviews_rate.html", context, status=429)
            if not isinstance(entry, RegistryEntry):  # none here (`reviewable_entry` finds no joint case)
                context["error"], status = _not_found(), 404
            else:
                try:
                    context["done"] = rate(entry, data)
                except ApplicationError as exc:
                    context["error"], status = exc.message, exc.http_status
    return render(request, "supervision/reviews_rate.html", context, status=status)


@never_cache
def review_rate(request: HttpRequest) -> HttpResponse:
    """The applicant rates a decided case online."""
    def rate(entry: RegistryEntry, data: dict) -> object:
        return services.review_submit(
            entry=entry, channel=ReviewChannel.ONLINE, comment=data["comment"], acting_user=None,
            levels={n: data.get(n, "") for n in DIMENSIONS[ReviewChannel.ONLINE]}, now=timezone.now())

    return _applicant_rating(request, OnlineReviewForm(request.POST or None), rate)


@never_cache
def review_follow_up(request: HttpRequest) -> HttpResponse:
    """The applicant's one follow-up rating after a bad review was rectified."""
    def follow_up(entry: RegistryEntry, data: dict) -> object:
        return services.review_follow_up(entry=entry, level=data["level"], now=timezone.now())

    return _applicant_rating(request, FollowUpForm(request.POST or None), follow_up, follow_up=True)


def complaint_new(request: HttpRequest) -> HttpResponse:
    """Anyone (anonymous allowed) online; staff signed in record it as taken at the window."""
    centre = centre_of(request)
    form = InquiryForm(request.POST or None)
    context: dict = {"form": form, "error": "", "done": None}
    status = 200
    if request.method == "POST" and form.is_valid():
        staff = request.user if request.user.is_authenticated and user_is_staff_of(
            user=request.user, centre=centre) else None
        try:
            context["done"] = services.inquiry_submit(centre=centre, acting_user=staff, now=timezone.now(),
                                                      **form.cleaned_data)
        except ApplicationError as exc:
            context["error"], status = exc.message, exc.http_status
    return render(request, "supervision/complaint_new.html", context, status=status)


# --- staff ----------------------------------------------------------------------------------------

def _reviews_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    centre = centre_of(request)
    reviews = list(selectors.reviews_for(user=request.user, centre=centre)[:200])
    rectifications = list(selectors.rectifications_open_for(user=request.user, centre=centre))
    return render(request, "supervision/reviews.html", {
        "reviews": reviews, "rectifications": rectifications, "today": timezone.localdate(),
        "counter_form": CounterReviewForm(), "callback_form": CallbackForm(),
        "departments": selectors.rates_by_department(centre=centre),
        "items": selectors.rates_by_item(centre=centre)}, status=status)


def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """The reviews page again with the message (nothing was written)."""
    messages.error(request, message)
    return _reviews_page(request, status=status)


def _saved(request: HttpRequest) -> HttpResponse:
    messages.success(request, _("Saved."))
    return redirect("supervision-reviews")


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    return _reviews_page(request)


@login_required
@require_POST
def review_counter(request: HttpRequest) -> HttpResponse:
    centre = centre_of(request)
    form = CounterReviewForm(request.POST)
    if not form.is_valid():
        return _refused(request, _("Check the case number and the overall rating."), 400)
    entry = selectors.entry_for_staff(user=request.user, centre=centre, number=form.cleaned_data["number"])
    try:
        services.review_submit(entry=entry, channel=ReviewChannel.COUNTER, acting_user=user_of(request),
                               levels={n: form.cleaned_data.get(n, "") for n in DIMENSIONS[ReviewChannel.COUNTER]},
                               now=timezone.now())
    except ApplicationError as exc:
        return _refused(request, str(exc), exc.http_status)
    return _saved(request)


@login_required
@require_POST
def callback_new(request: HttpRequest) -> HttpResponse:
    centre = centre_of(request)
    form = CallbackForm(request.POST)
    if not form.is_valid():
        return _refused(request, _("Answer the three questions."), 400)
    data = form.cleaned_data
    entry = selectors.entry_for_staff(user=request.user, centre=centre, number=data.pop("number"))
    services.callback_record(entry=entry, acting_user=user_of(request), now=timezone.now(), **data)
    return _saved(request)


@login_required
@require_POST
def rectification_callback(request: HttpRequest, pk: int) -> HttpResponse:
    rectification = selectors.rectification_get_for(user=request.user, centre=centre_of(request), pk=pk)
    try:
        services.rectification_record_callback(rectification=rectification, acting_user=user_of(request),
                                               now=timezone.now())
    except ApplicationError as exc:
        return _refused(request, str(exc), exc.http_status)
    return _saved(request)


@login_required
@require_POST
def rectification_report(request: HttpRequest, pk: int) -> HttpResponse:
    rectification = selectors.rectification_get_for(user=request.user, centre=centre_of(request), pk=pk)
    try:
        services.rectification_report(rectification=rectification, report=request.POST.get("report", ""),
                                      acting_user=user_of(request), now=timezone.now())
    except ApplicationError as exc:
        return _refused(request, str(exc), exc.http_status)
    return _saved(request)


def _complaints_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    inquiries = selectors.inquiries_open_for(user=request.user, centre=centre_of(request),
                                             today=timezone.localdate())
    return render(request, "supervision/complaints.html", {
        "inquiries": inquiries, "overdue_count": len([i for i in inquiries if i.is_overdue])}, status=status)


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    return _complaints_page(request)


@login_required
@require_POST
def complaint_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Route and answer (either or both, at once); an answer given already answers the page with 409."""
    inquiry = selectors.inquiry_get_for(user=request.user, centre=centre_of(request), pk=pk)
    try:
        services.inquiry_handle(inquiry=inquiry, department_code=request.POST.get("department_code", ""),
                                answer=request.POST.get("answer", ""), acting_user=user_of(request), now=timezone.now())
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return _complaints_page(request, status=exc.http_status)
    messages.success(request, _("Saved."))
    return redirect("supervision-complaints")
