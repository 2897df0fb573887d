"""The request as the routing middleware leaves it: typed, and the one place a view finds its centre
and its signed-in user.

`CentreRoutingMiddleware` sets `request.centre` (the `Centre` of a centre's host, None on the
platform's own site) and `request.tenant`. Views read them through `centre_of` / `centre_or_none`
rather than `getattr(request, "centre", None)` each their own way, and a signed-in user through
`user_of` (typed `User`, not `User | AnonymousUser`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from tenants.models import Centre, User

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
