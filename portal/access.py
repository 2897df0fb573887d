"""Who is signed in to the online service hall (网上办事大厅): the applicant's account id in the session.

An applicant is not a staff `User` (no password, no roles, no admin): the session holds
`SESSION_KEY` = the account's id (the session key is cycled at sign-in and flushed at sign-out) and
expires `PORTAL_SESSION_SECONDS` after the last request. Views take the account with `applicant_of`
(None when nobody is signed in) or are wrapped in `applicant_required` (to the sign-in page, then back)
and `identity_required` (to binding a real name first).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from portal.models import Applicant

SESSION_KEY = "portal_applicant_id"


def sign_in_session(request: HttpRequest, applicant: Applicant) -> None:
    """Start the applicant's session: a new session key (no fixation), the account's id, the expiry."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = applicant.pk
    request.session.set_expiry(settings.PORTAL_SESSION_SECONDS)


def sign_out_session(request: HttpRequest) -> None:
    """End the applicant's part of the session (a staff member signed in on the same browser stays)."""
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


def applicant_of(request: HttpRequest) -> Applicant | None:
    """The signed-in applicant's account, or None (nobody, or an account erased since)."""
    if hasattr(request, "_portal_applicant"):
        cached: Applicant | None = request._portal_applicant
        return cached
    applicant_id = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    applicant = None
    if applicant_id is not None:
        applicant = Applicant.objects.filter(pk=applicant_id, erased_at__isnull=True).first()
    request._portal_applicant = applicant  # type: ignore[attr-defined]
    return applicant


def _to(name: str, request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")


def applicant_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The view runs for a signed-in applicant (`request.applicant`); anyone else goes to sign in and back."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        applicant = applicant_of(request)
        if applicant is None:
            return _to("portal:sign-in", request)
        request.applicant = applicant  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def identity_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Like `applicant_required`, and the account has a real name bound (else to binding it, then back)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        applicant = applicant_of(request)
        if applicant is None:
            return _to("portal:sign-in", request)
        if not applicant.is_bound:
            return _to("portal:identity", request)
        request.applicant = applicant  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` address of a sign-in, only when it is a path on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default
