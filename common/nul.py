"""Refuse text that holds a NUL character (空字符, U+0000) as bad input, on every page and endpoint.

PostgreSQL's text columns cannot store NUL: a value with one that reached a query raised `DataError`
and answered 500. `RefuseNulMiddleware` looks, before any view runs, at every place text comes in —
the URL path and its captured values, the query string, form fields and uploaded file names, a JSON
body, and the request's headers — and answers 400 when one holds a NUL: an API view (DRF) with the
platform's error body `{"code": "validation_error", "message", "extra": {"fields": {name: [message]}}}`,
a page with a short page, both in the user's language. Nothing else changes: a request without NUL
goes on untouched.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework.views import APIView

from common.errors import ErrorCode

NUL = "\x00"
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _in_pairs(pairs: Iterable[tuple[str, list[Any]]]) -> str | None:
    for name, values in pairs:
        if NUL in name or any(isinstance(value, str) and NUL in value for value in values):
            return name.replace(NUL, "")
    return None


def _in_json(value: Any, name: str) -> str | None:
    """The name of the first field of a parsed JSON value that holds a NUL (its key or any string in it)."""
    if isinstance(value, str):
        return name if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            field = key.replace(NUL, "") if NUL in key else _in_json(item, key)
            if field is not None:
                return field
    elif isinstance(value, list):
        for item in value:
            field = _in_json(item, name)
            if field is not None:
                return field
    return None


def _form_body(request: HttpRequest) -> QueryDict | None:
    if request.method == "POST":
        return request.POST
    if request.content_type == "application/x-www-form-urlencoded":
        return QueryDict(request.body, encoding=request.encoding)
    return None


def nul_field(request: HttpRequest, view_kwargs: dict[str, Any] | None = None) -> str | None:
    """The name of the first input of `request` that holds a NUL ("path", "header", a query or form
    field's name, a JSON key, an upload's field name), or None when there is none."""
    if NUL in request.path or any(isinstance(v, str) and NUL in v for v in (view_kwargs or {}).values()):
        return "path"
    field = _in_pairs(request.GET.lists())
    if field is not None:
        return field
    if any(NUL in key or NUL in str(value) for key, value in request.META.items() if key.startswith("HTTP_")):
        return "header"
    if request.method not in _BODY_METHODS:
        return None
    content_type = request.content_type or ""
    if content_type == "application/json" or content_type.endswith("+json"):
        body = request.body
        if b"\\u0000" not in body and b"\x00" not in body:
            return None
        try:
            parsed = json.loads(body)
        except ValueError:
            return None  # not JSON at all: the view's parser answers that
        return _in_json(parsed, "body")
    form = _form_body(request)
    if form is None:
        return None
    field = _in_pairs(form.lists())
    if field is not None:
        return field
    if request.method == "POST":
        for name, uploads in request.FILES.lists():
            if any(NUL in (upload.name or "") for upload in uploads):
                return name.replace(NUL, "")
    return None


def _message() -> str:
    return _("The text sent contains a NUL character (code 0), which is not allowed. Remove it and try again.")


class RefuseNulMiddleware:
    """Answer 400 for any request whose input holds a NUL (see the module's docstring). Placed after
    `LocaleMiddleware` (the message is in the user's language) and before `CsrfViewMiddleware`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args: tuple,  # noqa: ARG002 - Django's signature
                     view_kwargs: dict[str, Any]) -> HttpResponse | None:
        field = nul_field(request, view_kwargs)
        if field is None:
            return None
        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return JsonResponse({"code": str(ErrorCode.VALIDATION), "message": _message(),
                                 "extra": {"fields": {field: [_message()]}}}, status=400)
        return render(request, "common/bad_input.html", {"message": _message(), "field": field}, status=400)
