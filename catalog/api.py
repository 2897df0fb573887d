"""API of the catalogue (事项目录): thin views over catalog.services and catalog.selectors.

Platform host (`/api/v1/catalogue/` on the bare domain): the master catalogue. Everyone reads;
catalogue administrators write (items, draft versions and their publication, lifecycle events,
file import).

Centre host (`/api/v1/catalogue/` on `<slug>.<domain>`): the centre's own catalogue (what it
adopted, with its local promises), the guide of each item, adoption by the centre's
administrators, and the centre's catalogue notices.
"""
from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import exporters, importers, selectors, services
from catalog.choices import (
    ApplicantType,
    Category,
    Delivery,
    EventKind,
    ImportStage,
    ItemKind,
    ItemType,
    VersionStatus,
)
from catalog.error_codes import CatalogErrorCode
from catalog.models import Agency, Department, Item, ItemVersion, LifecycleEvent, Material
from common.errors import ApplicationError
from common.pagination import Pagination
from tenants.choices import Level
from tenants.request import centre_of, require_centre_staff, user_of

# --- permissions ---------------------------------------------------------------------------------


class ReadOrCatalogueAdmin(permissions.BasePermission):
    """Anyone reads; catalogue administrators (and platform administrators) write."""

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return selectors.user_is_catalogue_admin(user=request.user)


def _centre(request: Request):
    return centre_of(request)


def _require_adopter(request: Request):
    """The centre, for its administrators; its other staff get 403, anyone else 404 (nothing here)."""
    centre = require_centre_staff(request)
    if not selectors.user_may_adopt(user=request.user, centre=centre):
        raise PermissionDenied(_("Only the centre's administrators manage its adoptions."))
    return centre


# --- small reads the selectors module does not offer (yet) ---------------------------------------
# Lookups by code only; no object permissions are involved (the master catalogue is public).

def _item_get(*, code: str, for_update_content: bool = False) -> Item:
    qs = Item.objects.select_related("department", "parent", "current_version")
    if not for_update_content:
        qs = qs.prefetch_related(
            Prefetch("current_version__materials", queryset=Material.objects.order_by("position")),
            Prefetch("versions", queryset=ItemVersion.objects.only(
                "id", "item_id", "number", "status", "effective_from").order_by("number")),
            "children")
    item = qs.filter(code=code).first()
    if item is None:
        raise Http404
    return item


def _department_by_code(code: str) -> Department:
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise ApplicationError(_("Unknown department “%(value)s”.") % {"value": code},
                               CatalogErrorCode.INVALID_ITEM,
                               {"fields": {"department_code": [_("Unknown department “%(value)s”.")
                                                               % {"value": code}]}})
    return department


def _item_by_code(code: str, field: str, error_code: str) -> Item:
    item = Item.objects.select_related("current_version").filter(code=code).first()
    if item is None:
        message = _("Unknown item “%(value)s”.") % {"value": code}
        raise ApplicationError(message, error_code, {"fields": {field: [message]}})
    return item


# --- output serializers --------------------------------------------------------------------------


class DepartmentOutput(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()


class MaterialOutput(serializers.Serializer):
    position = serializers.IntegerField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    originals = serializers.IntegerField()
    copies = serializers.IntegerField()
    delivery = serializers.ChoiceField(choices=Delivery.choices)
    applicant_types = serializers.ListField(child=serializers.CharField())
    required = serializers.BooleanField()  # type: ignore[assignment]  # DRF pops declared fields
    note = serializers.CharField()


class VersionSummaryOutput(serializers.Serializer):
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=VersionStatus.choices)
    effective_from = serializers.DateField()


class VersionOutput(VersionSummaryOutput):
    item_code = serializers.CharField(source="item.code")
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    legal_limit_days = serializers.IntegerField()
    promised_limit_days = serializers.IntegerField()
    is_immediate = serializers.BooleanField()
    visits_required = serializers.IntegerField()
    online_depth = serializers.IntegerField()
    fee_yuan = serializers.DecimalField(max_digits=10, decimal_places=2)
    fee_basis = serializers.CharField()
    legal_basis = serializers.CharField()
    conditions = serializers.CharField()
    steps = serializers.JSONField()
    contact_phone = serializers.CharField()
    complaint_channel = serializers.CharField()
    materials = MaterialOutput(many=True, source="materials.all")


class ItemListOutput(serializers.Serializer):
    """One row of the master list: item, its department and current version (no materials)."""

    code = serializers.CharField()
    name_zh = serializers.CharField(source="current_version.name_zh", default="")
    name_en = serializers.CharField(source="current_version.name_en", default="")
    category = serializers.ChoiceField(choices=Category.choices)
    item_type = serializers.ChoiceField(choices=ItemType.choices)
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    levels = serializers.ListField(child=serializers.ChoiceField(choices=Level.choices))
    department_code = serializers.CharField(source="department.code")
    department_name_zh = serializers.CharField(source="department.name_zh")
    legal_limit_days = serializers.IntegerField(source="current_version.legal_limit_days", default=None)
    promised_limit_days = serializers.IntegerField(source="current_version.promised_limit_days", default=None)
    is_immediate = serializers.BooleanField(source="current_version.is_immediate", default=False)
    removed_on = serializers.DateField(allow_null=True)


class ItemDetailOutput(ItemListOutput):
    parent_code = serializers.CharField(source="parent.code", default=None, allow_null=True)
    children = serializers.SerializerMethodField()
    keywords = serializers.CharField()
    local = serializers.SerializerMethodField()
    department = DepartmentOutput()
    current_version = VersionOutput(allow_null=True)
    versions = VersionSummaryOutput(many=True, source="versions.all")

    def get_children(self, obj) -> list[str]:
        return sorted(child.code for child in obj.children.all())

    def get_local(self, obj) -> bool:
        return obj.owner_centre_id is not None


class EventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=EventKind.choices)
    item_code = serializers.CharField(source="item.code")
    merged_into_code = serializers.CharField(source="merged_into.code", default=None, allow_null=True)
    reason = serializers.CharField()
    effective_on = serializers.DateField()
    propagated_at = serializers.DateTimeField(allow_null=True)
    centres_reached = serializers.IntegerField()


class AgencyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    address = serializers.CharField()
    contact = serializers.CharField()
    fees = serializers.CharField()
    item_codes = serializers.SerializerMethodField()

    def get_item_codes(self, obj) -> list[str]:
        return [item.code for item in obj.items.all()]


class AgencyDetailOutput(AgencyOutput):
    materials = serializers.CharField()
    procedure = serializers.CharField()


# --- platform host: the master catalogue ---------------------------------------------------------


class DepartmentListApi(APIView):
    pagination_class = Pagination
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=DepartmentOutput(many=True))
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.department_list(), request, view=self)
        return paginator.get_paginated_response(DepartmentOutput(page, many=True).data)


class ItemListApi(APIView):
    """Search the master catalogue (anyone) or create an item (catalogue administrators)."""

    pagination_class = Pagination
    permission_classes = [ReadOrCatalogueAdmin]

    class FilterSerializer(serializers.Serializer):
        query = serializers.CharField(required=False, help_text="Name, code, keyword or pinyin initials.")
        category = serializers.ChoiceField(choices=Category.choices, required=False)
        department = serializers.CharField(required=False, help_text="Department code, e.g. SC.")
        level = serializers.ChoiceField(choices=Level.choices, required=False)

    class InputSerializer(serializers.Serializer):
        code = serializers.CharField()
        department_code = serializers.CharField()
        category = serializers.CharField()
        item_type = serializers.CharField()
        kind = serializers.CharField(required=False, default=ItemKind.MAIN)
        parent_code = serializers.CharField(required=False, allow_blank=True, default="")
        levels = serializers.ListField(child=serializers.CharField(), allow_empty=True)
        keywords = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(parameters=[FilterSerializer], responses=ItemListOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        items = selectors.item_search(query=data.get("query"), category=data.get("category"),
                                      department_code=data.get("department"), level=data.get("level"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response(ItemListOutput(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: ItemDetailOutput})
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        parent = _item_by_code(data["parent_code"], "parent_code", CatalogErrorCode.INVALID_ITEM) \
            if data["parent_code"] else None
        item = services.item_create(
            code=data["code"], department=_department_by_code(data["department_code"]),
            category=data["category"], item_type=data["item_type"], kind=data["kind"], parent=parent,
            levels=data["levels"], keywords=data["keywords"], acting_user=user_of(request))
        return Response(ItemDetailOutput(_item_get(code=item.code)).data, status=status.HTTP_201_CREATED)


class ItemDetailApi(APIView):
    """An item with its current version (materials, steps, fees, legal basis, contacts) and versions."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=ItemDetailOutput)
    def get(self, request: Request, code: str) -> Response:
        return Response(ItemDetailOutput(_item_get(code=code)).data)


class MaterialInput(serializers.Serializer):
    name_zh = serializers.CharField(max_length=200)
    name_en = serializers.CharField(max_length=300)
    originals = serializers.IntegerField(min_value=0, required=False, default=1)
    copies = serializers.IntegerField(min_value=0, required=False, default=0)
    delivery = serializers.ChoiceField(choices=Delivery.choices, required=False, default=Delivery.UPLOAD)
    applicant_types = serializers.ListField(child=serializers.ChoiceField(choices=ApplicantType.choices),
                                            required=False, default=list)
    required = serializers.BooleanField(required=False, default=True)  # type: ignore[assignment]
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class VersionCreateApi(APIView):
    """A new draft version (catalogue administrators). Fields left out are taken from the current
    version; `materials` left out copies the current version's materials."""

    permission_classes = [ReadOrCatalogueAdmin]

    class InputSerializer(serializers.Serializer):
        effective_from = serializers.DateField(required=False)
        name_zh = serializers.CharField(required=False)
        name_en = serializers.CharField(required=False)
        legal_limit_days = serializers.IntegerField(required=False)
        promised_limit_days = serializers.IntegerField(required=False)
        is_immediate = serializers.BooleanField(required=False)
        visits_required = serializers.IntegerField(min_value=0, required=False)
        online_depth = serializers.IntegerField(min_value=1, max_value=4, required=False)
        fee_yuan = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False)
        fee_basis = serializers.CharField(required=False, allow_blank=True)
        legal_basis = serializers.CharField(required=False, allow_blank=True)
        conditions = serializers.CharField(required=False, allow_blank=True)
        steps = serializers.ListField(child=serializers.CharField(), required=False)
        contact_phone = serializers.CharField(required=False, allow_blank=True)
        complaint_channel = serializers.CharField(required=False, allow_blank=True)
        materials = MaterialInput(many=True, required=False)

    @extend_schema(request=InputSerializer, responses={201: VersionOutput})
    def post(self, request: Request, code: str) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        materials = data.pop("materials", None)
        effective_from = data.pop("effective_from", None) or timezone.localdate()
        version = services.version_create_draft(
            item=_item_get(code=code, for_update_content=True), content=data, materials=materials,
            effective_from=effective_from, acting_user=user_of(request))
        return Response(VersionOutput(version).data, status=status.HTTP_201_CREATED)


class VersionPublishApi(APIView):
    """Publish a draft version (catalogue administrators); from its effective date it is current."""

    permission_classes = [ReadOrCatalogueAdmin]

    @extend_schema(request=None, responses=VersionOutput)
    def post(self, request: Request, code: str, number: int) -> Response:
        version = ItemVersion.objects.filter(item__code=code, number=number).select_related("item").first()
        if version is None:
            raise Http404
        version = services.version_publish(version=version, acting_user=user_of(request))
        return Response(VersionOutput(version).data)


class EventCreateApi(APIView):
    """Record a lifecycle event (catalogue administrators). 201; a Celery worker then carries it to
    every adopting centre (see `propagated_at` on the event)."""

    permission_classes = [ReadOrCatalogueAdmin]

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=EventKind.choices)
        reason = serializers.CharField()
        effective_on = serializers.DateField()
        merged_into = serializers.CharField(required=False, allow_blank=True, default="",
                                            help_text="Code of the item merged into (merges only).")

    @extend_schema(request=InputSerializer, responses={201: EventOutput})
    def post(self, request: Request, code: str) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        merged_into = _item_by_code(data["merged_into"], "merged_into", CatalogErrorCode.INVALID_EVENT) \
            if data["merged_into"] else None
        event = services.event_record(kind=data["kind"], item=_item_get(code=code, for_update_content=True),
                                      reason=data["reason"], effective_on=data["effective_on"],
                                      merged_into=merged_into, acting_user=user_of(request))
        return Response(EventOutput(event).data, status=status.HTTP_201_CREATED)


class EventDetailApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=EventOutput)
    def get(self, request: Request, pk: int) -> Response:
        event = LifecycleEvent.objects.select_related("item", "merged_into").filter(pk=pk).first()
        if event is None:
            raise Http404
        return Response(EventOutput(event).data)


class AgencyListApi(APIView):
    pagination_class = Pagination
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=AgencyOutput(many=True))
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        agencies = Agency.objects.prefetch_related(Prefetch("items", queryset=Item.objects.only("id", "code")))
        page = paginator.paginate_queryset(agencies.order_by("name_zh", "pk"), request, view=self)
        return paginator.get_paginated_response(AgencyOutput(page, many=True).data)


class AgencyDetailApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=AgencyDetailOutput)
    def get(self, request: Request, pk: int) -> Response:
        agency = Agency.objects.prefetch_related("items").filter(pk=pk).first()
        if agency is None:
            raise Http404
        return Response(AgencyDetailOutput(agency).data)


class ImportJobOutput(serializers.Serializer):
    """A catalogue import handed to the worker: how far it has got; when refused, its first problems."""

    id = serializers.IntegerField()
    file_name = serializers.CharField()
    stage = serializers.ChoiceField(choices=ImportStage.choices)
    total = serializers.IntegerField(help_text="rows (while checking) or items (while creating)")
    done = serializers.IntegerField()
    percent = serializers.IntegerField()
    created_count = serializers.IntegerField()
    problem_count = serializers.IntegerField()
    problems = serializers.ListField(child=serializers.DictField(), help_text="the first 100: row, column, message")
    error = serializers.CharField()
    status_url = serializers.SerializerMethodField()

    def get_status_url(self, job) -> str:
        return reverse("api-catalogue-import-job", args=[job.pk])


class ImportApi(APIView):
    """Import master items from a .csv or .xlsx file (catalogue administrators): every row is checked
    first; one bad row and nothing is imported (400 `catalog_invalid_file`, `extra.rows` lists the first
    100 problems with their row and column, `extra.problem_count` counts them all). A file larger than
    `IMPORT_BACKGROUND_BYTES` goes to the worker: 202 with the import's `status_url` to poll."""

    permission_classes = [ReadOrCatalogueAdmin]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": inline_serializer("CatalogueImport", {"file": serializers.FileField()})},
        responses={201: inline_serializer("CatalogueImported", {"created": serializers.IntegerField(),
                                                               "codes": serializers.ListField()}),
                   202: ImportJobOutput})
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError(_("Upload a .csv or .xlsx file as “file”."), CatalogErrorCode.INVALID_FILE,
                                   {"fields": {"file": [_("This field is required.")]}})
        if importers.import_in_background(upload, upload.name):
            job = importers.catalogue_import_queue(stream=upload, file_name=upload.name, acting_user=user_of(request))
            return Response(ImportJobOutput(job).data, status=status.HTTP_202_ACCEPTED)
        items = importers.catalogue_import(stream=upload, file_name=upload.name, acting_user=user_of(request))
        return Response({"created": len(items), "codes": [item.code for item in items]},
                        status=status.HTTP_201_CREATED)


class ImportJobApi(APIView):
    """How far a catalogue import run by the worker has got (catalogue administrators)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=ImportJobOutput)
    def get(self, request: Request, pk: int) -> Response:
        return Response(ImportJobOutput(selectors.catalogue_import_get_for(user=request.user, job_id=pk)).data)


class ExportApi(APIView):
    """Download the master catalogue as .xlsx or .csv (anyone); the file imports back as is."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("file_format", OpenApiTypes.STR, OpenApiParameter.PATH,
                                     enum=list(exporters.CONTENT_TYPES))],
        responses={(200, content_type.split(";")[0]): OpenApiTypes.BINARY
                   for content_type in exporters.CONTENT_TYPES.values()})
    def get(self, request: Request, file_format: str) -> HttpResponse:
        content = exporters.catalogue_export(file_format=file_format)
        response = HttpResponse(content, content_type=exporters.CONTENT_TYPES[file_format])
        response["Content-Disposition"] = f'attachment; filename="catalogue.{file_format}"'
        return response


# --- centre host: the centre's catalogue ---------------------------------------------------------


class CatalogueEntryOutput(serializers.Serializer):
    """One row of a centre's catalogue, serialised from the select_related/annotated adoption only."""

    item_code = serializers.CharField(source="item.code")
    name_zh = serializers.CharField(source="item.current_version.name_zh")
    name_en = serializers.CharField(source="item.current_version.name_en")
    category = serializers.ChoiceField(source="item.category", choices=Category.choices)
    item_type = serializers.ChoiceField(source="item.item_type", choices=ItemType.choices)
    retention = serializers.SerializerMethodField(
        help_text="How long the files of its cases are kept (保管期限), by the item type: "
                  "{code: permanent|30y|10y, years (null: permanent), name_zh, name_en}.")
    kind = serializers.ChoiceField(source="item.kind", choices=ItemKind.choices)
    department_code = serializers.CharField(source="item.department.code")
    department_name_zh = serializers.CharField(source="item.department.name_zh")
    department_name_en = serializers.CharField(source="item.department.name_en")
    handling_department = serializers.CharField(source="department_name")
    window = serializers.CharField()
    promised_days = serializers.IntegerField(help_text="The local promise, or the master one.")
    legal_days = serializers.IntegerField()
    local_promise = serializers.IntegerField(source="promised_limit_days", allow_null=True)
    is_immediate = serializers.BooleanField(source="item.current_version.is_immediate")
    local_item = serializers.SerializerMethodField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)

    def get_local_item(self, obj) -> bool:
        return obj.item.owner_centre_id is not None

    def get_retention(self, obj) -> dict:
        return obj.item.retention.as_dict()


class GuideOutput(CatalogueEntryOutput):
    """The guide (办事指南) of an item at this centre: the current version with the local promise."""

    version = VersionOutput(source="item.current_version")


class CentreCatalogueApi(APIView):
    """The centre's catalogue: what it adopted, with its effective promised limit (2 queries a page)."""

    pagination_class = Pagination
    permission_classes = [permissions.AllowAny]

    class FilterSerializer(serializers.Serializer):
        query = serializers.CharField(required=False)
        category = serializers.ChoiceField(choices=Category.choices, required=False)

    @extend_schema(parameters=[FilterSerializer], responses=CatalogueEntryOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = selectors.centre_catalogue(centre=_centre(request), query=filters.validated_data.get("query"),
                                          category=filters.validated_data.get("category"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(CatalogueEntryOutput(page, many=True).data)


class GuideApi(APIView):
    """An item's guide at this centre (404 if the centre does not exercise it)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=GuideOutput)
    def get(self, request: Request, code: str) -> Response:
        adoption = selectors.adoption_get(centre=_centre(request), item_code=code)
        return Response(GuideOutput(adoption).data)


class AdoptApi(APIView):
    """The centre claims an item (认领), optionally with a local promised limit within the legal one
    (centre administrators). 201 when adopted now, 200 when it was already adopted."""

    permission_classes = [permissions.AllowAny]

    class InputSerializer(serializers.Serializer):
        promised_limit_days = serializers.IntegerField(required=False, allow_null=True, default=None)
        window = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
        department_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)

    @extend_schema(request=InputSerializer, responses={201: CatalogueEntryOutput, 200: CatalogueEntryOutput})
    def post(self, request: Request, code: str) -> Response:
        centre = _require_adopter(request)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        item = Item.objects.select_related("current_version", "parent").filter(code=code).first()
        if item is None:
            raise Http404
        result = services.adoption_create(centre=centre, item=item, acting_user=user_of(request),
                                          **payload.validated_data)
        entry = selectors.adoption_get(centre=centre, item_code=code)
        return Response(CatalogueEntryOutput(entry).data,
                        status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class AdoptAllApi(APIView):
    """Claim every item the centre's level exercises (a township: what its district claimed)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(request=None, responses=inline_serializer("AdoptedAll", {"adopted": serializers.IntegerField()}))
    def post(self, request: Request) -> Response:
        centre = _require_adopter(request)
        return Response({"adopted": services.adoption_adopt_all(centre=centre, acting_user=user_of(request))})


class AdoptionUpdateApi(APIView):
    """Change an adoption's local promised limit (null: the master promise), window or department."""

    permission_classes = [permissions.AllowAny]

    class InputSerializer(serializers.Serializer):
        promised_limit_days = serializers.IntegerField(required=False, allow_null=True)
        window = serializers.CharField(required=False, allow_blank=True, max_length=40)
        department_name = serializers.CharField(required=False, allow_blank=True, max_length=100)

    @extend_schema(request=InputSerializer, responses=CatalogueEntryOutput)
    def patch(self, request: Request, code: str) -> Response:
        centre = _require_adopter(request)
        payload = self.InputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        adoption = selectors.adoption_get(centre=centre, item_code=code)
        services.adoption_update(
            adoption=adoption, acting_user=user_of(request),
            promised_limit_days=data.get("promised_limit_days", adoption.promised_limit_days),
            window=data.get("window"), department_name=data.get("department_name"))
        return Response(CatalogueEntryOutput(selectors.adoption_get(centre=centre, item_code=code)).data)


class NoticeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    kind = serializers.ChoiceField(source="event.kind", choices=EventKind.choices)
    item_code = serializers.CharField(source="event.item.code")
    effective_on = serializers.DateField(source="event.effective_on")
    message = serializers.CharField()
    message_zh = serializers.CharField()
    message_en = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NoticeListApi(APIView):
    """The centre's catalogue notices, newest first (anyone may read them, like the catalogue)."""

    pagination_class = Pagination
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=NoticeOutput(many=True))
    def get(self, request: Request) -> Response:
        notices = selectors.notices_of(centre=_centre(request))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(notices, request, view=self)
        return paginator.get_paginated_response(NoticeOutput(page, many=True).data)
