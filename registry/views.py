"""The public progress lookup (mounted at /progress/ on every host; no sign-in): a page and a JSON API.

A case number and a second factor (the last four characters of the applicant's ID number, credit code
or mobile phone) find a case; a joint case's number (`J…`, 联办件) finds the joint case with every leg
(its centre, department, status, due date and own number) and its printable acceptance receipt
(联办受理回执, `joint_receipt_context`, also printed by the staff from the joint case's page); an
unknown number and a wrong factor give the same answer. Lookups are rate
limited per client address (DRF throttle scope `progress`, shared by the page, the API and the reviews
room's applicant pages; the address as `common.client.client_address` reads it, forwarded headers only
from trusted proxies), and each case number is guarded against guesses from many addresses
(`registry.guard`: a few wrong factors and the number answers "try later" to everyone for a while).
"""
from __future__ import annotations

from typing import cast

from django import forms
from django.core import signing
from django.core.validators import RegexValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from common.client import client_address
from common.errors import ApplicationError, ErrorCode
from common.i18n import pick
from common.identity import normalise_case_number, normalise_identifier
from registry.guard import NumberGuarded, guarded_lookup
from registry.models import RegistryEntry, status_label
from registry.selectors import Found, JointProgress, joint_progress_of

#: The last four characters of a resident ID (digits, the last may be X), a mobile (digits) or a unified
#: social credit code (digits and capital letters): four of 0-9 and A-Z once folded.
FACTOR_VALIDATOR = RegexValidator(r"^[0-9A-Z]{4}$", gettext_lazy(
    "Four characters: the last four of the ID number, credit code or mobile phone."))


class CaseNumberField(forms.CharField):
    """A case number as typed (full-width digits, spaces, any dash) → as stored."""

    def to_python(self, value):
        return normalise_case_number(super().to_python(value))


class LookupFactorField(forms.CharField):
    """The last four characters of the ID number or mobile, as typed (full-width, spaces, a lower-case
    x) → four characters to check."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validators", [FACTOR_VALIDATOR])
        super().__init__(min_length=4, max_length=4, **kwargs)

    def to_python(self, value):
        return normalise_identifier(super().to_python(value))

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)  # typed with spaces or full-width, it is longer before it is folded
        return attrs


class NormalisedCharField(serializers.CharField):
    """A DRF field that folds its value with `normalise` before validating it."""

    def __init__(self, *, normalise, **kwargs):
        self._normalise = normalise
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return self._normalise(super().to_internal_value(data))


class ProgressThrottle(SimpleRateThrottle):
    """Lookups per client address (`common.client.client_address`: `X-Forwarded-For` only from trusted
    proxies), whoever is signed in (scope `progress`)."""

    scope = "progress"

    def get_rate(self) -> str | None:
        # read at each request (DRF binds the rates at import; settings overridden in tests must count)
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return str(rate) if rate is not None else None

    def allows_page(self, request: HttpRequest) -> bool:
        """The same allowance for a page's POST (DRF's throttle reads only the request's META here)."""
        return self.allow_request(cast(Request, request), cast(APIView, None))

    def get_cache_key(self, request, view) -> str | None:  # noqa: ARG002 - DRF's signature
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


def _throttled_message(wait: float | None) -> str:
    if wait is None:
        return _("Too many lookups. Please try again later.")
    return _("Too many lookups. Please try again in %(seconds)d seconds.") % {"seconds": max(int(wait + 0.999), 1)}


def _not_found_message() -> str:
    return _("No case matches that number and those four digits. Check both and try again.")


def progress_data(entry: RegistryEntry) -> dict:
    """What the public may see of a case (a joint case's leg too): no applicant, no ID number, no phone."""
    centre = entry.centre
    history = []
    for step in entry.history:
        at = parse_datetime(step.get("at") or "")
        history.append({
            "status": step.get("status", ""), "status_label": status_label(step.get("status", "")),
            "at": at, "holder": pick(step.get("holder_zh", ""), step.get("holder_en")),
        })
    return {
        "number": entry.number, "status": entry.status, "status_label": status_label(entry.status),
        "centre": pick(centre.name_zh, centre.name_en),
        "department": pick(entry.department_name_zh, entry.department_name_en), "item": entry.item_name,
        # the promised date is what the applicant is told to expect: its own flag, not the legal date's
        "expected_finish": entry.promised_due, "provisional": entry.promised_due_provisional, "paused": entry.paused,
        "is_open": entry.is_open, "history": history,
    }


def joint_progress_data(found: JointProgress) -> dict:
    """What the public may see of a joint case: its number, title, status, accepting centre, acceptance
    day and promised date (the latest leg's), and every leg as `progress_data` gives it (its own number,
    centre, department, item, status, due date). No personal data."""
    facts = found.facts
    centre = facts.accepting_centre
    return {
        "joint": True, "number": facts.number, "title": facts.title, "status": facts.status,
        "status_label": str(facts.status_label), "is_open": facts.is_open,
        "centre": pick(centre.name_zh, centre.name_en), "accepted_on": facts.accepted_on,
        "expected_finish": facts.due, "provisional": any(leg.promised_due_provisional for leg in found.legs),
        "completed_at": facts.completed_at, "legs": [progress_data(leg) for leg in found.legs],
    }


def joint_receipt_context(found: JointProgress) -> dict:
    """The acceptance receipt of a joint case (联办受理回执, `registry/joint_receipt.html`): the joint case
    (`joint_progress_data`) with its legs, each with its centre, department, item, promised due date and
    own number, and the accepting centre's address and phone for the foot. The page adds the applicant's
    name where its reader may see it, and where its back link goes."""
    centre = found.facts.accepting_centre
    data = joint_progress_data(found)
    return {"joint": data, "legs": data["legs"], "address": centre.address, "department_phone": centre.phone,
            "today": timezone.localdate()}


#: How long the receipt link shown with a joint case's progress stays good (seconds).
RECEIPT_LINK_SECONDS = 3600
_RECEIPT_SALT = "registry.progress.joint-receipt"


def receipt_token(number: str) -> str:
    """A signed, timed token naming joint case `number`: the link to its receipt given to whoever has
    just passed the lookup (no factor in the address, nothing to guess)."""
    return signing.dumps(number, salt=_RECEIPT_SALT, compress=True)


def _result(found: Found) -> dict:
    if isinstance(found, JointProgress):
        return {**joint_progress_data(found),
                "receipt_url": reverse("progress-joint-receipt", args=[receipt_token(found.number)])}
    return progress_data(found)


# --- the page -----------------------------------------------------------------------------------

class ProgressForm(forms.Form):
    number = CaseNumberField(label=gettext_lazy("Case number"), max_length=40,
                             widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    factor = LookupFactorField(label=gettext_lazy("Last four characters of the applicant's ID number or mobile phone"),
                               widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text",
                                                             "size": 4}))


@never_cache
def progress(request: HttpRequest) -> HttpResponse:
    """The lookup form (`?number=` fills the number in, as the SMS links do); a POST looks the case or
    joint case up (rate limited, guarded per number) and shows its public progress."""
    form = ProgressForm(request.POST or None, initial={"number": request.GET.get("number", "")[:40]})
    context: dict = {"form": form, "result": None, "error": ""}
    status = 200
    if request.method == "POST":
        throttle = ProgressThrottle()
        if not throttle.allows_page(request):
            context["error"] = _throttled_message(throttle.wait())
            return render(request, "registry/progress.html", context, status=429)
        if not form.is_valid():
            status = 400
        else:
            try:
                entry = guarded_lookup(number=form.cleaned_data["number"], factor=form.cleaned_data["factor"])
            except NumberGuarded as exc:
                context["error"] = exc.message
                return render(request, "registry/progress.html", context, status=exc.http_status)
            if entry is None:
                context["error"] = _not_found_message()
                for field in form.fields.values():  # both may be wrong: each field points at the message
                    field.widget.attrs.update({"aria-invalid": "true", "aria-describedby": "progress-error"})
                status = 404
            else:
                context["result"] = _result(entry)
                context["form"] = ProgressForm(initial={"number": entry.number})
    return render(request, "registry/progress.html", context, status=status)


@never_cache
def progress_joint_receipt(request: HttpRequest, token: str) -> HttpResponse:
    """The joint case's acceptance receipt, printable, from the link its progress result gives (good for
    `RECEIPT_LINK_SECONDS`); an old or altered link asks for the lookup again (404)."""
    try:
        number = signing.loads(token, salt=_RECEIPT_SALT, max_age=RECEIPT_LINK_SECONDS)
    except signing.BadSignature:
        number = None
    found = joint_progress_of(number=number) if isinstance(number, str) else None
    if found is None:
        context = {"form": ProgressForm(), "result": None,
                   "error": _("This receipt link has expired. Look the joint case up again to print its receipt.")}
        return render(request, "registry/progress.html", context, status=404)
    return render(request, "registry/joint_receipt.html", {
        **joint_receipt_context(found), "back_url": f"{reverse('progress')}?number={found.number}",
        "back_label": _("Back to the progress lookup")})


# --- the API ------------------------------------------------------------------------------------

class ProgressStepSerializer(serializers.Serializer):
    status = serializers.CharField()
    status_label = serializers.CharField()
    at = serializers.DateTimeField(allow_null=True)
    holder = serializers.CharField(allow_blank=True)


class ProgressLegSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    centre = serializers.CharField()
    department = serializers.CharField()
    item = serializers.CharField()
    expected_finish = serializers.DateField(allow_null=True)
    provisional = serializers.BooleanField()
    paused = serializers.BooleanField()


class ProgressApi(APIView):
    """GET /progress/api/?number=…&factor=… → the case's public progress, or for a joint case's number
    (`J…`) the joint case with every leg (`joint: true`, `legs`, `receipt_url`), or 404 {code, message,
    extra}; 429 `rate_limited` when the client or the case number is over its allowance."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ProgressThrottle]

    class InputSerializer(serializers.Serializer):
        number = NormalisedCharField(normalise=normalise_case_number, max_length=40)
        factor = NormalisedCharField(normalise=normalise_identifier, min_length=4, max_length=4,
                                     validators=[FACTOR_VALIDATOR])

    class OutputSerializer(serializers.Serializer):
        number = serializers.CharField()
        status = serializers.CharField()
        status_label = serializers.CharField()
        centre = serializers.CharField()
        department = serializers.CharField()
        expected_finish = serializers.DateField(allow_null=True)
        provisional = serializers.BooleanField()
        history = ProgressStepSerializer(many=True)

    class JointOutputSerializer(serializers.Serializer):
        joint = serializers.BooleanField()
        number = serializers.CharField()
        title = serializers.CharField()
        status = serializers.CharField()
        status_label = serializers.CharField()
        centre = serializers.CharField(help_text="The accepting centre.")
        accepted_on = serializers.DateField()
        expected_finish = serializers.DateField(allow_null=True, help_text="The latest leg's promised date.")
        provisional = serializers.BooleanField()
        legs = ProgressLegSerializer(many=True)
        receipt_url = serializers.CharField(help_text="The printable acceptance receipt, good for an hour.")

    @extend_schema(parameters=[InputSerializer], responses={
        200: PolymorphicProxySerializer(component_name="ProgressResult", resource_type_field_name=None,
                                        serializers=[OutputSerializer, JointOutputSerializer]),
        404: OpenApiResponse(description="No case with that number and factor."),
        429: OpenApiResponse(description="Too many lookups (from this client, or of this case number).")})
    def get(self, request) -> Response:
        return Response(self.answer(request, request.query_params))

    @classmethod
    def answer(cls, request: HttpRequest, params) -> dict:
        """The 200 answer's body for the query `params` (`number`, `factor`): the same for this view and
        the lean path in front of Django (`registry.lean`). Raises DRF's `ValidationError` (400),
        `NumberGuarded` (429) or `ApplicationError` (404), which `common.errors.exception_handler` answers."""
        data = cls.InputSerializer(data=params)
        data.is_valid(raise_exception=True)
        entry = guarded_lookup(number=data.validated_data["number"], factor=data.validated_data["factor"])
        if entry is None:
            raise ApplicationError(_not_found_message(), ErrorCode.NOT_FOUND,
                                   {"number": data.validated_data["number"]}, http_status=404)
        if isinstance(entry, JointProgress):
            result = _result(entry)
            result["receipt_url"] = request.build_absolute_uri(result["receipt_url"])
            return cls.JointOutputSerializer(result).data
        return cls.output().to_representation(progress_data(entry))

    @classmethod
    def output(cls) -> serializers.Serializer:
        """One `OutputSerializer` per process: its fields are bound once (DRF deep-copies them for every
        new serializer, a third of a lookup's Python work); `to_representation` keeps no state."""
        output = cls.__dict__.get("_output")
        if output is None:
            output = cls.OutputSerializer()
            setattr(cls, "_output", output)  # noqa: B010 - a per-class cache, not a declared attribute
        return output

    def throttled(self, request, wait):  # noqa: ARG002 - DRF's signature
        exc = Throttled(detail=_throttled_message(wait))  # our message says the wait once (DRF would add it again)
        exc.wait = wait  # still sent as Retry-After and `extra.wait`
        raise exc

