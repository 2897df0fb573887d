"""The request as the routing middleware leaves it: typed, and the one place a view finds its centre
and its signed-in user.

`CentreRoutingMiddleware` sets `request.centre` (the `Centre` of a centre's host, None on the
platform's own site) and `request.tenant`. Views read them through `centre_of` / `centre_or_none`
rather than `getattr(request, "centre", None)` each their own way, and a signed-in user through
`user_of` (typed `User`, not `User | AnonymousUser`).

Strangers find nothing (404 not 403): someone with no staff role at the host's centre — staff of
another centre, a user with no role at all — is answered as if the page or endpoint were not there.
`require_centre_staff` (pages) and `CentreStaffOr404` (DRF permission) are that rule; a refusal of 403
is kept for the centre's own staff whose role does not allow an action (they know the thing exists).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from rest_framework import permissions
from rest_framework.exceptions import NotFound

from tenants.models import Centre, User
from tenants.selectors import user_is_staff_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_htmx.middleware import HtmxDetails
    from django_tenants.postgresql_backend.base import FakeTenant


class RoutedRequest(HttpRequest):
    """What a view receives: `centre` (None on the platform's site), `tenant` (the centre, or the public
    schema's stand-in), the `user` (perhaps anonymous) and django-htmx's `htmx`."""

    centre: Centre | None
    tenant: Centre | FakeTenant
    user: User | AnonymousUser  # type: ignore[assignment]
    htmx: HtmxDetails


class SignedInRequest(RoutedRequest):
    """A request behind `login_required` (on any host)."""

    user: User  # type: ignore[assignment]


class CentreRequest(SignedInRequest):
    """A signed-in request on a centre's host."""

    centre: Centre


def centre_or_none(request: Any) -> Centre | None:
    """The centre whose host the request came to (a Django or a DRF request), or None on the
    platform's own site."""
    centre = getattr(request, "centre", None)
    return centre if isinstance(centre, Centre) else None


def centre_of(request: Any) -> Centre:
    """The centre whose host the request came to; 404 on the platform's own site (a centre's page
    has no meaning there)."""
    centre = centre_or_none(request)
    if centre is None:
        raise Http404
    return centre


def user_of(request: Any) -> User:
    """The signed-in user of a request behind `login_required` or DRF's `IsAuthenticated`; anyone else
    is refused (`PermissionDenied`: 403)."""
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user


def require_centre_staff(request: Any) -> Centre:
    """The centre of a request by its staff (or a platform administrator); 404 for anyone else, and on
    the platform's own site."""
    centre = centre_of(request)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user_is_staff_of(user=user, centre=centre):
        raise Http404
    return centre


class CentreStaffOr404(permissions.BasePermission):
    """DRF permission: on a centre's host, its staff (and platform administrators) only; anyone else,
    signed in or not, gets 404 `not_found` (as if the endpoint were not there). On the platform's own
    site it lets the view decide (the city's overview of joint cases). Put it after `IsAuthenticated`
    where anonymous callers should get 401 with its WWW-Authenticate."""

    def has_permission(self, request, view) -> bool:  # noqa: ARG002 - DRF's signature
        centre = centre_or_none(request)
        if centre is not None and not (request.user.is_authenticated
                                       and user_is_staff_of(user=request.user, centre=centre)):
            raise NotFound
        return True
