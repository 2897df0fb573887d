"""Pages of archive sampling and assessment, on a centre's host. The city's supervisors may look at
another centre with `?centre=<division code>`; anyone else who does not oversee the centre gets 404."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from common.errors import ApplicationError
from supervision import assessment, sampling
from supervision.models_assessment import ScoringRule
from tenants.models import Centre, User


def _centre(request: HttpRequest) -> Centre:
    code = request.GET.get("centre") or request.POST.get("centre")
    if code:
        centre = Centre.objects.filter(division_code=code).first()
        if centre is None:
            raise Http404
        return centre
    if getattr(request, "centre", None) is None:
        raise Http404
    return request.centre


def _suffix(request: HttpRequest, centre: Centre) -> str:
    return f"?centre={centre.division_code}" if centre != getattr(request, "centre", None) else ""


def _date(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


class ArchiveDatesForm(forms.Form):
    received_on = forms.DateField(label=gettext_lazy("Received (archive)"), required=False)
    accepted_on = forms.DateField(label=gettext_lazy("Accepted (archive)"), required=False)
    decided_on = forms.DateField(label=gettext_lazy("Decided (archive)"), required=False)


class InspectionForm(forms.Form):
    window_number = forms.CharField(label=gettext_lazy("Window number"), max_length=16)
    rule = forms.ModelChoiceField(label=gettext_lazy("Rule"), queryset=ScoringRule.objects.filter(is_active=True))
    staff = forms.CharField(label=gettext_lazy("Staff member (user name)"), max_length=150, required=False)
    note = forms.CharField(label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean_staff(self):
        username = self.cleaned_data["staff"].strip()
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("No such user."))
        return user


class ScoringRuleForm(forms.ModelForm):
    class Meta:
        model = ScoringRule
        fields = ["code", "description_zh", "description_en", "points", "is_active"]


# --- archive sampling ---------------------------------------------------------------------------

@login_required
def sample_list(request: HttpRequest) -> HttpResponse:
    """The centre's monthly archive samples, with how many cases are recorded and flagged."""
    centre = _centre(request)
    samples = list(sampling.samples_for(user=request.user, centre=centre).prefetch_related("cases")[:36])
    return render(request, "supervision/sampling_list.html", {
        "target": centre, "samples": samples, "suffix": _suffix(request, centre)})


@login_required
def sample_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The sampled cases: the system's dates, the archive's as recorded, and the flags."""
    centre = _centre(request)
    sample = sampling.sample_get_for(user=request.user, centre=centre, pk=pk)
    return render(request, "supervision/sampling_detail.html", {
        "target": centre, "sample": sample, "cases": list(sample.cases.order_by("position")),
        "suffix": _suffix(request, centre)})


@login_required
@require_POST
def sample_case_record(request: HttpRequest, pk: int) -> HttpResponse:
    centre = _centre(request)
    sample_case = sampling.sample_case_get_for(user=request.user, centre=centre, pk=pk)
    form = ArchiveDatesForm(request.POST)
    if form.is_valid():
        sampling.archive_dates_record(sample_case=sample_case, acting_user=request.user, **form.cleaned_data)
        messages.success(request, _("The archive's dates are recorded."))
    else:
        messages.error(request, _("A date is written YYYY-MM-DD."))
    return redirect(reverse("supervision-sample", args=[sample_case.sample_id]) + _suffix(request, centre))


# --- assessment ---------------------------------------------------------------------------------

@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    """The centre's inspections, newest first, and the form to record one."""
    centre = _centre(request)
    inspections = assessment.inspections_for(user=request.user, centre=centre)
    form = InspectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assessment.inspection_record(centre=centre, inspector=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The inspection is recorded."))
            return redirect(reverse("supervision-inspections") + _suffix(request, centre))
    return render(request, "supervision/assessment_inspections.html", {
        "target": centre, "inspections": list(inspections.order_by("-at")[:200]), "form": form,
        "suffix": _suffix(request, centre)})


@login_required
def bulletin(request: HttpRequest) -> HttpResponse:
    """The daily bulletin (通报): this centre's, or with `?scope=city` every centre's (the city's supervisors)."""
    day = _date(request.GET.get("day"), timezone.localdate())
    centre = None if request.GET.get("scope") == "city" else _centre(request)
    result = assessment.bulletin_for(user=request.user, day=day, centre=centre)
    return render(request, "supervision/assessment_bulletin.html", {
        "target": centre, "bulletin": result, "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1), "scope": request.GET.get("scope", "")})


@login_required
def awards(request: HttpRequest) -> HttpResponse:
    """The month's service star and satisfied window (default: last month)."""
    centre = _centre(request)
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    try:
        month = sampling.month_start(request.GET["month"]) if request.GET.get("month") else last_month
    except ApplicationError:
        month = last_month
    result = assessment.awards_for(user=request.user, centre=centre, month=month)
    return render(request, "supervision/assessment_awards.html", {
        "target": centre, "awards": result, "suffix": _suffix(request, centre)})


@login_required
def scores(request: HttpRequest) -> HttpResponse:
    """Yearly scores (100 − deductions): every centre and department for the city's supervisors; this
    centre and its departments for its own."""
    centre = _centre(request)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    if assessment.user_is_city_overseer(user=request.user):
        centre_scores = list(assessment.yearly_centre_scores(year=year))
        department_scores = list(assessment.yearly_department_scores(year=year))
    else:
        assessment.require_overseer(user=request.user, centre=centre)
        centre_scores = list(assessment.yearly_centre_scores(year=year).filter(pk=centre.pk))
        department_scores = list(assessment.yearly_department_scores(year=year, centre=centre))
    return render(request, "supervision/assessment_scores.html", {
        "target": centre, "year": year, "centre_scores": centre_scores, "department_scores": department_scores})


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """The scoring rules (the city's supervisors edit them; a rule is found by its code)."""
    assessment.require_city_overseer(user=request.user)
    form = ScoringRuleForm(request.POST or None)
    if request.method == "POST":
        existing = ScoringRule.objects.filter(code=request.POST.get("code", "").strip()).first()
        form = ScoringRuleForm(request.POST, instance=existing)
        if form.is_valid():
            assessment.scoring_rule_save(acting_user=request.user, **form.cleaned_data)
            messages.success(request, _("The rule is saved."))
            return redirect("supervision-rules")
    return render(request, "supervision/assessment_rules.html", {
        "rules": list(ScoringRule.objects.order_by("code")), "form": form})
