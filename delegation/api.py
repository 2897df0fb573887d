"""Delegation API.

On a centre's host (`/api/v1/delegation/`), for the township's village agents:
- `GET filings/?view=all|carry|due|deliver`: the agent's own filings, paginated;
- `POST consent-codes/` `{phone, token?}`: send the resident an SMS code for the consent (the outbox);
  answers `{token, sent_to, expires_at}` (the token names the draft the code belongs to);
- `POST filings/`: file for a resident with the consent (how, when, and its evidence: `consent_evidence`
  the call recording's reference; `consent_scan` a JPEG, PNG or PDF of the signed form, as multipart;
  `consent_token` + `sms_code` the code sent by `consent-codes/` and read back); an `Idempotency-Key`
  header (any length; one over 64 characters is kept as its SHA-256) makes a retry on a weak
  connection return the first filing (200) instead of filing twice; the same key with a different
  body is refused (422 `idempotency_key_reused`), nothing filed;
- `GET filings/<uuid>/`: one filing with its handover log (404 for anyone else's);
- `POST filings/<uuid>/handover/` `{step, note}`: the next handover step (409 out of order or twice,
  409 `delegation_result_not_ready`).

On the platform's host: `GET coverage/` (per district or zone; `?district=<code>` per township),
`GET key-projects/report/?year=` (the latest year without one) and
`GET green-channels/<code>/report/` (the city's staff).
"""
from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.idempotency import client_key
from common.pagination import Pagination
from delegation import selectors
from delegation.choices import ConsentMethod, HandoverStepKind
from delegation.consent import consent_code_send, consent_draft_for, consent_scan_attach
from delegation.services import ConsentGiven, handover_log, new_form_token, proxy_filing_file
from tenants.request import centre_of, user_of


class HandoverOutput(serializers.Serializer):
    step = serializers.ChoiceField(choices=HandoverStepKind.choices)
    at = serializers.DateTimeField()
    note = serializers.CharField()


class FilingOutput(serializers.Serializer):
    id = serializers.UUIDField()
    case_id = serializers.UUIDField()
    case_number = serializers.CharField()
    centre_code = serializers.CharField(source="target_centre.division_code")
    item_code = serializers.CharField()
    item_name_zh = serializers.CharField()
    item_name_en = serializers.CharField()
    resident = serializers.CharField(source="resident_name_masked")
    case_status = serializers.CharField(allow_null=True)
    promised_due = serializers.DateField(allow_null=True)
    last_step = serializers.CharField()
    last_step_at = serializers.DateTimeField(allow_null=True)
    filed_at = serializers.DateTimeField()


class FilingDetailOutput(FilingOutput):
    consent_method = serializers.CharField(source="consent.method")
    consent_given_at = serializers.DateTimeField(source="consent.given_at")
    consent_evidence = serializers.CharField(source="consent.evidence")
    consent_scan = serializers.BooleanField(source="consent.scan")
    consent_sms_confirmed_at = serializers.DateTimeField(source="consent.sms_confirmed_at", allow_null=True)
    handovers = HandoverOutput(many=True, source="handovers.all")


class FilingListApi(APIView):
    """The agent's own filings, or a new filing for a resident."""

    pagination_class = Pagination
    permission_classes = [permissions.IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        item_code = serializers.CharField(max_length=32)
        resident_name = serializers.CharField(max_length=200)
        resident_id_number = serializers.CharField(max_length=40)
        phone = serializers.CharField(max_length=30)
        consent_method = serializers.ChoiceField(choices=ConsentMethod.choices)
        consent_given_at = serializers.DateTimeField()
        consent_evidence = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        consent_scan = serializers.FileField(required=False, allow_empty_file=True)
        consent_token = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
        sms_code = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
        provided_material_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
        note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    @extend_schema(responses=FilingOutput(many=True))
    def get(self, request: Request) -> Response:
        selectors.agent_post_for(user=request.user, centre=centre_of(request))
        filings = selectors.filing_list_for(user=request.user, view=request.query_params.get("view") or "all")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(filings, request, view=self)
        return paginator.get_paginated_response(FilingOutput(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={
        201: FilingOutput, 200: OpenApiResponse(FilingOutput, description="The same Idempotency-Key and body again."),
        400: OpenApiResponse(description="`delegation_consent_*`, `case_invalid_applicant`"),
        422: OpenApiResponse(description="`idempotency_key_reused`")})
    def post(self, request: Request) -> Response:
        post = selectors.agent_post_for(user=request.user, centre=centre_of(request))
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        agent = user_of(request)
        draft = None
        if data["consent_token"] or data.get("consent_scan") is not None:
            draft = consent_draft_for(agent=agent, station=post.station,
                                      token=data["consent_token"] or new_form_token())
        if draft is not None and (scan := data.get("consent_scan")) is not None:
            consent_scan_attach(draft=draft, upload=scan, file_name=scan.name or "")
        filing, created = proxy_filing_file(
            agent=agent, station=post.station, item_code=data["item_code"],
            resident_name=data["resident_name"], resident_id_number=data["resident_id_number"], phone=data["phone"],
            consent=ConsentGiven(method=data["consent_method"], given_at=data["consent_given_at"],
                                 evidence=data["consent_evidence"], draft=draft, sms_code=data["sms_code"]),
            provided_material_ids=data["provided_material_ids"], note=data["note"], idempotency_key=client_key(request))
        return Response(FilingOutput(selectors.filing_get_for(user=request.user, filing_id=filing.pk)).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ConsentCodeApi(APIView):
    """Send the resident an SMS code for their consent to a filing (read back as `sms_code`)."""

    permission_classes = [permissions.IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        phone = serializers.CharField(max_length=30)
        token = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()
        sent_to = serializers.CharField(source="code_phone_masked")
        expires_at = serializers.DateTimeField(source="code_expires_at")

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer, 400: OpenApiResponse(
        description="`delegation_consent_required`: not a mobile number, a new code within a minute, too many"),
        404: OpenApiResponse(description="The user is not an agent of a station of this township.")})
    def post(self, request: Request) -> Response:
        post = selectors.agent_post_for(user=request.user, centre=centre_of(request))
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        draft = consent_draft_for(agent=user_of(request), station=post.station,
                                  token=payload.validated_data["token"] or new_form_token())
        draft = consent_code_send(draft=draft, phone=payload.validated_data["phone"])
        return Response(self.OutputSerializer(draft).data, status=status.HTTP_201_CREATED)


class FilingDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=FilingDetailOutput)
    def get(self, request: Request, filing_id) -> Response:
        return Response(FilingDetailOutput(selectors.filing_get_for(user=request.user, filing_id=filing_id)).data)


class HandoverApi(APIView):
    """Log the next handover step; the resident gets an SMS."""

    permission_classes = [permissions.IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        step = serializers.ChoiceField(choices=HandoverStepKind.choices)
        note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={201: HandoverOutput, 403: OpenApiResponse(
        description="`delegation_post_ended` (the agent's post has ended), `delegation_not_an_agent`"),
        409: OpenApiResponse(description="`delegation_handover_out_of_order`, `delegation_result_not_ready`, "
                                         "`case_transition_not_allowed` (delivered before the result is ready)")})
    def post(self, request: Request, filing_id) -> Response:
        filing = selectors.filing_for_acting(user=request.user, centre=centre_of(request), filing_id=filing_id)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        row = handover_log(filing=filing, acting_user=user_of(request), **payload.validated_data)
        return Response(HandoverOutput(row).data, status=status.HTTP_201_CREATED)


# --- the platform's host ---------------------------------------------------------------------------------

class CoverageOutput(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    village_stations = serializers.IntegerField()
    villages = serializers.IntegerField()
    community_stations = serializers.IntegerField()
    communities = serializers.IntegerField()
    village_coverage = serializers.FloatField(allow_null=True)
    community_coverage = serializers.FloatField(allow_null=True)
    coverage = serializers.FloatField(allow_null=True)


class CoverageApi(APIView):
    """Stations ÷ villages and communities per district or zone (`?district=<code>`: per township)."""

    permission_classes = [permissions.AllowAny]

    class ReportSerializer(serializers.Serializer):
        rows = CoverageOutput(many=True)
        total = CoverageOutput()

    @extend_schema(
        parameters=[OpenApiParameter("district", OpenApiTypes.STR, description="A district's or zone's code: "
                                     "coverage per township of that one (404 when none has it).")],
        responses={200: ReportSerializer, 404: OpenApiResponse(description="No district or zone has that code.")})
    def get(self, request: Request) -> Response:
        _district, rows = selectors.coverage_for(district_code=request.query_params.get("district") or "")
        return Response({"rows": CoverageOutput(rows, many=True).data,
                         "total": CoverageOutput(selectors.coverage_total(rows)).data})


class KeyProjectReportApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="Default: the latest year on the list.")],
        responses={200: OpenApiResponse(description="{year, projects, problems_solved, approvals_finished, rows}"),
                   404: OpenApiResponse(description="Only the city centre's staff and platform administrators "
                                                    "read this report; others, and a year that is not a "
                                                    "number, get 404.")})
    def get(self, request: Request) -> Response:
        selectors.require_city_reader(user=request.user)
        try:
            year = int(request.query_params.get("year") or 0)
        except ValueError as exc:
            raise Http404 from exc
        if not year:  # as the page: the latest year on the list
            years = selectors.key_project_years()
            year = years[0] if years else timezone.localdate().year
        projects = selectors.key_project_report(year=year)
        rows = [{"name_zh": p.name_zh, "company": p.company_name, "credit_code": p.credit_code,
                 "centre_code": p.centre.division_code,
                 "agents": [{"agent": str(a.agent), "level": a.level} for a in p.assignments.all()],
                 "problems_raised": p.problems_raised or 0, "problems_solved": p.problems_solved or 0,
                 "approvals_finished": p.approvals_finished or 0} for p in projects]
        return Response({"year": year, "projects": len(rows),
                         "problems_solved": sum(r["problems_solved"] for r in rows),
                         "approvals_finished": sum(r["approvals_finished"] for r in rows), "rows": rows})


class GreenChannelReportApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=OpenApiResponse(description="{code, target, filed, finished, average_days, items}"))
    def get(self, request: Request, code: str) -> Response:
        selectors.require_city_reader(user=request.user)
        report = selectors.green_channel_report(channel=selectors.green_channel_get(code=code))
        return Response({"code": report.channel.code, "target": report.channel.target_count,
                         "filed": report.filed, "finished": report.finished, "average_days": report.average_days,
                         "items": [{"item_code": i.item_code, "usual_days": i.usual_days, "cap_days": i.cap_days,
                                    "filed": i.filed, "finished": i.finished, "average_days": i.average_days}
                                   for i in report.items]})
