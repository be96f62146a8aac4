from __future__ import annotations

import json
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from truyvet.accounts.permissions import MayRegisterVenues
from truyvet.lib.bounds import in_bounds
from truyvet.lib.drf import PublicRateThrottle
from truyvet.lib.fields import PastDateTimeField, StrictUUIDField, uuid_from_text
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


class CheckInSerializer(serializers.Serializer):
    venue_code = serializers.CharField(max_length=40)
    qr_token = serializers.CharField(max_length=4096)
    client_id = StrictUUIDField()
    checked_in_at = PastDateTimeField(required=False)
    fresh_code = serializers.CharField(
        max_length=40, required=False, help_text="The rotating code of a venue in display mode (its `t` parameter)."
    )


class CheckOutSerializer(serializers.Serializer):
    qr_token = serializers.CharField(max_length=4096)
    checked_out_at = PastDateTimeField(required=False)


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


def _refuse_constant(name: str) -> None:
    raise ValueError(name)  # NaN and Infinity are not JSON: DRF's parser refuses them too


def _plain_string(value: object, max_length: int) -> str | None:
    """What CharField makes of a plain ASCII string that it accepts, else None."""
    if not isinstance(value, str) or not value.isascii() or "\x00" in value:
        return None
    value = value.strip()
    return value if 0 < len(value) <= max_length else None


def _plain_checkin(request: Request) -> dict[str, Any] | None:
    """The validated check-in of a well-formed request, read with ``json.loads`` and a few
    checks instead of DRF's parser and serializer (the endpoint's hot path: they cost more
    than the rest of the request's Python). None for anything unusual, which then goes
    through ``CheckInSerializer``, so every error and edge case stays the serializer's.
    """
    if request.content_type != "application/json":  # a charset or another type: DRF's parser decides
        return None
    try:
        data = json.loads(request.body.decode(), parse_constant=_refuse_constant)
    except ValueError:  # includes UnicodeDecodeError and JSONDecodeError
        return None
    return read_checkin(data)


def read_checkin(data: object) -> dict[str, Any] | None:
    """``CheckInSerializer``'s validated data for a plain body it accepts, else None."""
    if not isinstance(data, dict) or "fresh_code" in data:
        return None
    venue_code = _plain_string(data.get("venue_code"), 40)
    qr_token = _plain_string(data.get("qr_token"), 4096)
    parsed_id = uuid_from_text(data.get("client_id"))  # what StrictUUIDField reads
    if venue_code is None or qr_token is None or parsed_id is None:
        return None
    validated: dict[str, Any] = {"venue_code": venue_code, "qr_token": qr_token, "client_id": parsed_id}
    if "checked_in_at" in data:
        text = data["checked_in_at"]
        try:
            when = parse_datetime(text) if isinstance(text, str) else None
        except ValueError:
            return None
        if when is None or when.tzinfo is None or not in_bounds(when):  # the serializer says why
            return None
        validated["checked_in_at"] = when.astimezone(timezone.get_current_timezone())
    return validated


class CheckInCreateView(APIView):
    """Check in at a venue with a personal QR token (public; the same client_id is one check-in)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [PublicRateThrottle]

    @extend_schema(request=CheckInSerializer, responses={201: CheckInRecord, 200: CheckInRecord}, tags=["venues"])
    def post(self, request: Request) -> Response:
        data = _plain_checkin(request)
        if data is None:
            serializer = CheckInSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        checkin, created = checkin_with_token(
            venue_code=data["venue_code"],
            qr_token=data["qr_token"],
            client_id=data["client_id"],
            checked_in_at=data.get("checked_in_at"),
            fresh_code=data.get("fresh_code"),
        )
        return Response(checkin_body(checkin), status=status.HTTP_201_CREATED if created else 200)


class CheckOutView(APIView):
    """Check out with the same person's token (public)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [PublicRateThrottle]

    @extend_schema(
        request=CheckOutSerializer,
        responses={200: CheckInRecord, 403: OpenApiResponse(description="`not_your_checkin`: another person's token.")},
        tags=["venues"],
    )
    def post(self, request: Request, checkin_id: int) -> Response:
        serializer = CheckOutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        checkin = checkout_with_token(
            checkin_id=checkin_id,
            qr_token=serializer.validated_data["qr_token"],
            checked_out_at=serializer.validated_data.get("checked_out_at"),
        )
        return Response(checkin_body(checkin))
