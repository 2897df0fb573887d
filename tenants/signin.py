"""Sign-in security (登录安全): lockouts after failed passwords, the second factor, the centre switch's
single-use hand-off.

- Lockouts are counted by django-axes per account and per client address (config/settings/security.py);
  `lockout_response` is what a locked-out browser or API client sees; `locked_sign_ins` and `lockout_lift`
  are the platform administrators' page behind "Locked sign-ins".
- The second factor is a django-otp TOTP device (an authenticator app's 6-digit code);
  `second_factor_confirm` / `second_factor_remove` turn it on and off; `SecondFactorRequiredMiddleware`
  sends platform administrators to set one up when GOVSERVICE_REQUIRE_2FA_PLATFORM_ADMINS is on.
- `handoff_issue` / `handoff_consume`: a centre-switch link is used once, and only by the browser that asked.
- `landing_url`: where a user lands after signing in (the one place that chooses it).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from common.errors import ApplicationError
from tenants import selectors
from tenants.audit import audit_record
from tenants.choices import STAFF_ROLES, AuditKind, AuditTarget, Role
from tenants.error_codes import SignInErrorCode
from tenants.models import User

# --- where a user lands -----------------------------------------------------------------------

#: A village agent's home on their township's host: the workbench (delegation's URL, by name).
AGENT_HOME = "delegation-workbench"


def landing_url(*, user: Any, centre: Any) -> str:
    """Where `user` lands after signing in at `centre` (None: the platform's site) when no page asked
    for the sign-in: a village agent (村级代办员) who is not staff there lands on their workbench, any
    width of screen; everyone else on the host's home page."""
    if centre is not None and getattr(user, "is_authenticated", False) \
            and not selectors.user_is_platform_admin(user=user):
        roles = selectors.user_roles_in(user=user, centre=centre)
        if Role.VILLAGE_AGENT in roles and not roles & STAFF_ROLES:
            return reverse(AGENT_HOME)
    return reverse(settings.LOGIN_REDIRECT_URL)


# --- lockouts (django-axes) ---------------------------------------------------------------------


def lockout_minutes() -> int:
    cool_off = settings.AXES_COOLOFF_TIME
    return max(1, int(cool_off.total_seconds() // 60)) if isinstance(cool_off, dt.timedelta) else 0


def lockout_message() -> str:
    """The message a locked-out person reads, in the request's language."""
    return _("Too many failed sign-ins for this account or from this address. Try again in %(minutes)d "
             "minutes, or ask a platform administrator to unlock it.") % {"minutes": lockout_minutes()}


def lockout_error() -> ApplicationError:
    """The API's error for a locked-out account or address: 429, code `sign_in_locked`."""
    return ApplicationError(lockout_message(), code=SignInErrorCode.LOCKED,
                            extra={"retry_after_minutes": lockout_minutes()}, http_status=429)


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with the sign-in page and the message, or the API's {code, message, extra}."""
    del original_response, credentials
    if request.path.startswith("/api/"):
        error = lockout_error()
        response: HttpResponse = JsonResponse({"code": error.code, "message": error.message, "extra": error.extra},
                                              status=429)
    else:
        from tenants.forms import LoginForm  # noqa: PLC0415 - forms import this module

        response = render(request, "tenants/login.html", {
            "form": LoginForm(request), "lockout": lockout_message()}, status=429)
    response["Retry-After"] = str(lockout_minutes() * 60)
    return response


def account_failures_forget(*, username: str) -> int:
    """After `username` signs in with the right password: forget that account's failed sign-ins (from
    every address), and no other account's. Returns how many records were removed."""
    return AxesProxyHandler.reset_attempts(username=username)


@receiver(user_logged_in, dispatch_uid="tenants.signin.forget_failures")
def _forget_failures_on_sign_in(sender, request, user, **kwargs) -> None:  # noqa: ARG001 - the signal's
    account_failures_forget(username=user.get_username())


@dataclasses.dataclass(frozen=True)
class LockedSignIn:
    """An account (`username`) or an address (`ip_address`) that has reached the failure limit."""

    kind: str  # "username" or "ip_address"
    value: str
    failures: int
    last_at: dt.datetime


def locked_sign_ins(*, now: dt.datetime | None = None) -> list[LockedSignIn]:
    """Accounts and addresses locked now (failures within the cool-off at or above the limit), newest first."""
    now = now or timezone.now()
    limit = get_failure_limit(HttpRequest(), {})
    recent = AccessAttempt.objects.all()
    if isinstance(settings.AXES_COOLOFF_TIME, dt.timedelta):
        recent = recent.filter(attempt_time__gte=now - settings.AXES_COOLOFF_TIME)
    rows: list[LockedSignIn] = []
    for kind in ("username", "ip_address"):
        grouped = (recent.exclude(**{f"{kind}__isnull": True}).values(kind)
                   .annotate(failures=Sum("failures_since_start"), last_at=Max("attempt_time"))
                   .filter(failures__gte=limit))
        rows += [LockedSignIn(kind, g[kind], g["failures"], g["last_at"]) for g in grouped if g[kind]]
    return sorted(rows, key=lambda r: r.last_at, reverse=True)


@transaction.atomic
def lockout_lift(*, username: str = "", ip_address: str = "", acting_user: User | None) -> int:
    """Lift the lockout of an account or of an address (解除锁定): its failures are forgotten.

    Returns how many failure records were removed; writes USER_UNLOCKED. Raises ApplicationError when
    neither is given.
    """
    if not username and not ip_address:
        raise ApplicationError(_("Say which account or address to unlock."), code=SignInErrorCode.NOTHING_TO_UNLOCK)
    removed = AxesProxyHandler.reset_attempts(username=username or None, ip_address=ip_address or None)
    user = User.objects.filter(username=username).first() if username else None
    audit_record(kind=AuditKind.USER_UNLOCKED, actor=acting_user, target_type=AuditTarget.USER,
                 target_id=user.pk if user is not None else "",
                 target_label=username or ip_address,
                 after={key: value for key, value in (("username", username), ("ip_address", ip_address)) if value},
                 note=_("%(count)d failed sign-ins forgotten") % {"count": removed})
    return removed


# --- the second factor (django-otp TOTP) --------------------------------------------------------

def user_may_use_second_factor(*, user: Any) -> bool:
    """Administrators and staff may turn a second factor on: platform administrators, Django staff,
    centre administrators."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or selectors.user_is_platform_admin(user=user):
        return True
    return any(Role.CENTRE_ADMIN in roles for roles in selectors.user_centre_roles(user=user).values())


def second_factor_required(*, user: Any) -> bool:
    """Whether this user must use a second factor (platform administrators, when the setting is on)."""
    return bool(settings.GOVSERVICE_REQUIRE_2FA_PLATFORM_ADMINS) and getattr(user, "is_authenticated", False) \
        and selectors.user_is_platform_admin(user=user)


def confirmed_device_of(*, user: Any) -> TOTPDevice | None:
    """The user's confirmed TOTP device, if they turned the second factor on."""
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    return next((d for d in devices_for_user(user, confirmed=True) if isinstance(d, TOTPDevice)), None)


def second_factor_pending_device(*, user: User) -> TOTPDevice:
    """The unconfirmed device being set up (made on first call): its key is shown as a QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


def second_factor_problem(*, device: TOTPDevice, code: str) -> str | None:
    """None when `code` (6 digits) is the device's current code, else what to tell the person: the code
    is wrong, or, while django-otp slows repeated failures, how many seconds to wait (a right code typed
    too soon after wrong ones is refused for that reason, and must not be called wrong)."""
    code = (code or "").strip().replace(" ", "")
    allowed, extra = device.verify_is_allowed()
    if not allowed:
        until = (extra or {}).get("locked_until")
        seconds = max(1, int((until - timezone.now()).total_seconds() + 0.999)) if until else 1
        return _("Too many wrong codes. Please wait %(seconds)d seconds and try the current code.") % {
            "seconds": seconds}
    if code.isdigit() and device.verify_token(code):
        return None
    return _("That code is not right; check the time on your phone and try again.")


@transaction.atomic
def second_factor_confirm(*, user: User, code: str) -> TOTPDevice:
    """Turn the second factor on: the code from the app confirms the pending device. Writes
    SECOND_FACTOR_ADDED. Raises ApplicationError (code `second_factor_bad_code`) on a wrong code."""
    device = second_factor_pending_device(user=user)
    if (problem := second_factor_problem(device=device, code=code)) is not None:
        raise ApplicationError(problem, code=SignInErrorCode.BAD_CODE)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    audit_record(kind=AuditKind.SECOND_FACTOR_ADDED, actor=user, target_type=AuditTarget.USER,
                 target_id=user.pk, target_label=user.get_username())
    return device


@transaction.atomic
def second_factor_remove(*, user: User, code: str) -> None:
    """Turn the second factor off, with a current code. Writes SECOND_FACTOR_REMOVED. Raises
    ApplicationError when the code is wrong or when the user must keep one."""
    device = confirmed_device_of(user=user)
    if device is None:
        return
    if second_factor_required(user=user):
        raise ApplicationError(_("Platform administrators must keep two-step sign-in on."),
                               code=SignInErrorCode.SECOND_FACTOR_REQUIRED)
    if (problem := second_factor_problem(device=device, code=code)) is not None:
        raise ApplicationError(problem, code=SignInErrorCode.BAD_CODE)
    TOTPDevice.objects.filter(user=user).delete()
    audit_record(kind=AuditKind.SECOND_FACTOR_REMOVED, actor=user, target_type=AuditTarget.USER,
                 target_id=user.pk, target_label=user.get_username())


#: Paths a platform administrator without a second factor may still open (the set-up page itself,
#: signing out, the language switch, static files, health).
_OPEN_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz")


class SecondFactorRequiredMiddleware:
    """What a signed-in user must do before anything else (pages: sent there; the API: refused, 403):

    - a user with a temporary password (`User.must_change_password`, given by an administrator:
      tenants.staff) chooses their own first (`password-change`);
    - when GOVSERVICE_REQUIRE_2FA_PLATFORM_ADMINS is on, a platform administrator signed in without a
      verified second factor sets one up.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and getattr(user, "must_change_password", False)
                and not request.path.startswith(_OPEN_PREFIXES)):
            if request.path.startswith("/api/"):
                return JsonResponse({"code": SignInErrorCode.PASSWORD_CHANGE_REQUIRED.value,
                                     "message": _("Choose your own password first: sign in on the site."),
                                     "extra": {}}, status=403)
            return HttpResponseRedirect(reverse("password-change"))
        if (settings.GOVSERVICE_REQUIRE_2FA_PLATFORM_ADMINS and user is not None and user.is_authenticated
                and not request.path.startswith(_OPEN_PREFIXES) and not user.is_verified()
                and second_factor_required(user=user)):
            if request.path.startswith("/api/"):
                message = _("Platform administrators must turn on two-step sign-in first.")
                return JsonResponse({"code": SignInErrorCode.SECOND_FACTOR_REQUIRED.value, "message": message,
                                     "extra": {}}, status=403)
            return HttpResponseRedirect(reverse("second-factor"))
        return self.get_response(request)


# --- the centre switch's hand-off -----------------------------------------------------------------

def _nonce_key(nonce: str) -> str:
    return f"tenants:handoff:{nonce}"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def handoff_issue(*, state: str) -> str:
    """A fresh one-time nonce for a switch link, kept server-side (the cache) for HANDOFF_MAX_AGE seconds
    with the hash of the `state` the target host put in the asking browser's session there."""
    nonce = secrets.token_urlsafe(24)
    cache.set(_nonce_key(nonce), _digest(state), timeout=settings.HANDOFF_MAX_AGE)
    return nonce


def handoff_consume(*, nonce: str, state: str) -> bool:
    """Use a switch link's nonce: True once, in the browser whose session holds `state`; the nonce is gone
    afterwards, whoever tried (the first use wins, also when two requests race: the cache's delete is atomic)."""
    if not nonce:
        return False
    key = _nonce_key(nonce)
    expected = cache.get(key)
    if expected is None or not cache.delete(key):
        return False
    return bool(state) and constant_time_compare(expected, _digest(state))
