"""Template context: the current centre, the user's centres (for the centre switcher), which of the
sign-in security pages the user may open, and whether they manage this centre's staff (the Staff link)."""
from __future__ import annotations

from django.http import HttpRequest

from tenants.middleware import platform_url
from tenants.request import centre_or_none
from tenants.selectors import centres_of_user, user_is_centre_admin, user_is_platform_admin
from tenants.signin import user_may_use_second_factor


def centre(request: HttpRequest) -> dict:
    url = platform_url(request)
    context: dict = {
        "centre": centre_or_none(request),
        "platform_url": url,
        "platform_host": url.split("://", 1)[1].rstrip("/"),
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["my_centres"] = centres_of_user(user=user)
        context["may_use_second_factor"] = user_may_use_second_factor(user=user)
        context["is_platform_admin_user"] = user_is_platform_admin(user=user)
        here = context["centre"]
        context["may_manage_staff"] = here is not None and user_is_centre_admin(user=user, centre=here)
    return context
