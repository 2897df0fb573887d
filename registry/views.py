"""The public progress lookup (mounted at /progress/ on every host; no sign-in): a page and a JSON API.

A case number and a second factor (the last four characters of the applicant's ID number or mobile
phone) find a case; an unknown number and a wrong factor give the same answer. Lookups are rate
limited per IP address (DRF throttle scope `progress`, shared by the page and the API).
"""
from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from cases.choices import CaseStatus
from common.errors import ApplicationError, ErrorCode
from registry.models import RegistryEntry
from registry.selectors import normalise_number, progress_lookup

FACTOR_VALIDATOR = RegexValidator(r"^[0-9Xx]{4}$", gettext_lazy("Four digits (the last may be X)."))


class ProgressThrottle(SimpleRateThrottle):
    """Lookups per client IP address, whoever is signed in (scope `progress`)."""

    scope = "progress"

    def get_rate(self) -> str | None:
        # read at each request (DRF binds the rates at import; settings overridden in tests must count)
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return str(rate) if rate is not None else None

    def get_cache_key(self, request, view) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _throttled_message(wait: float | None) -> str:
    if wait is None:
        return _("Too many lookups. Please try again later.")
    return _("Too many lookups. Please try again in %(seconds)d seconds.") % {"seconds": max(int(wait + 0.999), 1)}


def _not_found_message() -> str:
    return _("No case matches that number and those four digits. Check both and try again.")


def _en() -> bool:
    return (get_language() or "").startswith("en")


def _status_label(status: str) -> str:
    return str(CaseStatus(status).label) if status in CaseStatus.values else status


def progress_data(entry: RegistryEntry) -> dict:
    """What the public may see of a case: no applicant, no ID number, no phone."""
    en = _en()
    centre = entry.centre
    history = []
    for step in entry.history:
        at = parse_datetime(step.get("at") or "")
        history.append({
            "status": step.get("status", ""), "status_label": _status_label(step.get("status", "")),
            "at": at, "holder": (step.get("holder_en") if en and step.get("holder_en") else step.get("holder_zh", "")),
        })
    return {
        "number": entry.number, "status": entry.status, "status_label": _status_label(entry.status),
        "centre": centre.name_en if en else centre.name_zh,
        "department": (entry.department_name_en if en and entry.department_name_en else entry.department_name_zh),
        "expected_finish": entry.promised_due, "provisional": entry.due_provisional, "paused": entry.paused,
        "is_open": entry.is_open, "history": history,
    }


# --- the page -----------------------------------------------------------------------------------

class ProgressForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Case number"), max_length=32,
                             widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    factor = forms.CharField(label=gettext_lazy("Last four characters of the applicant's ID number or mobile phone"),
                             min_length=4, max_length=4, validators=[FACTOR_VALIDATOR],
                             widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text",
                                                           "size": 4}))


@never_cache
def progress(request: HttpRequest) -> HttpResponse:
    """The lookup form; a POST looks the case up (rate limited) and shows its public progress."""
    form = ProgressForm(request.POST or None)
    context: dict = {"form": form, "result": None, "error": ""}
    status = 200
    if request.method == "POST":
        throttle = ProgressThrottle()
        if not throttle.allow_request(request, None):
            context["error"] = _throttled_message(throttle.wait())
            return render(request, "registry/progress.html", context, status=429)
        if not form.is_valid():
            status = 400
        else:
            entry = progress_lookup(number=form.cleaned_data["number"], factor=form.cleaned_data["factor"])
            if entry is None:
                context["error"] = _not_found_message()
                status = 404
            else:
                context["result"] = progress_data(entry)
                context["form"] = ProgressForm(initial={"number": entry.number})
    return render(request, "registry/progress.html", context, status=status)


# --- the API ------------------------------------------------------------------------------------

class ProgressStepSerializer(serializers.Serializer):
    status = serializers.CharField()
    status_label = serializers.CharField()
    at = serializers.DateTimeField(allow_null=True)
    holder = serializers.CharField(allow_blank=True)


class ProgressApi(APIView):
    """GET /progress/api/?number=…&factor=… → the case's public progress, or 404 {code, message, extra}."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ProgressThrottle]

    class InputSerializer(serializers.Serializer):
        number = serializers.CharField(max_length=32)
        factor = serializers.CharField(min_length=4, max_length=4, validators=[FACTOR_VALIDATOR])

    class OutputSerializer(serializers.Serializer):
        number = serializers.CharField()
        status = serializers.CharField()
        status_label = serializers.CharField()
        centre = serializers.CharField()
        department = serializers.CharField()
        expected_finish = serializers.DateField(allow_null=True)
        provisional = serializers.BooleanField()
        history = ProgressStepSerializer(many=True)

    @extend_schema(parameters=[InputSerializer], responses={
        200: OutputSerializer, 404: OpenApiResponse(description="No case with that number and factor."),
        429: OpenApiResponse(description="Too many lookups.")})
    def get(self, request) -> Response:
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        entry = progress_lookup(number=data.validated_data["number"], factor=data.validated_data["factor"])
        if entry is None:
            raise ApplicationError(_not_found_message(), ErrorCode.NOT_FOUND,
                                   {"number": normalise_number(data.validated_data["number"])}, http_status=404)
        return Response(self.OutputSerializer(progress_data(entry)).data)

    def throttled(self, request, wait):
        raise Throttled(wait, detail=_throttled_message(wait))

