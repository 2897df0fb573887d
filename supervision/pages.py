"""What the rooms' pages share: the centre a sampling or assessment page is about. The city's overseers
may look at another centre with `?centre=<division code>` (the room's selectors decide whether they
may); everyone else looks at the centre whose host they are on."""
from __future__ import annotations

from django.http import Http404, HttpRequest

from tenants.models import Centre
from tenants.request import centre_of, centre_or_none


def target_centre(request: HttpRequest) -> Centre:
    """The centre named by `?centre=` (GET or POST), else the host's; 404 for an unknown code, or on the
    platform's own site without one."""
    code = request.GET.get("centre") or request.POST.get("centre")
    if code:
        centre = Centre.objects.filter(division_code=code).first()
        if centre is None:
            raise Http404
        return centre
    return centre_of(request)


def target_suffix(request: HttpRequest, centre: Centre) -> str:
    """`?centre=<code>` when the page is about another centre than the host's, so links stay on it."""
    return f"?centre={centre.division_code}" if centre != centre_or_none(request) else ""
