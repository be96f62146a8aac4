"""The Bluetooth app's endpoints (API.md, "Proximity"): both public, rate limited per address."""

from __future__ import annotations

import json
from typing import Any

from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contacts.errors import ContactsError
from contacts.services.proximity import (
    MAX_CONTACTS,
    MAX_DISTANCE_M,
    MAX_STORED,
    MAX_UPLOAD_BYTES,
    proximity_device_register,
    proximity_upload,
)
from truyvet.lib.drf import PublicRateThrottle
from truyvet.lib.errors import DomainError
from truyvet.lib.fields import PastDateTimeField

ErrorBody = inline_serializer(
    "ProximityError",
    {
        "code": serializers.CharField(),
        "detail": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)


class ProximityDeviceSerializer(serializers.Serializer):
    qr_token = serializers.CharField(max_length=4096, help_text="The holder's personal QR token.")


DeviceRegistered = inline_serializer(
    "ProximityDeviceRegistered",
    {"device_id": serializers.CharField(help_text="32 hexadecimal digits: the id the phone broadcasts.")},
)


class DeviceRegisterView(APIView):
    """Register a phone for the holder of a personal QR token; answers the id it broadcasts."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [PublicRateThrottle]

    @extend_schema(
        request=ProximityDeviceSerializer,
        responses={
            201: DeviceRegistered,
            400: OpenApiResponse(
                ErrorBody,
                description="`token_malformed`, `token_bad_signature`, `token_expired`, `token_unknown`, "
                "`token_revoked`, or `invalid`.",
            ),
            429: OpenApiResponse(ErrorBody, description="`rate_limited`."),
        },
        tags=["proximity"],
    )
    def post(self, request: Request) -> Response:
        serializer = ProximityDeviceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        device = proximity_device_register(qr_token=serializer.validated_data["qr_token"])
        return Response({"device_id": device.device_id}, status=status.HTTP_201_CREATED)


def _refuse_constant(name: str) -> None:
    raise ValueError(name)  # NaN and Infinity are not JSON


class LogParser(BaseParser):
    """JSON with the log's own size cap. DRF's JSONParser goes through ``request.body``,
    which stops at DATA_UPLOAD_MAX_MEMORY_SIZE (2 MiB, right for every other endpoint), and a
    full log of MAX_CONTACTS encounters is larger."""

    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = stream.read(MAX_UPLOAD_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_UPLOAD_BYTES:
            raise DomainError(
                _("The upload is too large."), ContactsError.TOO_LARGE, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
            )
        try:
            return json.loads(raw.decode(), parse_constant=_refuse_constant)
        except ValueError as exc:  # includes UnicodeDecodeError and JSONDecodeError
            raise ParseError(_("The body is not valid JSON.")) from exc


class ProximityContactSerializer(serializers.Serializer):
    """Documents one encounter; uploads are checked by ``contacts.services.proximity.validate_contacts``."""

    device_id = serializers.RegexField(r"^[0-9a-fA-F]{32}$", help_text="The other phone's broadcast id.")
    first_seen = PastDateTimeField(help_text="ISO 8601 with its UTC offset.")
    last_seen = PastDateTimeField(
        help_text="ISO 8601 with its UTC offset; not before `first_seen`, not in the future, not older than the "
        "retention period (21 days by default)."
    )
    min_distance_m = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=MAX_DISTANCE_M, coerce_to_string=False
    )


class _Contacts(serializers.Field):
    """Passes the list through: ``validate_contacts`` checks it in one pass (a nested
    serializer would cost seconds on a 20,000-contact log)."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class UploadSerializer(serializers.Serializer):
    device_id = serializers.CharField(max_length=64, help_text="The uploading phone's broadcast id.")
    upload_code = serializers.CharField(
        max_length=32, help_text="The single-use code health staff gave the person (spaces and dashes are ignored)."
    )
    contacts = _Contacts(help_text=f"At most {MAX_CONTACTS} encounters.")


class ProximityUploadSerializer(UploadSerializer):
    contacts = ProximityContactSerializer(many=True, max_length=MAX_CONTACTS)  # type: ignore[assignment,call-arg]


UploadAccepted = inline_serializer(
    "ProximityUploadAccepted",
    {
        "accepted": serializers.IntegerField(
            help_text="Distinct encounters in the upload, all stored. An encounter longer than the longest one "
            "stored (6 hours by default) is stored, and counted, as consecutive pieces of at most that length."
        ),
        "new": serializers.IntegerField(help_text="Of those, how many no earlier upload had stored."),
    },
)


class UploadView(APIView):
    """Upload a phone's contact log with a single-use code. All or nothing: one bad contact
    and nothing is stored (the answer names each bad field, e.g. `contacts[3].last_seen`).
    A long encounter is not a bad one: it is stored as consecutive pieces of at most
    `TRACING_PROXIMITY_MAX_ENCOUNTER` (6 hours by default), and matched as one."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [PublicRateThrottle]
    parser_classes = [LogParser]

    @extend_schema(
        request=ProximityUploadSerializer,
        responses={
            201: UploadAccepted,
            400: OpenApiResponse(
                ErrorBody,
                description="`invalid` (field errors), `device_unknown`, `upload_code_invalid`, `upload_code_expired`.",
            ),
            403: OpenApiResponse(ErrorBody, description="`device_mismatch`: the code was issued to someone else."),
            409: OpenApiResponse(
                ErrorBody, description="`upload_code_used`, also when a successful upload is retried."
            ),
            413: OpenApiResponse(
                ErrorBody,
                description=f"`too_many` (over {MAX_CONTACTS} contacts, or over {MAX_STORED} once long encounters "
                f"are cut into pieces), `too_large` (over {MAX_UPLOAD_BYTES} bytes).",
            ),
            429: OpenApiResponse(ErrorBody, description="`rate_limited`."),
        },
        examples=[
            OpenApiExample(
                "One encounter",
                request_only=True,
                value={
                    "device_id": "3f1c0a9e5b7d4e2f8a6c1b0d9e8f7a6b",
                    "upload_code": "7KRM 4PTX",
                    "contacts": [
                        {
                            "device_id": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
                            "first_seen": "2026-11-20T08:10:00+07:00",
                            "last_seen": "2026-11-20T08:35:00+07:00",
                            "min_distance_m": 1.2,
                        }
                    ],
                },
            )
        ],
        tags=["proximity"],
    )
    def post(self, request: Request) -> Response:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # Refused unread when the client says how large it is; LogParser counts otherwise.
        if length > MAX_UPLOAD_BYTES:
            raise DomainError(
                _("The upload is too large."), ContactsError.TOO_LARGE, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
            )
        serializer = UploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = proximity_upload(
            device_id=data["device_id"], upload_code=data["upload_code"], contacts=data["contacts"]
        )
        return Response({"accepted": result.accepted, "new": result.new}, status=status.HTTP_201_CREATED)


urlpatterns: list[URLPattern] = [
    path("proximity/devices/", DeviceRegisterView.as_view(), name="proximity-devices"),
    path("proximity/uploads/", UploadView.as_view(), name="proximity-uploads"),
]
