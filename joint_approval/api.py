"""API of joint approvals (`/api/v1/joint/`): thin views over joint_approval.services and selectors.

- `GET bundles/`, `GET bundles/<code>/?items=<id>&items=<id>`: the joint-service catalogue (anyone),
  a bundle with its items and the merged checklist of the chosen items (each material once; those
  another leg produces listed as produced).
- `POST cases/` (a centre's host, its window staff): accept a joint case from a bundle (`bundle`,
  `item_ids` of the optional items chosen) or a linked project (`project`); `provided` lists the
  merged checklist's keys handed in. An `Idempotency-Key` header makes a retry answer 200 with the
  joint case the first request made. A leg that cannot start answers `joint_leg_failed` naming it,
  and nothing is accepted.
- `GET cases/`, `GET cases/<uuid>/`: the joint cases the user follows, one with its legs.
- `GET projects/`, `GET projects/<id>/`: the linked key-project register.

On a centre's host, `cases/` and `projects/` (and their items) answer 404 to anyone who is not its
staff (another centre's staff, a user with no role), for GET and POST alike: nothing is there for them.
The centre's own staff who may not accept get 403 `joint_not_staff`.

Every error is `{code, message, extra}` in the request's language (common.errors).
"""
from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.choices import ApplicantKind
from common.errors import ApplicationError
from common.idempotency import client_key
from common.pagination import Pagination
from joint_approval import selectors
from joint_approval.choices import BundleKind, JointStatus, Stage
from joint_approval.error_codes import JointErrorCode
from joint_approval.models import Bundle
from joint_approval.services import (
    bundle_legs,
    joint_case_accept,
    legs_promised_days,
    merged_checklist,
    resolve_centres,
    time_saved,
)
from tenants.request import CentreStaffOr404, centre_of, centre_or_none, user_of

# --- output --------------------------------------------------------------------------------------


class BundleOutput(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    stage = serializers.ChoiceField(choices=Stage.choices)
    kind = serializers.CharField(help_text="`parallel` (并联审批) or `linked` (市区两级联动).")
    promised_days = serializers.IntegerField()
    sequential_days = serializers.IntegerField(allow_null=True)
    description_zh = serializers.CharField()
    description_en = serializers.CharField()


class BundleItemOutput(serializers.Serializer):
    item_id = serializers.IntegerField()
    item_code = serializers.CharField(source="item.code")
    name_zh = serializers.CharField(source="item.current_version.name_zh")
    name_en = serializers.CharField(source="item.current_version.name_en")
    department_code = serializers.CharField(source="item.department.code")
    level = serializers.CharField(help_text="`city`: the city centre handles it; `local`: the district or zone.")
    required = serializers.BooleanField()  # type: ignore[assignment]  # DRF pops declared fields
    produces_zh = serializers.CharField()
    promised_limit_days = serializers.IntegerField(source="item.current_version.promised_limit_days")
    fee_yuan = serializers.DecimalField(source="item.current_version.fee_yuan", max_digits=10, decimal_places=2)


class MaterialLineOutput(serializers.Serializer):
    key = serializers.CharField(help_text="Send this in `provided` when the material is handed in.")
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]
    legs = serializers.ListField(child=serializers.IntegerField(), help_text="The legs (positions) that need it.")
    produced_by = serializers.IntegerField(allow_null=True, help_text="The leg that produces it: not asked.")


class TimeSavedOutput(serializers.Serializer):
    sequential_days = serializers.IntegerField(source="sequential",
                                               help_text="One after another: the sum of each leg's own promise.")
    parallel_days = serializers.IntegerField(source="parallel", help_text="In parallel: the longest leg, capped.")
    days_saved = serializers.IntegerField(source="saved")


class BundleDetailOutput(BundleOutput):
    items = BundleItemOutput(many=True, source="items.all")
    checklist = MaterialLineOutput(many=True, help_text="The chosen items' materials, each once.")
    time_saved = TimeSavedOutput(help_text="The chosen items at this centre's promises (on a centre's host), "
                                           "else at the master catalogue's: the joint case's figures.")


class LegOutput(serializers.Serializer):
    position = serializers.IntegerField()
    centre = serializers.CharField(source="centre.division_code")
    centre_name_zh = serializers.CharField(source="centre.name_zh")
    centre_name_en = serializers.CharField(source="centre.name_en")
    level = serializers.CharField(help_text="`city`: the city centre handles it; `local`: the district or zone.")
    case_id = serializers.UUIDField()
    case_number = serializers.CharField()
    item_code = serializers.CharField()
    item_name_zh = serializers.CharField()
    item_name_en = serializers.CharField()
    department_code = serializers.CharField()
    department_name_zh = serializers.CharField()
    status = serializers.CharField()
    outcome = serializers.CharField()
    paused = serializers.BooleanField()
    promised_limit_days = serializers.IntegerField(allow_null=True)
    promised_due = serializers.DateField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    denial_reason = serializers.CharField()
    fee_yuan = serializers.DecimalField(max_digits=10, decimal_places=2)


class JointCaseOutput(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    title_zh = serializers.CharField()
    title_en = serializers.CharField()
    bundle = serializers.CharField(source="bundle.code", allow_null=True, default=None)
    project = serializers.IntegerField(source="project_id", allow_null=True)
    accepting_centre = serializers.CharField(source="accepting_centre.division_code")
    status = serializers.CharField(help_text=", ".join(f"`{v}`" for v in JointStatus.values))
    accepted_at = serializers.DateTimeField()
    due = serializers.DateField(allow_null=True)
    promised_days = serializers.IntegerField()
    sequential_days = serializers.IntegerField()
    parallel_days = serializers.IntegerField()
    days_saved = serializers.IntegerField()
    completed_at = serializers.DateTimeField(allow_null=True)
    actual_workdays = serializers.IntegerField(allow_null=True)
    fee_total_yuan = serializers.DecimalField(max_digits=12, decimal_places=2)
    denial_reasons = serializers.JSONField()


class JointCaseDetailOutput(JointCaseOutput):
    legs = LegOutput(many=True, source="legs.all")


class ProjectOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    zone = serializers.CharField(source="centre.division_code")
    zone_name_zh = serializers.CharField(source="centre.name_zh")
    company_name = serializers.CharField()
    credit_code = serializers.CharField()
    year = serializers.IntegerField()


class ProjectItemOutput(serializers.Serializer):
    item_code = serializers.CharField(source="item.code")
    name_zh = serializers.CharField(source="item.current_version.name_zh")
    level = serializers.CharField(help_text="`city`: the city centre handles it; `local`: the district or zone.")


class ProjectDetailOutput(ProjectOutput):
    items = ProjectItemOutput(many=True, source="linked_items.all")


# --- views ---------------------------------------------------------------------------------------

class BundleListApi(APIView):
    """The joint-service catalogue."""

    permission_classes = [permissions.AllowAny]

    class FilterSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=BundleKind.choices, required=False)

    @extend_schema(parameters=[FilterSerializer], responses=BundleOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return Response(BundleOutput(selectors.bundle_list(kind=filters.validated_data.get("kind")), many=True).data)


class BundleDetailApi(APIView):
    """A bundle, its items, and the merged checklist of the chosen optional items (`?items=`; none
    given: every item)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[OpenApiParameter("items", OpenApiTypes.INT, many=True, required=False,
                                                description="Optional items chosen (catalogue item ids).")],
                   responses=BundleDetailOutput)
    def get(self, request: Request, code: str) -> Response:
        bundle: Bundle = selectors.bundle_get(code=code)
        chosen = _item_ids(bundle, request.query_params.getlist("items")) if "items" in request.query_params else None
        legs = bundle_legs(bundle=bundle, chosen_item_ids=chosen)
        if (centre := centre_or_none(request)) is not None:
            resolve_centres(legs=legs, accepting=centre, project=None)
        checklist = merged_checklist(legs)
        bundle.checklist = checklist.lines  # type: ignore[attr-defined]
        bundle.time_saved = time_saved(  # type: ignore[attr-defined]
            leg_days=legs_promised_days(legs).values(), cap=bundle.promised_days)
        return Response(BundleDetailOutput(bundle).data)


def _item_ids(bundle: Bundle, values: list[str]) -> list[int]:
    """`?items=` as ids (empty values skipped); anything not a number is an unknown item (400), not a
    crash ("²" passes `isdigit` but not `int`)."""
    ids, bad = [], []
    for value in values:
        if not value.strip():
            continue
        try:
            ids.append(int(value))
        except ValueError:
            bad.append(value)
    if bad:
        raise ApplicationError(_("These items are not in the bundle “%(bundle)s”: %(ids)s.")
                               % {"bundle": bundle.name, "ids": ", ".join(bad)},
                               JointErrorCode.UNKNOWN_ITEM, {"fields": {"item_ids": bad}})
    return ids


class JointCaseListApi(APIView):
    """The joint cases the user follows (GET), or accept one at this centre (POST, window staff)."""

    pagination_class = Pagination
    permission_classes = [permissions.IsAuthenticated, CentreStaffOr404]

    class InputSerializer(serializers.Serializer):
        bundle = serializers.SlugField(required=False, help_text="A bundle's code (or give `project`).")
        project = serializers.IntegerField(required=False, help_text="A linked project's id.")
        item_ids = serializers.ListField(child=serializers.IntegerField(), required=False, allow_null=True,
                                         default=None, help_text="The optional items chosen (none given: all).")
        provided = serializers.ListField(child=serializers.CharField(max_length=200), required=False, default=list,
                                         help_text="The merged checklist's keys of the materials handed in.")
        applicant_kind = serializers.ChoiceField(choices=ApplicantKind.choices)
        applicant_name = serializers.CharField(max_length=200)
        applicant_id_number = serializers.CharField(max_length=40)
        phone = serializers.CharField(max_length=30)

        def validate(self, attrs):
            if bool(attrs.get("bundle")) == bool(attrs.get("project")):
                raise serializers.ValidationError(_("Choose a bundle or a linked project."))
            return attrs

    @extend_schema(responses=JointCaseOutput(many=True))
    def get(self, request: Request) -> Response:
        cases = selectors.joint_case_list_for(user=request.user, centre=centre_or_none(request),
                                              status=request.query_params.get("status", ""))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(cases, request, view=self)
        return paginator.get_paginated_response(JointCaseOutput(page, many=True).data)

    @extend_schema(request=InputSerializer, parameters=[OpenApiParameter(
        "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False)], responses={
        201: JointCaseDetailOutput, 200: OpenApiResponse(JointCaseDetailOutput, description="Replayed."),
        400: OpenApiResponse(description="`joint_leg_failed` (names the leg), `case_invalid_applicant`, ..."),
        403: OpenApiResponse(description="`joint_not_staff` (the centre's staff who may not accept), "
                                         "`joint_wrong_centre`"),
        404: OpenApiResponse(description="Not the centre's staff: nothing here"),
        409: OpenApiResponse(description="`joint_project_running`: the linked project's joint case is running "
                                         "(named).")})
    def post(self, request: Request) -> Response:
        centre = centre_of(request)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        bundle = selectors.bundle_get(code=data["bundle"]) if data.get("bundle") else None
        # Another zone's project is missing here, as on its page (404, its name not told).
        project = selectors.project_get_for(user=request.user, centre=centre, project_id=data["project"]) \
            if data.get("project") else None
        key = client_key(request)
        # A project whose joint case runs is refused by the service, under the project's lock (409).
        result = joint_case_accept(
            accepting_centre=centre, acting_user=user_of(request), bundle=bundle, project=project,
            chosen_item_ids=data["item_ids"], provided_keys=data["provided"], applicant_kind=data["applicant_kind"],
            applicant_name=data["applicant_name"], applicant_id_number=data["applicant_id_number"],
            phone=data["phone"], idempotency_key=key)
        joint = selectors.joint_case_just_accepted(joint=result.joint_case, legs=result.legs) if result.created \
            else selectors.joint_case_get_for(user=request.user, centre=centre, joint_case_id=result.joint_case.pk)
        return Response(JointCaseDetailOutput(joint).data,
                        status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class JointCaseDetailApi(APIView):
    """One joint case with every leg's holder and status."""

    permission_classes = [permissions.IsAuthenticated, CentreStaffOr404]

    @extend_schema(responses=JointCaseDetailOutput)
    def get(self, request: Request, joint_case_id) -> Response:
        joint = selectors.joint_case_get_for(user=request.user, centre=centre_or_none(request),
                                             joint_case_id=joint_case_id)
        return Response(JointCaseDetailOutput(joint).data)


class ProjectListApi(APIView):
    """The linked projects: the key-project register's projects in the linked approval (the city's staff:
    all; a zone's: its own)."""

    pagination_class = Pagination
    permission_classes = [permissions.IsAuthenticated, CentreStaffOr404]

    @extend_schema(responses=ProjectOutput(many=True))
    def get(self, request: Request) -> Response:
        projects = selectors.project_list_for(user=request.user, centre=centre_or_none(request))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(projects, request, view=self)
        return paginator.get_paginated_response(ProjectOutput(page, many=True).data)


class ProjectDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticated, CentreStaffOr404]

    @extend_schema(responses=ProjectDetailOutput)
    def get(self, request: Request, project_id: int) -> Response:
        project = selectors.project_get_for(user=request.user, centre=centre_or_none(request), project_id=project_id)
        return Response(ProjectDetailOutput(project).data)
