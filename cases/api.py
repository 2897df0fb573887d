"""API of cases (办件) on the centre's host (`/api/v1/cases/` on `<slug>.<domain>`): thin views over
cases.services and the case reads.

- `POST /api/v1/cases/`: submit. Staff of the centre submit at the window; anyone else (anonymous
  included) submits online. An `Idempotency-Key` header makes a retry safe: the same key and body
  again answer 200 with the case the first request made; the same key with another body answers
  422 `idempotency_key_reused`. Keys are the sending client's own (another user's same key is
  another key; an anonymous applicant's key is bound to the applicant it files for); any length.
- `GET /api/v1/cases/`: the centre's cases for its staff, paginated, `?status=` and `?department=`.
- `GET /api/v1/cases/<uuid>/`: one case with its checklist and events (404 for anyone not staff of
  this centre, for a case of another centre, and for another department's case to a department's
  clerk: ids can't be probed).
- `POST /api/v1/cases/<uuid>/reveal/`: the applicant's full ID number and phone, for the staff handling
  the case (written to the audit log); 403 `case_role_not_allowed` for anyone else who may read it.

In lists and details `applicant_id_number` and `phone` are always masked (`**************1004`,
`138****5678`): personal data by need (cases.personal_data).
- `POST /api/v1/cases/<uuid>/transitions/`: one step of the lifecycle (`action`, `note`,
  `missing_material_ids`, `expected_revision`). 200 with the case; 409 `case_conflict` (someone
  changed it since `expected_revision`) or `case_transition_not_allowed` (not from this status);
  403 `case_role_not_allowed` (a role, or another department's case); 400 `case_note_required` and the
  other input errors.

Every error is `{code, message, extra}` in the request's language (common.errors).
"""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import personal_data, selectors, services
from cases.choices import Action, ApplicantKind, CaseStatus, Channel
from common.idempotency import client_key
from common.identity import mask_id_number, mask_phone
from common.pagination import Pagination
from common.serializers import FieldsOnce
from tenants.request import centre_of, user_of
from tenants.selectors import user_is_staff_of

# --- output --------------------------------------------------------------------------------------


class CaseOutput(FieldsOnce):
    """A case as staff see it (no checklist or events: what a list row and a transition answer). The
    applicant's `applicant_id_number` and `phone` are masked; the full values are for the staff handling
    the case, through `POST /api/v1/cases/<id>/reveal/`."""

    id = serializers.UUIDField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    revision = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    item_code = serializers.CharField()
    item_name_zh = serializers.CharField()
    item_name_en = serializers.CharField()
    department_code = serializers.CharField()
    department_name_zh = serializers.CharField()
    department_name_en = serializers.CharField()
    window = serializers.CharField()
    applicant_kind = serializers.ChoiceField(choices=ApplicantKind.choices)
    applicant_name = serializers.CharField()
    applicant_id_number = serializers.SerializerMethodField(
        help_text="Masked: all but the last four characters hidden (`**************1004`).")
    phone = serializers.SerializerMethodField(help_text="Masked: the middle four digits hidden (`138****5678`).")
    on_behalf_of = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    accepted_on = serializers.DateField(allow_null=True)
    legal_limit_days = serializers.IntegerField()
    promised_limit_days = serializers.IntegerField()
    promised_due = serializers.DateField(allow_null=True)
    legal_due = serializers.DateField(allow_null=True)
    promised_due_provisional = serializers.BooleanField(
        help_text="The promised due date was counted on days of a year whose holiday schedule is not out yet.")
    legal_due_provisional = serializers.BooleanField()
    paused_since = serializers.DateField(allow_null=True)
    paused_workdays = serializers.IntegerField()
    decided_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_applicant_id_number(self, obj) -> str:
        return mask_id_number(obj.applicant_id_number)

    def get_phone(self, obj) -> str:
        return mask_phone(obj.phone)


class CaseMaterialOutput(FieldsOnce):
    material_id = serializers.IntegerField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]  # DRF pops declared fields
    state = serializers.CharField()


class CaseEventOutput(FieldsOnce):
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    acting_name = serializers.CharField()
    on_behalf_of = serializers.CharField()
    note = serializers.CharField()
    at = serializers.DateTimeField()


class CaseDetailOutput(CaseOutput):
    materials = CaseMaterialOutput(many=True, source="materials.all")
    events = CaseEventOutput(many=True, source="events.all")


class ReceiptOutput(FieldsOnce):
    """What an applicant submitting online gets back: the number to quote and to look progress up
    with (the last four digits of the ID number or the phone are the lookup factor)."""

    id = serializers.UUIDField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    channel = serializers.ChoiceField(choices=Channel.choices)
    item_code = serializers.CharField()
    item_name_zh = serializers.CharField()
    item_name_en = serializers.CharField()
    department_name_zh = serializers.CharField()
    window = serializers.CharField()
    submitted_at = serializers.DateTimeField()


# --- views ---------------------------------------------------------------------------------------

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Any unique string (e.g. a UUID). Repeating a request with the same key and body answers 200 "
                "with the case the first one made; the same key with another body answers 422.")


class CaseListApi(APIView):
    """The centre's cases for its staff, most urgent first (cases.selectors.case_list_for), or submit
    a case (staff at the window; anyone else online)."""

    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=[(selectors.OPEN, "open"), (selectors.ALL, "all"), *CaseStatus.choices], required=False,
            help_text="`open` (default: not refused, collected or withdrawn), `all`, or one status.")
        department = serializers.CharField(required=False, max_length=2, help_text="Department code, e.g. SC.")
        due = serializers.ChoiceField(choices=[(selectors.OVERDUE, "overdue"), (selectors.DUE_SOON, "soon")],
                                      required=False, help_text="Only overdue cases, or those due soon.")

    class InputSerializer(serializers.Serializer):
        item_code = serializers.CharField(max_length=32)
        applicant_kind = serializers.ChoiceField(choices=ApplicantKind.choices)
        applicant_name = serializers.CharField(max_length=200)
        applicant_id_number = serializers.CharField(
            max_length=40, help_text="Resident ID number or unified social credit code (18 characters; full-width "
                                     "digits, spaces and hyphens are folded).")
        phone = serializers.CharField(max_length=30)
        provided_material_ids = serializers.ListField(child=serializers.IntegerField(), required=False,
                                                      default=list)

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    @extend_schema(parameters=[FilterSerializer], responses=CaseOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        cases = selectors.case_list_for(user=request.user, centre=centre_of(request),
                                        filters=selectors.CaseFilters.from_mapping(filters.validated_data))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(cases, request, view=self)
        return paginator.get_paginated_response(CaseOutput(page, many=True).data)

    @extend_schema(
        request=InputSerializer, parameters=[IDEMPOTENCY_HEADER],
        responses={201: OpenApiResponse(CaseOutput, description="Created. Staff get the case; anyone else (online) "
                                                                "a receipt of the same shape as ReceiptOutput."),
                   200: OpenApiResponse(CaseOutput, description="The same Idempotency-Key and body again: the case "
                                                                "the first request made."),
                   422: OpenApiResponse(description="`idempotency_key_reused`")})
    def post(self, request: Request) -> Response:
        centre = centre_of(request)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = request.user if request.user.is_authenticated else None
        staff = user is not None and user_is_staff_of(user=user, centre=centre)
        result = services.case_submit(
            centre=centre, **payload.validated_data, channel=Channel.WINDOW if staff else Channel.ONLINE,
            acting_user=user, idempotency_key=client_key(request))
        output = CaseOutput if staff else ReceiptOutput
        return Response(output(result.case).data,
                        status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class CaseDetailApi(APIView):
    """One case with its materials checklist and events (the centre's staff)."""

    @extend_schema(responses=CaseDetailOutput)
    def get(self, request: Request, case_id) -> Response:
        case = selectors.case_get_for(user=request.user, centre=centre_of(request), case_id=case_id)
        return Response(CaseDetailOutput(case).data)


class CaseTransitionApi(APIView):
    """Apply one step of the lifecycle: accept, refuse (with a reason), issue the one-time notice
    (listing every missing material), record the supplement, start the review, approve or deny
    (chief representatives), result ready, collected, withdraw."""

    class InputSerializer(serializers.Serializer):
        action = serializers.ChoiceField(choices=Action.choices)
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
        missing_material_ids = serializers.ListField(child=serializers.IntegerField(), required=False,
                                                     default=list)
        expected_revision = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0,
                                                     help_text="The revision the user saw; another change since "
                                                               "answers 409 case_conflict.")

    @extend_schema(request=InputSerializer, responses={
        200: CaseOutput,
        400: OpenApiResponse(description="`case_note_required`, `case_unknown_material`, `validation_error`"),
        403: OpenApiResponse(description="`case_role_not_allowed`"),
        404: OpenApiResponse(description="No such case at this centre, or not its staff"),
        409: OpenApiResponse(description="`case_conflict`, `case_transition_not_allowed`")})
    def post(self, request: Request, case_id) -> Response:
        case = selectors.case_get_for(user=request.user, centre=centre_of(request), case_id=case_id, detail=False)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        selectors.case_act_check(user=request.user, centre=centre_of(request), case=case,
                                 action=payload.validated_data["action"])
        case = services.case_transition(centre=centre_of(request), case=case, acting_user=user_of(request),
                                        **payload.validated_data)
        return Response(CaseOutput(case).data)


class CaseRevealApi(APIView):
    """Reveal the applicant's full ID number and phone (个人信息按需查看) to the staff handling the case:
    its department's clerks and chief representatives, general window clerks. Each reveal is written to
    the audit log (`personal_data_revealed`, the case's number; never the values)."""

    class OutputSerializer(serializers.Serializer):
        applicant_id_number = serializers.CharField(source="id_number",
                                                    help_text="In full, normalised (18 characters).")
        phone = serializers.CharField(help_text="In full, E.164 (`+8613812345678`).")

    @extend_schema(request=None, responses={
        200: OutputSerializer,
        403: OpenApiResponse(description="`case_role_not_allowed`: may read the case, does not handle it"),
        404: OpenApiResponse(description="No such case at this centre, or not for this user to see")})
    def post(self, request: Request, case_id) -> Response:
        centre = centre_of(request)
        case = selectors.case_get_for(user=request.user, centre=centre, case_id=case_id, detail=False)
        revealed = personal_data.case_personal_data_reveal(centre=centre, case=case, acting_user=user_of(request))
        return Response(self.OutputSerializer(revealed).data)
