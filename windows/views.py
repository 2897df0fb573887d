"""A centre's front page (its host's `/`): its place in the hierarchy, its windows, the user's roles."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants import selectors
from tenants.choices import STAFF_ROLES, Role
from tenants.request import centre_of
from tenants.views import with_urls
from windows.models import CentreHeartbeat
from windows.selectors import window_list


def centre_home(request: HttpRequest) -> HttpResponse:
    """A centre's page: its place in the hierarchy (ancestors, children), windows, the user's roles."""
    centre = centre_of(request)
    roles = selectors.user_roles_in(user=request.user, centre=centre)
    is_staff = bool(roles & STAFF_ROLES) or selectors.user_is_platform_admin(user=request.user)
    return render(request, "tenants/centre_home.html", {
        "ancestors": with_urls(request, selectors.centre_ancestors(centre=centre)),
        "children": with_urls(request, selectors.centre_children(centre=centre)),
        "windows": list(window_list()),
        "heartbeat": CentreHeartbeat.objects.filter(id=1).first() if is_staff else None,
        "is_staff": is_staff,
        "is_centre_admin": selectors.user_is_centre_admin(user=request.user, centre=centre),
        "roles": sorted(Role(role).label for role in roles if role in Role.values),
    })
