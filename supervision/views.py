"""A centre's supervision pages: the warnings inbox and (for its supervisors) the findings."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from supervision import selectors, services
from supervision.choices import WarningLevel


@login_required
def warning_inbox(request: HttpRequest) -> HttpResponse:
    """The user's deadline warnings here, unacknowledged first."""
    level = request.GET.get("level") if request.GET.get("level") in WarningLevel.values else None
    warnings = list(selectors.warnings_for(user=request.user, centre=request.centre, level=level)[:200])
    return render(request, "supervision/warnings.html", {
        "warnings": warnings, "level": level, "levels": WarningLevel.choices,
        "open_count": sum(1 for w in warnings if w.acknowledged_at is None)})


@login_required
@require_POST
def warning_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    warning = get_object_or_404(selectors.warnings_for(user=request.user, centre=request.centre), pk=pk)
    services.warning_acknowledge(warning=warning, acting_user=request.user)
    return redirect("supervision-warnings")


@login_required
def finding_list(request: HttpRequest) -> HttpResponse:
    """Out-of-process handling caught at this centre (its administrators and supervisors)."""
    findings = list(selectors.findings_for(user=request.user, centre=request.centre)[:200])
    return render(request, "supervision/findings.html", {"findings": findings})
