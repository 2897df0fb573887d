"""Pick the centre from the Host header; serve only ready centres.

`<slug>.<platform domain>` → that centre's schema and URL conf; the bare platform domain →
the platform's own site (public schema). A centre being provisioned or suspended answers with a
clear page (503) instead of its content; under /api/ the same status answers the API's error body
`{"code", "message", "extra"}` (common.errors), in the request's language.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import set_urlconf
from django.utils import translation
from django.utils.translation import gettext as _
from django_tenants.postgresql_backend.base import FakeTenant
from django_tenants.utils import get_public_schema_name

from common.errors import ErrorCode
from tenants.addresses import origin
from tenants.choices import CentreStatus
from tenants.error_codes import CentreErrorCode
from tenants.request import RoutedRequest
from tenants.routing import routing_cache
from tenants.schemas import tenant_connection

logger = logging.getLogger(__name__)

PUBLIC_TENANT = FakeTenant(schema_name=get_public_schema_name())


class CentreRoutingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: RoutedRequest) -> HttpResponse:
        try:
            hostname = canonical_host(request.get_host())
        except DisallowedHost:
            return HttpResponseBadRequest("Bad host / 无效的主机名")
        if hostname.startswith("www."):
            hostname = hostname[4:]

        if hostname in settings.PUBLIC_HOSTS:
            request.tenant = PUBLIC_TENANT
            request.centre = None
            tenant_connection().set_tenant(PUBLIC_TENANT)
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            return self.get_response(request)

        centre = routing_cache.centre_for_host(hostname)
        if centre is None:
            return self._status_page(request, "tenants/no_centre.html", 404, {"hostname": hostname})
        if centre.status != CentreStatus.READY:
            template = ("tenants/centre_suspended.html" if centre.status == CentreStatus.SUSPENDED
                        else "tenants/centre_provisioning.html")
            return self._status_page(request, template, 503, {"centre": centre})

        request.tenant = centre
        request.centre = centre
        tenant_connection().set_tenant(centre)
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        return self.get_response(request)

    @staticmethod
    def _status_page(request: HttpRequest, template: str, status: int, context: dict) -> HttpResponse:
        language = translation.get_language_from_request(request)
        with translation.override(language):
            context = {**context, "platform_url": platform_url(request)}
            response: HttpResponse
            if request.path.startswith("/api/"):
                response = JsonResponse(_api_error(template, context), status=status)
            else:
                response = render(request, template, context, status=status)
        if status == 503:
            response["Retry-After"] = "300"
            # A suspended or provisioning centre answering 503 is the platform working as meant, not a fault:
            # logged at INFO here, and marked so that Django does not log it again at ERROR.
            logger.info("%s: %s answers 503 for %s", context["centre"].slug, context["centre"].status, request.path)
            response._has_been_logged = True  # type: ignore[attr-defined]  # django.utils.log.log_response
        return response


def _api_error(template: str, context: dict) -> dict:
    """The status page's words as the API's error body: `centre_suspended`, `centre_provisioning`, or
    `not_found` for a host that names no centre; `extra.platform_url` lists every centre."""
    code: str
    if template == "tenants/centre_suspended.html":
        code, message = CentreErrorCode.SUSPENDED, _(
            "%(name)s is not serving on this platform for now. Please contact the centre or go to another "
            "centre.") % {"name": context["centre"].name}
    elif template == "tenants/centre_provisioning.html":
        code, message = CentreErrorCode.PROVISIONING, _(
            "%(name)s is being set up on the platform and does not serve yet. Please try again in a few "
            "minutes.") % {"name": context["centre"].name}
    else:
        code, message = ErrorCode.NOT_FOUND, _("There is no service centre at “%(hostname)s”.") % {
            "hostname": context["hostname"]}
    return {"code": str(code), "message": message, "extra": {"platform_url": context["platform_url"]}}


def canonical_host(host: str) -> str:
    """The name a centre is looked up by: lower case, no port, no trailing dot.

    `Beilin.localhost:8000` → `beilin.localhost`; `beilin.localhost.:8000` → `beilin.localhost` (a
    fully qualified name ends with the root's dot: the same host); `[::1]:8000` → `[::1]`. Only the
    routing uses it: the request's own `Host` is left as the browser sent it, since CSRF compares it
    with the `Origin` the browser sends (which keeps the dot)."""
    host = host.lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    host = host.rsplit(":", 1)[0] if ":" in host else host
    return host[:-1] if host.endswith(".") else host


def _origin(request: HttpRequest, host: str) -> str:
    """`scheme://host[:port]` with the request's scheme and port (the port left out when default)."""
    return origin(scheme=request.scheme or "http", host=host, port=request.get_port())


def platform_url(request: HttpRequest) -> str:
    return _origin(request, settings.PLATFORM_DOMAIN) + "/"


def centre_url(request: HttpRequest, slug: str, path: str = "/") -> str:
    return host_url(request, f"{slug}.{settings.PLATFORM_DOMAIN}", path)


def host_url(request: HttpRequest, host: str, path: str = "/") -> str:
    """A centre's address at one of its host names (`Domain.domain`), on the request's scheme and port."""
    return _origin(request, host) + path
