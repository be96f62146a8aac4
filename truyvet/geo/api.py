from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from truyvet.geo.models import Province
from truyvet.geo.selectors import ward_list
from truyvet.lib.bounds import parse_int
from truyvet.lib.drf import PublicRateThrottle


class ProvinceListView(APIView):
    """All 34 provinces, by name without its type ("Thành phố Hà Nội" under H), public."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [PublicRateThrottle]

    @extend_schema(
        responses={
            200: inline_serializer(
                "Province", {"code": serializers.IntegerField(), "name": serializers.CharField()}, many=True
            )
        },
        tags=["geo"],
    )
    def get(self, request: Request) -> Response:
        response = Response(list(Province.objects.order_by("sort_name", "name").values("code", "name")))
        response["Cache-Control"] = "public, max-age=86400"
        return response


class WardListView(APIView):
    """Wards of one province, optionally searched by name (public; forms use it)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [PublicRateThrottle]

    @extend_schema(
        parameters=[
            OpenApiParameter("province", OpenApiTypes.INT, required=True),
            OpenApiParameter("q", OpenApiTypes.STR, required=False),
        ],
        responses={
            200: inline_serializer(
                "Ward", {"code": serializers.IntegerField(), "name": serializers.CharField()}, many=True
            )
        },
        tags=["geo"],
    )
    def get(self, request: Request) -> Response:
        province = parse_int(request.query_params.get("province"), "province")
        search = request.query_params.get("q", "")[:50].replace("\x00", "")  # PostgreSQL refuses NUL
        wards = ward_list(province_code=province, search=search)
        response = Response(list(wards.values("code", "name")))
        response["Cache-Control"] = "public, max-age=86400"
        return response
