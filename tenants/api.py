"""API of the tenants app: thin views over services and selectors."""
from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import ApplicationError
from common.pagination import Pagination
from tenants import selectors, services, signin
from tenants.choices import CentreStatus, Level, Role
from tenants.error_codes import SignInErrorCode
from tenants.middleware import centre_url
from tenants.request import centre_of, user_of
from tenants.validation import CentreInput


class IsPlatformAdmin(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return selectors.user_is_platform_admin(user=request.user)


class SignInTokenApi(ObtainAuthToken):
    """POST `username`, `password` and, for users with two-step sign-in on, `otp_token` (the app's 6-digit
    code) → 200 `{"token": "..."}`, for the header `Authorization: Token <token>`.

    Errors, as {code, message, extra}: 400 for a wrong password (and each one counts towards the lockout);
    429 `sign_in_locked` once the account or the address has failed too often (`extra.retry_after_minutes`);
    400 `second_factor_code_required` / `second_factor_bad_code`; 403 `second_factor_required` for a
    platform administrator without a second factor when one is required; 403 `password_change_required`
    for a temporary password (given by an administrator) not yet changed on the site.
    """

    class InputSerializer(AuthTokenSerializer):
        otp_token = serializers.CharField(required=False, allow_blank=True, max_length=8)

    serializer_class = InputSerializer

    @extend_schema(request=InputSerializer, responses={
        200: inline_serializer("TokenOutput", {"token": serializers.CharField()}),
        429: OpenApiResponse(description="`sign_in_locked`: the account or the address failed too often "
                                         "(`extra.retry_after_minutes`)."),
    })
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            username = request.data.get("username") if isinstance(request.data, dict) else None
            if AxesProxyHandler.is_locked(request, {"username": username}):
                raise signin.lockout_error()
            raise serializers.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        device = signin.confirmed_device_of(user=user)
        code = serializer.validated_data.get("otp_token") or ""
        if device is not None and not code:
            raise ApplicationError(_("Enter the 6-digit code from your authenticator app."),
                                   code=SignInErrorCode.CODE_REQUIRED)
        if device is not None and (problem := signin.second_factor_problem(device=device, code=code)):
            raise ApplicationError(problem, code=SignInErrorCode.BAD_CODE)
        if device is None and signin.second_factor_required(user=user):
            raise ApplicationError(_("Platform administrators must turn on two-step sign-in first."),
                                   code=SignInErrorCode.SECOND_FACTOR_REQUIRED, http_status=403)
        if user.must_change_password:  # a temporary password opens no API: its holder chooses their own first
            raise ApplicationError(_("Choose your own password first: sign in on the site."),
                                   code=SignInErrorCode.PASSWORD_CHANGE_REQUIRED, http_status=403)
        signin.account_failures_forget(username=user.get_username())
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class CentreOutput(serializers.Serializer):
    code = serializers.CharField(source="division_code")
    slug = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    level = serializers.ChoiceField(choices=Level.choices)
    status = serializers.ChoiceField(choices=CentreStatus.choices)
    parent_code = serializers.SerializerMethodField()
    domain = serializers.SerializerMethodField()

    def get_parent_code(self, obj) -> str | None:
        return obj.parent.division_code if obj.parent_id else None

    def get_domain(self, obj) -> str | None:
        domains = obj.domains.all()
        primary = [d.domain for d in domains if d.is_primary]
        return primary[0] if primary else None


class CentreListApi(APIView):
    """List centres (any signed-in user) or onboard one (platform administrators)."""

    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer):
        level = serializers.ChoiceField(choices=Level.choices, required=False)
        status = serializers.ChoiceField(choices=CentreStatus.choices, required=False)
        parent_code = serializers.CharField(required=False)
        q = serializers.CharField(required=False)

    class InputSerializer(serializers.Serializer):
        level = serializers.CharField()
        code = serializers.CharField()
        slug = serializers.CharField()
        name_zh = serializers.CharField()
        name_en = serializers.CharField()
        parent_code = serializers.CharField(required=False, allow_blank=True, default="")
        admin_username = serializers.CharField(required=False, allow_blank=True, default="")
        admin_password = serializers.CharField(required=False, allow_blank=True, default="", write_only=True,
                                               style={"input_type": "password"})

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.IsAuthenticated(), IsPlatformAdmin()]
        return [permissions.IsAuthenticated()]

    @extend_schema(parameters=[FilterSerializer], responses=CentreOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        centres = selectors.centre_list(
            level=filters.validated_data.get("level"), status=filters.validated_data.get("status"),
            parent_code=filters.validated_data.get("parent_code"), query=filters.validated_data.get("q"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(centres, request, view=self)
        return paginator.get_paginated_response(CentreOutput(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: CentreOutput, 200: CentreOutput})
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        result = services.centre_onboard(
            data=CentreInput.from_mapping(data), acting_user=user_of(request),
            admin_username=data.get("admin_username") or None,
            admin_password_hash=make_password(data["admin_password"]) if data.get("admin_password") else None)
        message = result.message_at(centre_url(request, result.centre.slug, ""))
        body = {**CentreOutput(result.centre).data, "created": result.created, "message": message}
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class CentreDetailApi(APIView):
    @extend_schema(responses=CentreOutput)
    def get(self, request: Request, code: str) -> Response:
        return Response(CentreOutput(selectors.centre_get(code=code)).data)


class CentreStatusApi(APIView):
    """Suspend or resume a centre (platform administrators). Suspending needs a `reason` (it goes into the
    audit log; resuming may give one); the city centre cannot be suspended."""

    permission_classes = [permissions.IsAuthenticated, IsPlatformAdmin]

    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=CentreStatus.choices)
        expected_status = serializers.ChoiceField(choices=CentreStatus.choices, required=False)
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=CentreOutput)
    def post(self, request: Request, code: str) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        centre = selectors.centre_get(code=code)
        if "expected_status" in payload.validated_data:
            centre.status = payload.validated_data["expected_status"]
        centre = services.centre_set_status(centre=centre, status=payload.validated_data["status"],
                                            reason=payload.validated_data["reason"], acting_user=user_of(request))
        return Response(CentreOutput(centre).data)


class MembershipOutput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    centre_code = serializers.CharField(source="centre.division_code", allow_null=True, default=None)
    centre_slug = serializers.CharField(source="centre.slug", allow_null=True, default=None)
    centre_name_zh = serializers.CharField(source="centre.name_zh", allow_null=True, default=None)


class MeApi(APIView):
    """The signed-in user and their roles in every centre."""

    @extend_schema(responses=inline_serializer("Me", {
        "username": serializers.CharField(), "full_name": serializers.CharField(),
        "memberships": MembershipOutput(many=True)}))
    def get(self, request: Request) -> Response:
        user = user_of(request)
        return Response({
            "username": user.username,
            "full_name": user.full_name,
            "memberships": MembershipOutput(selectors.memberships_of(user=user), many=True).data,
        })


class CurrentCentreApi(APIView):
    """The centre this host serves, with its place in the hierarchy (no sign-in needed)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=inline_serializer("CurrentCentre", {
        "centre": CentreOutput(), "ancestors": CentreOutput(many=True), "children": CentreOutput(many=True)}))
    def get(self, request: Request) -> Response:
        centre = centre_of(request)
        return Response({
            "centre": CentreOutput(centre).data,
            "ancestors": CentreOutput(selectors.centre_ancestors(centre=centre), many=True).data,
            "children": CentreOutput(selectors.centre_children(centre=centre).prefetch_related("domains"),
                                     many=True).data,
        })
