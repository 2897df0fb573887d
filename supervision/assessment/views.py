"""Pages of the assessment room, on a centre's host (mounted at /supervision/). The city's overseers may
look at another centre with `?centre=<division code>`; anyone else who does not oversee the centre
gets 404."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.errors import ApplicationError
from common.forms import add_service_errors
from supervision.assessment import selectors, services
from supervision.assessment.models import ScoringRule
from supervision.pages import target_centre, target_suffix
from supervision.periods import day_or, month_start, year_or
from tenants.models import User
from tenants.request import user_of


class InspectionForm(forms.Form):
    window_number = forms.CharField(label=gettext_lazy("Window number"), max_length=16)
    rule = forms.ModelChoiceField(label=gettext_lazy("Rule"), queryset=ScoringRule.objects.filter(is_active=True))
    staff = forms.CharField(label=gettext_lazy("Staff member (user name)"), max_length=150, required=False)
    note = forms.CharField(label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean_staff(self) -> User | None:
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


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    """The centre's inspections, newest first, and the form to record one."""
    centre = target_centre(request)
    inspections = selectors.inspections_for(user=request.user, centre=centre)
    form = InspectionForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.inspection_record(centre=centre, acting_user=user_of(request), **form.cleaned_data)
        except ApplicationError as exc:
            add_service_errors(form, exc)
            status = exc.http_status
        else:
            messages.success(request, _("The inspection is recorded."))
            return redirect(reverse("supervision-inspections") + target_suffix(request, centre))
    return render(request, "supervision/assessment_inspections.html", {
        "target": centre, "inspections": list(inspections.order_by("-at")[:200]), "form": form,
        "suffix": target_suffix(request, centre)}, status=status)


@login_required
def bulletin(request: HttpRequest) -> HttpResponse:
    """The daily bulletin (通报): this centre's, or with `?scope=city` every centre's (the city's overseers)."""
    day = day_or(request.GET.get("day"), timezone.localdate())
    centre = None if request.GET.get("scope") == "city" else target_centre(request)
    result = selectors.bulletin_for(user=request.user, day=day, centre=centre)
    return render(request, "supervision/assessment_bulletin.html", {
        "target": centre, "bulletin": result, "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1), "scope": request.GET.get("scope", "")})


@login_required
def awards(request: HttpRequest) -> HttpResponse:
    """The month's service star and satisfied window (default: last month)."""
    centre = target_centre(request)
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    try:
        month = month_start(request.GET["month"]) if request.GET.get("month") else last_month
    except ApplicationError:
        month = last_month
    result = selectors.awards_for(user=request.user, centre=centre, month=month)
    return render(request, "supervision/assessment_awards.html", {
        "target": centre, "awards": result, "suffix": target_suffix(request, centre)})


@login_required
def scores(request: HttpRequest) -> HttpResponse:
    """Yearly scores (100 − deductions): every centre and department for the city's overseers; this
    centre and its departments for its own."""
    centre = target_centre(request)
    year = year_or(request.GET.get("year"), timezone.localdate().year)
    result = selectors.scores_for(user=request.user, centre=centre, year=year)
    return render(request, "supervision/assessment_scores.html", {
        "target": centre, "year": year, "centre_scores": result.centres, "department_scores": result.departments})


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """The scoring rules, with who changed each last (the city's overseers edit them; a rule is found by
    its code)."""
    rule_list = list(selectors.rules_for(user=request.user))
    form = ScoringRuleForm()
    status = 200
    if request.method == "POST":
        form = ScoringRuleForm(request.POST, instance=selectors.rule_by_code(code=request.POST.get("code", "")))
        if form.is_valid():
            try:
                services.scoring_rule_save(acting_user=user_of(request), now=timezone.now(), **form.cleaned_data)
            except ApplicationError as exc:
                messages.error(request, exc.message)
                status = exc.http_status
            else:
                messages.success(request, _("The rule is saved."))
                return redirect("supervision-rules")
    return render(request, "supervision/assessment_rules.html", {"rules": rule_list, "form": form}, status=status)
