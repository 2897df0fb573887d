"""The client's address (客户端地址), read the same way by every reader of it (the progress lookup's
throttle and per-number guard, the sign-in lockouts, ...).

Forwarded headers are trusted only from configured proxies: `REST_FRAMEWORK["NUM_PROXIES"]`, set from
the environment variable `TRUSTED_PROXIES` (the number of reverse proxies in front of the application,
default 0). With 0, `X-Forwarded-For` is ignored and the address is the connection's (`REMOTE_ADDR`);
with N, it is the N-th address from the right of `X-Forwarded-For` (the one the outermost trusted
proxy saw), so a client cannot choose its own address by sending the header.
"""
from __future__ import annotations

from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle


def client_address(request: HttpRequest) -> str:
    """The client's IP address as text (`"203.0.113.7"`), or "" when the server gave none.

    DRF's own reading (`BaseThrottle.get_ident`, which honours `NUM_PROXIES`), so that DRF's throttles
    and every other reader agree.
    """
    return BaseThrottle().get_ident(request) or ""  # type: ignore[arg-type]  # reads request.META only
