"""A centre's absolute address (`scheme://<slug>.<platform domain>[:port]/path`): the one place it is built.

In a request the scheme and port are the request's (`tenants.middleware.centre_url`); without one (an
SMS written by a service, a Celery task) they are the configured `PLATFORM_SCHEME` and `PLATFORM_PORT`
(`centre_address`).
"""
from __future__ import annotations

from django.conf import settings

DEFAULT_PORTS = {"http": "80", "https": "443"}


def origin(*, scheme: str, host: str, port: str = "") -> str:
    """`scheme://host[:port]`, the port left out when it is empty or the scheme's default."""
    suffix = "" if port in ("", DEFAULT_PORTS.get(scheme)) else f":{port}"
    return f"{scheme}://{host}{suffix}"


def centre_address(*, slug: str, path: str = "/") -> str:
    """The absolute address of `path` on the centre `slug`, on the configured domain, scheme and port:
    `centre_address(slug="beilin", path="/progress/")` → `https://beilin.gov.example/progress/`."""
    return _address(f"{slug}.{settings.PLATFORM_DOMAIN}", path)


def platform_address(*, path: str = "/") -> str:
    """The absolute address of `path` on the platform's own site (the online service hall, say), on the
    configured domain, scheme and port: `platform_address(path="/online/")` → `https://gov.example/online/`."""
    return _address(settings.PLATFORM_DOMAIN, path)


def _address(host: str, path: str) -> str:
    return origin(scheme=settings.PLATFORM_SCHEME, host=host, port=str(settings.PLATFORM_PORT or "")) + path
