"""Who may call the hall's API (`hall.api`): devices by their secret key, the centre's staff by token or
session, and the public; and the public writes' rate limits.

- **Devices** (kiosks 取号机, the hall screen, rating pads) send `Authorization: Device <key>`: the key
  given once when the device was registered (`hall.services.device_register`). `DeviceAuthentication`
  finds the active device of the host's centre with that key (`hall.services.device_by_key`) and sets
  `request.auth` to it; `request.user` stays anonymous (a device acts for no one). A key that is unknown
  here (another centre's, a typo) or retired answers 401 `not_authenticated`.
- **Hardware callers** (呼叫器) do not sign in as devices: a clerk's caller sends the clerk's own token
  (`Authorization: Token <key>`, `POST /api/v1/token/`), because every call is the clerk's act at a window
  they may operate (`hall.services.may_operate`) and is recorded as theirs. A caller device's key (kind
  `caller`) is therefore not accepted by the calling endpoints.
"""
from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from hall import services
from hall.models import HallDevice
from tenants.request import centre_or_none
from tenants.selectors import user_is_staff_of

KEYWORD = "Device"


class DeviceAuthentication(BaseAuthentication):
    """`Authorization: Device <key>` → (an anonymous user, the `HallDevice`). Any other header is left
    to the next authentication class (a token, a session)."""

    def authenticate(self, request) -> tuple[Any, HallDevice] | None:
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != KEYWORD.lower().encode():
            return None
        if len(words) != 2:  # noqa: PLR2004 - the keyword and the key
            raise exceptions.AuthenticationFailed(_("Send the device's key as “Authorization: Device <key>”."))
        try:
            key = words[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("This device key is unknown or retired.")) from exc
        device = services.device_by_key(key=key) if centre_or_none(request) is not None else None
        if device is None:
            raise exceptions.AuthenticationFailed(_("This device key is unknown or retired."))
        return AnonymousUser(), device

    def authenticate_header(self, request) -> str:  # noqa: ARG002 - DRF's signature
        return f'{KEYWORD} realm="hall"'


class DeviceAuthenticationScheme(OpenApiAuthenticationExtension):
    """The schema's security scheme `deviceAuth` for `DeviceAuthentication`."""

    target_class = "hall.api_auth.DeviceAuthentication"
    name = "deviceAuth"

    def get_security_definition(self, auto_schema) -> dict:  # noqa: ARG002 - drf-spectacular's signature
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "A hall device (kiosk, screen, rating pad): `Device <key>`, the secret key given "
                               "once when the device was registered at the centre."}


def device_of(request) -> HallDevice | None:
    """The device a request came from (`DeviceAuthentication`), or None."""
    return request.auth if isinstance(request.auth, HallDevice) else None


class HallDeviceOrStaff(permissions.BasePermission):
    """A device of one of the view's `device_kinds`, or the centre's staff. A device of another kind is
    refused with 403 (it is the centre's own); a signed-in stranger gets 404, as everywhere; no
    credentials at all 401."""

    message = _("This device may not do this.")

    def has_permission(self, request, view) -> bool:
        device = device_of(request)
        if device is not None:
            if device.kind not in view.device_kinds:
                raise exceptions.PermissionDenied(self.message)
            return True
        if not request.user.is_authenticated:
            return False
        centre = centre_or_none(request)
        if centre is None or not user_is_staff_of(user=request.user, centre=centre):
            raise exceptions.NotFound
        return True


class HallThrottle(ScopedRateThrottle):
    """The public writes' allowance per client address (per user when signed in), by the view's
    `throttle_scope` (`hall_codes`, `hall_bookings`: config/settings/drf.py)."""

    def get_rate(self) -> str | None:
        # read at each request (DRF binds the rates at import; settings overridden in tests must count)
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")
        return str(rate) if rate is not None else None
