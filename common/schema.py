"""OpenAPI generation: the schema says what the API answers.

- Components are named after their view when the serializer is nested in it: views follow the style of
  nested `InputSerializer` / `OutputSerializer` classes; without this every one of them would be the
  component "Input" and the schema would mix them up.
- Error answers are documented once, here, for every operation: the codes that the project's exception
  handler (`common.errors.exception_handler`) and `common.nul.RefuseNulMiddleware` produce for that kind
  of operation, each with the one error body `{"code", "message", "extra"}` (component `Error`). A view
  declares an error code itself only where it answers one that the rules below do not foresee; its
  declaration (description, body) wins.
- A list view that paginates says so with `pagination_class = Pagination` (common.pagination): its
  answer is documented as `{"count", "next", "previous", "results"}` with the `page` and `page_size`
  parameters.
"""
from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.permissions import SAFE_METHODS, AllowAny

ERROR_COMPONENT = "Error"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error: clients branch on `code`, people read `message` (in the request's language).",
    "properties": {
        "code": {"type": "string", "description": "Stable code, e.g. validation_error, not_found, conflict."},
        "message": {"type": "string"},
        "extra": {"type": "object", "additionalProperties": True,
                  "description": "Detail a client can act on, e.g. {\"fields\": {name: [message]}} for a "
                                 "validation error, {\"wait\": seconds} when rate limited."},
    },
    "required": ["code", "message", "extra"],
}

#: What each error code means, as the schema describes it.
ERROR_DESCRIPTIONS = {
    "400": "The input is not valid (`validation_error` with `extra.fields`, or an app's own code); also any "
           "input holding a NUL character (code 0), in the path, query, headers or body.",
    "401": "No credentials, or a wrong or expired token (`not_authenticated`).",
    "403": "Signed in, but not allowed to do this here (`permission_denied`, or an app's own code).",
    "404": "No such object, or not one this user may see (`not_found`); for a list, a page past the last.",
    "409": "Someone else changed it first, or it is not in a state that allows this (`conflict`): reload "
           "and try again.",
    "429": "Too many requests (`rate_limited`, `extra.wait` seconds).",
}


class AutoSchema(SpectacularAutoSchema):
    def get_serializer_name(self, serializer, direction) -> str:
        qualname = type(serializer).__qualname__
        if "." not in qualname:
            return super().get_serializer_name(serializer, direction)
        outer, inner = qualname.split(".")[-2:]
        return outer.removesuffix("Api") + inner

    def _get_serializer_name(self, serializer, direction, bypass_extensions=False) -> str:
        """With COMPONENT_SPLIT_REQUEST a request body's component gets "Request" appended; a nested
        `InputSerializer` is one already, and keeps its name (`CaseTransitionInput`)."""
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        return name.removesuffix("Request") if direction == "request" and name.endswith("InputRequest") else name

    def _get_parameters(self) -> list[dict]:
        """An optional text query parameter sent empty (`?status=`) is taken as not given (DRF's rule for
        serializer fields read from a query string, and `query_params.get(name) or default` in views):
        the schema says so, with "" in its enum and no minimum length."""
        parameters = super()._get_parameters()
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if parameter.get("in") != "query" or parameter.get("required") or schema.get("type") != "string":
                continue
            schema.pop("minLength", None)
            if "enum" in schema and "" not in schema["enum"]:
                schema["enum"] = [*schema["enum"], ""]
            note = "Empty: as if not given."
            parameter["description"] = f"{parameter['description']}\n\n{note}" if parameter.get("description") else note
        return parameters

    def error_codes(self) -> set[str]:
        """The error codes this operation can answer, by the rules the whole API follows."""
        view = self.view
        codes = {"400"}  # every operation checks its input; RefuseNulMiddleware refuses NUL everywhere
        if view.authentication_classes:
            codes.add("401")  # a wrong token is refused before any permission is asked
        safe = self.method in SAFE_METHODS
        if not safe or not all(isinstance(permission, AllowAny) for permission in view.get_permissions()):
            codes.add("403")  # a permission, or CSRF for a session-signed write
        if "{" in self.path or self._get_paginator() is not None:
            codes.add("404")
        if not safe:
            codes.add("409")
        if view.throttle_classes:
            codes.add("429")
        return codes

    def _error_component(self) -> dict:
        component = ResolvedComponent(name=ERROR_COMPONENT, type=ResolvedComponent.SCHEMA, schema=ERROR_SCHEMA,
                                      object=ERROR_COMPONENT)
        self.registry.register_on_missing(component)
        return component.ref

    def _get_response_bodies(self, direction="response") -> dict:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        error = {"content": {"application/json": {"schema": self._error_component()}}}
        for code in self.error_codes() | {code for code in responses if code.startswith("4")}:
            declared = responses.get(code)
            if declared is None:
                responses[code] = {"description": ERROR_DESCRIPTIONS[code], **error}
            elif "content" not in declared:
                responses[code] = {**declared, **error}
        return dict(sorted(responses.items()))
