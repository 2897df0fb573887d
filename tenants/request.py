"""The request as the routing middleware leaves it: typed, and the one place a view finds its centre.

`CentreRoutingMiddleware` sets `request.centre` (the `Centre` of a centre's host, None on the
platform's own site) and `request.tenant`. Views read them through `centre_of` / `centre_or_none`
rather than `getattr(request, "centre", None)` each their own way.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404, HttpRequest

from tenants.models import Centre

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_htmx.middleware import HtmxDetails

    from tenants.models import User


class RoutedRequest(HttpRequest):
    """What a view receives: `centre` (None on the platform's site), the signed-in `user` (or an
    anonymous one) and django-htmx's `htmx`."""

    centre: Centre | None
    user: User | AnonymousUser  # type: ignore[assignment]
    htmx: HtmxDetails


class CentreRequest(RoutedRequest):
    """A request on a centre's host, signed in (the views behind `login_required` and `centre_of`)."""

    centre: Centre
    user: User  # type: ignore[assignment]


def centre_or_none(request: HttpRequest) -> Centre | None:
    """The centre whose host the request came to, or None on the platform's own site."""
    centre = getattr(request, "centre", None)
    return centre if isinstance(centre, Centre) else None


def centre_of(request: HttpRequest) -> Centre:
    """The centre whose host the request came to; 404 on the platform's own site (a centre's page
    has no meaning there)."""
    centre = centre_or_none(request)
    if centre is None:
        raise Http404
    return centre
