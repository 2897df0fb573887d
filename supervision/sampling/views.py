"""Pages of the sampling room, on a centre's host (mounted at /supervision/). The city's overseers may
look at another centre with `?centre=<division code>`; anyone else who does not oversee the centre
gets 404."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from supervision.pages import target_centre, target_suffix
from supervision.sampling import selectors, services
from tenants.request import user_of


class ArchiveDatesForm(forms.Form):
    received_on = forms.DateField(label=gettext_lazy("Received (archive)"), required=False)
    accepted_on = forms.DateField(label=gettext_lazy("Accepted (archive)"), required=False)
    decided_on = forms.DateField(label=gettext_lazy("Decided (archive)"), required=False)


@login_required
def sample_list(request: HttpRequest) -> HttpResponse:
    """The centre's monthly archive samples, with how many cases are recorded and flagged."""
    centre = target_centre(request)
    samples = list(selectors.samples_for(user=request.user, centre=centre).prefetch_related("cases")[:36])
    return render(request, "supervision/sampling_list.html", {
        "target": centre, "samples": samples, "suffix": target_suffix(request, centre)})


@login_required
def sample_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The sampled cases: the system's dates, the archive's as recorded (and by whom), and the flags."""
    centre = target_centre(request)
    sample = selectors.sample_get_for(user=request.user, centre=centre, pk=pk)
    return render(request, "supervision/sampling_detail.html", {
        "target": centre, "sample": sample, "cases": list(selectors.sample_cases(sample=sample)),
        "suffix": target_suffix(request, centre)})


@login_required
@require_POST
def sample_case_record(request: HttpRequest, pk: int) -> HttpResponse:
    centre = target_centre(request)
    sample_case = selectors.sample_case_get_for(user=request.user, centre=centre, pk=pk)
    form = ArchiveDatesForm(request.POST)
    if form.is_valid():
        services.archive_dates_record(sample_case=sample_case, acting_user=user_of(request), **form.cleaned_data)
        messages.success(request, _("The archive's dates are recorded."))
    else:
        messages.error(request, _("A date is written YYYY-MM-DD."))
    return redirect(reverse("supervision-sample", args=[sample_case.sample_id]) + target_suffix(request, centre))
