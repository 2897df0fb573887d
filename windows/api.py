"""API of a centre's service windows (`/api/v1/windows/` on the centre's host): its staff list them, its
administrators add one (403 for the centre's other staff); anyone else gets 404, as if nothing were there."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.pagination import Pagination
from tenants import selectors as centre_selectors
from tenants.request import CentreStaffOr404, centre_of, user_of
from windows import selectors, services


class WindowOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    department = serializers.CharField()
    can_operate = serializers.SerializerMethodField()

    def get_can_operate(self, obj) -> bool:
        return self.context["request"].user.has_perm("windows.operate_window", obj)


class WindowListApi(APIView):
    pagination_class = Pagination
    permission_classes = [permissions.IsAuthenticated, CentreStaffOr404]

    class InputSerializer(serializers.Serializer):
        number = serializers.CharField(max_length=16)
        name_zh = serializers.CharField(max_length=100)
        name_en = serializers.CharField(max_length=150)
        department = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    @extend_schema(responses=WindowOutput(many=True))
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.window_list(), request, view=self)
        return paginator.get_paginated_response(WindowOutput(page, many=True, context={"request": request}).data)

    @extend_schema(request=InputSerializer, responses={201: WindowOutput})
    def post(self, request: Request) -> Response:
        if not centre_selectors.user_is_centre_admin(user=request.user, centre=centre_of(request)):
            raise PermissionDenied
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        window = services.window_create(centre=centre_of(request), **payload.validated_data,
                                        acting_user=user_of(request))
        return Response(WindowOutput(window, context={"request": request}).data, status=status.HTTP_201_CREATED)
