"""One error model for the whole platform.

Services raise `ApplicationError(message, code, extra)`; each app lists its codes in
`error_codes.py`. The DRF exception handler below answers every error as
`{"code", "message", "extra"}` with the message in the request's language; pages show
`message`. Clients branch on `code`, people read `message`.
"""
from __future__ import annotations

import sys
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ErrorCode(StrEnum):
    """Codes shared by all apps."""

    VALIDATION = "validation_error"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    NOT_AUTHENTICATED = "not_authenticated"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    DATABASE_UNAVAILABLE = "database_unavailable"
    ERROR = "error"


class ApplicationError(Exception):
    """A business error with a stable code, a translated message and structured extras.

    `extra` carries detail a client can act on, e.g. `{"fields": {"parent_code": [...]}}`.
    """

    http_status: int = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: Any, code: str = ErrorCode.ERROR, extra: dict | None = None,
                 http_status: int | None = None):
        super().__init__(force_str(message))
        self.message = message
        self.code = str(code)
        self.extra = extra or {}
        if http_status is not None:
            self.http_status = http_status

    def __str__(self) -> str:
        return force_str(self.message)


class ConflictError(ApplicationError):
    """Someone else changed the object first; reload and try again."""

    http_status: int = status.HTTP_409_CONFLICT


def field_errors(errors: dict[str, list[Any]]) -> dict[str, list[str]]:
    return {field: [force_str(m) for m in messages] for field, messages in errors.items()}


def _body(code: str, message: Any, extra: dict | None = None) -> dict:
    return {"code": str(code), "message": force_str(message), "extra": extra or {}}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, reshaped to {code, message, extra}."""
    if isinstance(exc, ApplicationError):
        extra = exc.extra
        if "fields" in extra:
            extra = {**extra, "fields": field_errors(extra["fields"])}
        return Response(_body(exc.code, exc.message, extra), status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = _body(ErrorCode.VALIDATION, _("Some fields are not valid."),
                              {"fields": _flatten(detail)})
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response.data = _body(ErrorCode.NOT_AUTHENTICATED, exc.detail)
    elif isinstance(exc, exceptions.PermissionDenied):
        response.data = _body(ErrorCode.PERMISSION_DENIED, exc.detail)
    elif isinstance(exc, exceptions.NotFound):
        response.data = _body(ErrorCode.NOT_FOUND, exc.detail)
    elif isinstance(exc, exceptions.Throttled):
        response.data = _body(ErrorCode.RATE_LIMITED, exc.detail, {"wait": getattr(exc, "wait", None)})
    elif isinstance(exc, exceptions.APIException):
        response.data = _body(exc.default_code, exc.detail)
    return response


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [force_str(item) if not isinstance(item, dict | list) else _flatten(item) for item in detail]
    return force_str(detail)


def page_not_found(request, exception: Exception) -> HttpResponse:
    """Django's 404 handler (`handler404` of both URL confs): an address under /api/ that names nothing (a
    path value its converter refuses, say `/api/v1/cases/not-a-uuid/`) answers the API's error body, as
    every other API 404 does; pages keep Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse(_body(ErrorCode.NOT_FOUND, exceptions.NotFound.default_detail), status=404)
    return defaults.page_not_found(request, exception)


#: What a client waits before trying again after `database_unavailable` (a restart or fail-over takes seconds).
DATABASE_RETRY_AFTER_SECONDS = 5


def server_error(request) -> HttpResponse:
    """Django's 500 handler (`handler500` of both URL confs). A request that failed because PostgreSQL could
    not be reached (restarting, failing over, a connection cut: Django's `OperationalError` or
    `InterfaceError`, the exception being handled) answers **503** with `Retry-After: 5` and a sentence in
    the request's language: under /api/ the API's error body `{"code": "database_unavailable", ...}`, else
    a short page. Its transaction was rolled back by PostgreSQL unless it had committed, so a retry is safe
    where the request carries an `Idempotency-Key` (or is a step the case's state refuses to take twice).
    Anything else is Django's own 500. Renders no template and reads no database (both may be what broke)."""
    error = sys.exc_info()[1]
    if not isinstance(error, OperationalError | InterfaceError):
        return defaults.server_error(request)
    with translation.override(translation.get_language_from_request(request)):
        message = _("The service cannot reach its database just now (it may be restarting). Please try again in a "
                    "few seconds.")
        if request.path.startswith("/api/"):
            message = "{} {}".format(message, _("A request sent again with the same Idempotency-Key is never made "
                                               "twice."))
            response: HttpResponse = JsonResponse(_body(ErrorCode.DATABASE_UNAVAILABLE, message), status=503)
        else:
            title = _("Please try again in a few seconds")
            response = HttpResponse(
                f'<!doctype html><html lang="{translation.get_language()}"><meta charset="utf-8"><title>'
                f"{escape(title)}</title><h1>{escape(title)}</h1><p>{escape(message)}</p></html>", status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response
