"""A centre's warnings pages: the warnings inbox and (for its overseers) the findings."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.errors import ApplicationError
from supervision.warnings import selectors, services
from supervision.warnings.choices import WarningLevel
from tenants.request import centre_of, user_of


def _inbox(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    level = request.GET.get("level") if request.GET.get("level") in WarningLevel.values else None
    warnings = list(selectors.warnings_for(user=request.user, centre=centre_of(request), level=level)[:200])
    return render(request, "supervision/warnings.html", {
        "warnings": warnings, "level": level, "levels": WarningLevel.choices,
        "open_count": sum(1 for w in warnings if w.acknowledged_at is None)}, status=status)


@login_required
def warning_inbox(request: HttpRequest) -> HttpResponse:
    """The user's deadline warnings here, unacknowledged first."""
    return _inbox(request)


@login_required
@require_POST
def warning_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledge a warning; one already acknowledged answers the inbox with the message (409)."""
    warning = selectors.warning_get_for(user=request.user, centre=centre_of(request), pk=pk)
    try:
        services.warning_acknowledge(warning=warning, acting_user=user_of(request), now=timezone.now())
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return _inbox(request, status=exc.http_status)
    messages.success(request, _("Acknowledged."))
    return redirect("supervision-warnings")


@login_required
def finding_list(request: HttpRequest) -> HttpResponse:
    """Out-of-process handling caught at this centre (its administrators and supervisors)."""
    findings = list(selectors.findings_for(user=request.user, centre=centre_of(request))[:200])
    return render(request, "supervision/findings.html", {"findings": findings})
