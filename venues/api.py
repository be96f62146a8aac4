from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from truyvet.accounts.permissions import MayRegisterVenues
from truyvet.lib.drf import PublicRateThrottle
from truyvet.lib.schema import body_from
from venues import schemas
from venues.models import Category, CheckIn
from venues.selectors import venue_links
from venues.services import VenueInput, checkin_with_token, checkout_with_token, venue_create


class VenueSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=Category.choices)
    address = serializers.CharField(max_length=300)
    ward_code = serializers.IntegerField(min_value=1, max_value=99999)
    latitude = serializers.DecimalField(max_digits=12, decimal_places=8, required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=12, decimal_places=8, required=False, allow_null=True)
    require_fresh_code = serializers.BooleanField(required=False, default=False)


VenueCreated = inline_serializer(
    "VenueCreated",
    {
        "id": serializers.IntegerField(),
        "code": serializers.CharField(),
        "checkin_url": serializers.URLField(),
        "poster_pdf_url": serializers.URLField(),
        "poster_png_url": serializers.URLField(),
    },
)


class VenueCreateView(APIView):
    permission_classes = [MayRegisterVenues]

    @extend_schema(request=VenueSerializer, responses={201: VenueCreated}, tags=["venues"])
    def post(self, request: Request) -> Response:
        serializer = VenueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        venue = venue_create(owner=request.user, data=VenueInput(**serializer.validated_data))  # type: ignore[arg-type]
        return Response({"id": venue.pk, "code": venue.code, **venue_links(venue, request)}, status=201)


CheckInRecord = inline_serializer(
    "CheckInRecord",
    {
        "id": serializers.IntegerField(),
        "venue_code": serializers.CharField(),
        "checked_in_at": serializers.DateTimeField(),
        "checked_out_at": serializers.DateTimeField(allow_null=True),
        "ends_at": serializers.DateTimeField(),
    },
)


def checkin_body(checkin: CheckIn) -> dict[str, Any]:
    return {
        "id": checkin.pk,
        "venue_code": checkin.venue.code,
        "checked_in_at": checkin.checked_in_at,
        "checked_out_at": checkin.checked_out_at,
        "ends_at": checkin.ends_at,
    }


class CheckInCreateView(APIView):
    """Check in at a venue with a personal QR token (public; the same client_id is one check-in)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [PublicRateThrottle]

    @extend_schema(
        request=schemas.CheckIn,
        responses={
            201: OpenApiResponse(CheckInRecord, description="A new stay."),
            200: OpenApiResponse(
                CheckInRecord,
                description="The same `client_id` again (its record), or the person is still checked in at this "
                "venue (that stay): nothing new written.",
            ),
        },
        tags=["venues"],
    )
    def post(self, request: Request) -> Response:
        data = body_from(request, schemas.CheckIn)
        checkin, created = checkin_with_token(
            venue_code=data.venue_code,
            qr_token=data.qr_token,
            client_id=data.client_uuid,
            checked_in_at=data.arrived_at,
            fresh_code=data.fresh_code or None,
        )
        return Response(checkin_body(checkin), status=status.HTTP_201_CREATED if created else 200)


class CheckOutView(APIView):
    """Check out with the same person's token (public)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [PublicRateThrottle]

    @extend_schema(
        request=schemas.CheckOut,
        responses={200: CheckInRecord, 403: OpenApiResponse(description="`not_your_checkin`: another person's token.")},
        tags=["venues"],
    )
    def post(self, request: Request, checkin_id: int) -> Response:
        data = body_from(request, schemas.CheckOut)
        checkin = checkout_with_token(checkin_id=checkin_id, qr_token=data.qr_token, checked_out_at=data.left_at)
        return Response(checkin_body(checkin))
