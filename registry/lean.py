"""The lean path of the public progress API (进度查询接口, issue 17): `GET /progress/api/?number=…&factor=…`
from an anonymous client, answered in front of Django's full stack.

The progress API is public, anonymous and read-only, and it is the one address asked at volume (every
SMS carries a link to it). Through the full stack a lookup spent most of its time in middleware that has
nothing to do for it (sessions, sign-in, two-step sign-in, CSRF, messages, htmx, lockouts) and in DRF's
request machinery (authentication, negotiation, permission checks). `progress_front` wraps the WSGI
application: a request this path can answer exactly as the full stack would goes to `LeanProgressHandler`,
every other request to Django unchanged.

Which requests (`lean_request`): `GET` of exactly `/progress/api/`, no session cookie (a signed-in user
goes the full way, where a temporary password or a missing second factor is enforced), an `Accept` that
DRF's negotiation would answer with JSON (none, `*/*`, `application/json`) and no `format` parameter.

What still applies, each from the one place it is written (nothing is copied here):
- host routing, unknown hosts (404), centres not ready (503), bad hosts (400): `CentreRoutingMiddleware`;
- the request's language (cookie, `Accept-Language`), security headers, CSP, `X-Frame-Options`, slash and
  user-agent rules: the project's own middleware, in the order `settings.MIDDLEWARE` lists it, minus
  `SKIPPED` (each with why it has nothing to do here);
- NUL in any input → 400: `common.nul.RefuseNulMiddleware.process_view`;
- the rate limit per client address (429, `Retry-After`): `registry.views.ProgressThrottle` and the
  view's `throttled` message; trusted proxies: `common.client.client_address`;
- input validation, the per-number guard (`registry.guard`), joint case numbers, the answer's shape:
  `registry.views.ProgressApi.answer`; error bodies `{code, message, extra}`: `common.errors`.

Django's request handling itself is kept (`WSGIHandler`: `request_started`/`request_finished`, so database
connections are checked and recycled as on every request; 4xx/5xx logged by `django.request`; a crash
answers the 500 page). tests/registry/test_lean_progress.py asks both paths the same questions and
compares the answers byte for byte.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.http.cookie import parse_cookie
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from common.errors import exception_handler
from common.nul import RefuseNulMiddleware
from registry.views import ProgressApi, ProgressThrottle

PATH = "/progress/api/"

#: Middleware of `settings.MIDDLEWARE` with nothing to do for an anonymous GET of this API.
SKIPPED = frozenset({
    "common.serving.StaticFilesMiddleware",  # static files only
    "django.contrib.sessions.middleware.SessionMiddleware",  # no session cookie (else the full path)
    "common.nul.RefuseNulMiddleware",  # a process_view hook: called by the view below
    "django.middleware.csrf.CsrfViewMiddleware",  # a GET, and DRF's views are exempt
    "django.contrib.auth.middleware.AuthenticationMiddleware",  # no session: anonymous
    "django_otp.middleware.OTPMiddleware",  # anonymous
    "tenants.signin.SecondFactorRequiredMiddleware",  # acts on signed-in users only
    "django.contrib.messages.middleware.MessageMiddleware",  # no messages without a session
    "django_htmx.middleware.HtmxMiddleware",  # adds request.htmx, unused here
    "axes.middleware.AxesMiddleware",  # sign-in lockouts only
})

#: The media types DRF's negotiation answers with JSON on this view (JSON is its first renderer).
_JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})

_view = ProgressApi.as_view()
_nul = RefuseNulMiddleware(lambda _request: HttpResponse())  # only its process_view is used
_renderer = JSONRenderer()


def _allowed_methods() -> str:
    """The `Allow` header DRF adds to every answer of the view (`as_view` adds HEAD to a view with GET)."""
    view = ProgressApi()
    view.setup(HttpRequest())
    return ", ".join(view.allowed_methods)


_ALLOW = _allowed_methods()


def lean_request(environ: dict) -> bool:
    """Whether the lean path answers this WSGI request (see the module's docstring)."""
    if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "GET":
        return False
    if environ.get("HTTP_ACCEPT", "").strip() not in _JSON_ACCEPTS:
        return False
    query = environ.get("QUERY_STRING", "")
    if "format=" in query:
        return False
    cookies = environ.get("HTTP_COOKIE")
    return not cookies or settings.SESSION_COOKIE_NAME not in parse_cookie(cookies)


def progress_api(request: HttpRequest) -> HttpResponse:
    """`ProgressApi.get` without DRF's request machinery: NUL refused, the rate limit, then the same
    `ProgressApi.answer`; errors answered by the platform's exception handler, rendered as JSON."""
    refused = _nul.process_view(request, _view, (), {})
    if refused is not None:
        return refused
    view = ProgressApi()
    try:
        throttle = ProgressThrottle()
        if not throttle.allows_page(request):
            view.throttled(request, throttle.wait())
        response = Response(ProgressApi.answer(request, request.GET))
    except Exception as exc:  # noqa: BLE001 - what the handler does not answer is raised again
        handled = exception_handler(exc, {"view": view, "request": request})
        if handled is None:
            raise
        response = handled
    response.accepted_renderer = _renderer
    response.accepted_media_type = _renderer.media_type
    response.renderer_context = {}  # type: ignore[attr-defined]  # set by APIView.finalize_response
    response["Allow"] = _ALLOW
    patch_vary_headers(response, ("Accept",))
    return response.render()


def _vary_cookie(get_response: Callable[[HttpRequest], Any]) -> Callable[[HttpRequest], HttpResponse]:
    """Where the session middleware stands: the full path reads the (empty) session, which adds
    `Vary: Cookie`; so does this one, in the same place of the header."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        patch_vary_headers(response, ("Cookie",))
        return response

    return middleware


def middleware_paths() -> list[str]:
    """The middleware the lean path runs, outermost first (`settings.MIDDLEWARE` minus `SKIPPED`)."""
    return [path for path in settings.MIDDLEWARE if path not in SKIPPED]


class LeanProgressHandler(WSGIHandler):
    """Django's WSGI handler with a short middleware chain and one view (`progress_api`)."""

    def load_middleware(self, is_async: bool = False) -> None:  # noqa: ARG002 - Django's signature
        self._view_middleware: list = []
        self._template_response_middleware: list = []
        self._exception_middleware: list = []
        handler = convert_exception_to_response(progress_api)
        for path in reversed(settings.MIDDLEWARE):
            if path == "django.contrib.sessions.middleware.SessionMiddleware":
                handler = convert_exception_to_response(_vary_cookie(handler))
            elif path not in SKIPPED:
                handler = convert_exception_to_response(import_string(path)(handler))
        self._middleware_chain = handler


WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def progress_front(application: WSGIApp) -> WSGIApp:
    """`application` (Django's WSGI application) with the lean path in front of it."""
    lean = LeanProgressHandler()

    def front(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if lean_request(environ):
            return lean(environ, start_response)
        return application(environ, start_response)

    return front
