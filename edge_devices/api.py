"""The edge device API (API.md, Edge devices): registering a device, readings, heartbeats.

A reading is JSON (the image as base64 in ``image_jpeg_b64``) or multipart (the same fields,
the image as the ``image`` file part). The JSON body is read here with its own limit, since
a 2 MB image in base64 is larger than the portal's ``DATA_UPLOAD_MAX_MEMORY_SIZE``.
"""

from __future__ import annotations

from typing import Any

import msgspec
from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotAuthenticated
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from edge_devices.auth import DeviceAuthentication, IsDevice, device_of
from edge_devices.errors import DeviceError
from edge_devices.hikvision import camera_event
from edge_devices.models import Device, Reading
from edge_devices.schemas import DeviceIn, ReadingIn
from edge_devices.selectors import checkpoint_for_devices, reading_get_for, reading_get_for_device
from edge_devices.services import ReadingInput, device_register, device_seen, reading_ingest
from truyvet.accounts.models import User
from truyvet.accounts.permissions import IsPortalStaff
from truyvet.lib.drf import ApiTokenAuthentication
from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError
from truyvet.lib.schema import Invalid, Refusal, Refused, body_from, convert, loads

# A JSON reading: a 2 MB JPEG in base64 and the other fields.
JSON_READING_MAX_BYTES = 3_000_000

DeviceOut = inline_serializer("DeviceOut", {"id": serializers.IntegerField(), "key": serializers.CharField()})
ReadingAccepted = inline_serializer(
    "ReadingAccepted", {"id": serializers.IntegerField(), "fever": serializers.BooleanField()}
)
ReadingOut = inline_serializer(
    "ReadingOut",
    {
        "id": serializers.IntegerField(),
        "processed": serializers.BooleanField(),
        "faces_detected": serializers.IntegerField(allow_null=True),
        "fever": serializers.BooleanField(),
        "passage_id": serializers.IntegerField(allow_null=True),
        "temperature_c": serializers.FloatField(),
        "captured_at": serializers.DateTimeField(),
    },
)


def _staff(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated
    return user


def _device(request: Request) -> Device:
    device = device_of(request)
    if device is None:
        raise NotAuthenticated
    return device


class DeviceRegisterView(APIView):
    """Register a device at a checkpoint the caller oversees; its key is in this answer only."""

    permission_classes = [IsPortalStaff]

    @extend_schema(request=DeviceIn, responses={201: DeviceOut}, tags=["devices"])
    def post(self, request: Request) -> Response:
        user = _staff(request)
        body = body_from(request, DeviceIn)
        checkpoint = checkpoint_for_devices(user, body.checkpoint_id)
        device, key = device_register(user=user, checkpoint=checkpoint, data=body.device(), request=request)
        return Response({"id": device.pk, "key": key}, status=201)


def _json_reading(request: Request) -> ReadingIn:
    raw = request._request.read(JSON_READING_MAX_BYTES + 1)
    if len(raw) > JSON_READING_MAX_BYTES:
        raise DomainError("The image is larger than allowed.", DeviceError.IMAGE_TOO_LARGE, field="image_jpeg_b64")
    try:
        return msgspec.json.decode(raw, type=ReadingIn)
    except msgspec.DecodeError:
        pass
    try:
        data: Any = loads(raw)
    except ValueError:
        raise DomainError("The body is not JSON.", CoreError.MALFORMED_REQUEST) from None
    try:
        return convert(data, ReadingIn)
    except Refused as refused:
        raise refused.refusal.error() from None


def _checked(body: ReadingIn, *, image: bytes | None = None, source: str = "json") -> ReadingInput:
    try:
        return body.reading(image=image, source=source)
    except Invalid as invalid:
        raise Refusal(invalid.field, invalid.message, invalid.code).error() from None


class ReadingCreateView(APIView):
    """A reading from a device; the same ``client_id`` again answers the first reading (200)."""

    authentication_classes = [DeviceAuthentication]
    permission_classes = [IsDevice]
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        request={"application/json": ReadingIn, "multipart/form-data": ReadingIn},
        responses={202: ReadingAccepted, 200: ReadingAccepted},
        tags=["devices"],
    )
    def post(self, request: Request) -> Response:
        device = _device(request)
        if request.content_type.split(";")[0].strip() == "multipart/form-data":
            posted: Any = request.data
            fields = {k: v for k, v in posted.items() if k != "image" and isinstance(v, str)}
            upload = request.FILES.get("image")
            # At most one byte past the limit is read: enough for check_image to refuse it.
            image = upload.read(settings.EDGE_IMAGE_MAX_BYTES + 1) if upload is not None else None
            try:
                body = convert(fields, ReadingIn)
            except Refused as refused:
                raise refused.refusal.error() from None
            data = _checked(body, image=image, source="multipart")
        else:
            data = _checked(_json_reading(request))
        reading, created = reading_ingest(device=device, data=data)
        return Response({"id": reading.pk, "fever": reading.fever}, status=202 if created else 200)


def reading_json(reading: Reading) -> dict[str, Any]:
    return {
        "id": reading.pk,
        "processed": reading.processed,
        "faces_detected": reading.faces_detected,
        "fever": reading.fever,
        "passage_id": reading.passage_id,
        "temperature_c": float(reading.temperature_c),
        "captured_at": reading.captured_at.isoformat(),
    }


class ReadingDetailView(APIView):
    """A reading, to the device that sent it or to staff overseeing its checkpoint."""

    authentication_classes = [DeviceAuthentication, ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsDevice | IsPortalStaff]

    @extend_schema(responses={200: ReadingOut}, tags=["devices"])
    def get(self, request: Request, reading_id: str) -> Response:
        device = device_of(request)
        if device is not None:
            reading = reading_get_for_device(device, reading_id)
        else:
            reading = reading_get_for(_staff(request), reading_id)
        return Response(reading_json(reading))


class HeartbeatView(APIView):
    """A device says it is alive (the checkpoint's board lists devices silent 5 minutes)."""

    authentication_classes = [DeviceAuthentication]
    permission_classes = [IsDevice]

    @extend_schema(request=None, responses={204: OpenApiResponse(description="Seen.")}, tags=["devices"])
    def post(self, request: Request) -> Response:
        device_seen(device=_device(request))
        return Response(status=204)


# A camera's event with its two pictures.
CAMERA_EVENT_MAX_BYTES = 6_000_000


class HikvisionEventView(APIView):
    """A Hikvision camera's event notification (``edge_devices.hikvision``): a thermometry
    event becomes a reading, a heartbeat marks the device seen."""

    authentication_classes = [DeviceAuthentication]
    permission_classes = [IsDevice]

    @extend_schema(
        request={"multipart/form-data": OpenApiTypes.BINARY},
        responses={202: ReadingAccepted, 200: ReadingAccepted},
        tags=["devices"],
    )
    def post(self, request: Request) -> Response:
        device = _device(request)
        body = request._request.read(CAMERA_EVENT_MAX_BYTES + 1)
        if len(body) > CAMERA_EVENT_MAX_BYTES:
            raise DomainError("The event is larger than allowed.", DeviceError.IMAGE_TOO_LARGE)
        event = camera_event(request.content_type, body)
        if event.reading is None:
            device_seen(device=device)
            return Response({"heartbeat": True})
        reading, created = reading_ingest(device=device, data=event.reading)
        return Response({"id": reading.pk, "fever": reading.fever}, status=202 if created else 200)
