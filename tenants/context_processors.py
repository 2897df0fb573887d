"""Template context: the current centre and the user's centres (for the centre switcher)."""
from __future__ import annotations

from django.http import HttpRequest

from tenants.middleware import platform_url
from tenants.request import centre_or_none
from tenants.selectors import centres_of_user


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
    return context
