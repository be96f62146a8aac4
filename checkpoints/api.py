"""The checkpoint API (API.md, Checkpoints): the caller's checkpoints, batches of scans,
and the online check a tablet makes before recording a passage.

Batch items are read by hand rather than through a serializer per item: a batch of 500
must cost milliseconds, and each item must fail alone with its own reason.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from checkpoints.lookup import traveller_check
from checkpoints.models import Direction, VehicleType, Verdict
from checkpoints.selectors import checkpoint_for_scanning, checkpoints_for_scanning
from checkpoints.services import ScanItem, ScanResult, scans_ingest, tablet_heartbeat
from truyvet.accounts.permissions import IsPortalStaff
from truyvet.lib.bounds import MAX_INT
from truyvet.lib.errors import DomainError
from truyvet.lib.fields import BoundedIntegerField, StrictCharField, StrictUUIDField, uuid_from_text
from truyvet.lib.text import storable

CheckpointRows = inline_serializer(
    "CheckpointRow",
    many=True,
    fields={
        "id": serializers.IntegerField(),
        "name": serializers.CharField(),
        "road": serializers.CharField(),
        "ward_code": serializers.IntegerField(),
        "latitude": serializers.FloatField(allow_null=True),
        "longitude": serializers.FloatField(allow_null=True),
    },
)


class CheckpointListView(APIView):
    permission_classes = [IsPortalStaff]

    @extend_schema(responses={200: CheckpointRows}, tags=["checkpoints"])
    def get(self, request: Request) -> Response:
        return Response(
            [
                {
                    "id": c.pk,
                    "name": c.name,
                    "road": c.road,
                    "ward_code": c.ward_id,
                    "latitude": float(c.latitude) if c.latitude is not None else None,
                    "longitude": float(c.longitude) if c.longitude is not None else None,
                }
                for c in checkpoints_for_scanning(request.user)
            ]
        )


ScanIn = inline_serializer(
    "ScanIn",
    {
        "client_id": StrictUUIDField(),
        "qr_token": serializers.CharField(required=False, max_length=4096),
        "trip_code": serializers.CharField(required=False, max_length=20),
        "person_id": BoundedIntegerField(required=False, min_value=1, help_text="A person chosen in an online check."),
        "id_number": serializers.CharField(required=False, max_length=20, help_text="Typed when there is no code."),
        "phone": serializers.CharField(required=False, max_length=20, help_text="Typed when there is no code."),
        "passenger_ids": serializers.ListField(
            child=BoundedIntegerField(min_value=1),
            required=False,
            max_length=200,
            help_text="A trip: who is on board (default: all).",
        ),
        "direction": serializers.ChoiceField(choices=Direction.choices),
        "scanned_at": serializers.DateTimeField(),
        "temperature": serializers.DecimalField(max_digits=3, decimal_places=1, required=False),
        "vehicle_plate": serializers.CharField(required=False, max_length=20),
        "vehicle_type": serializers.ChoiceField(choices=VehicleType.choices, required=False),
        "origin_ward_code": BoundedIntegerField(required=False, min_value=1),
        "destination_ward_code": BoundedIntegerField(required=False, min_value=1),
    },
)
ScanBatch = inline_serializer(
    "ScanBatch",
    {
        "scans": serializers.ListField(child=ScanIn),
        "tablet_id": serializers.CharField(
            required=False, max_length=64, help_text="The tablet's own random id (monitoring)."
        ),
        "pending": BoundedIntegerField(required=False, help_text="Passages the tablet still holds."),
    },
)
ScanOut = inline_serializer(
    "ScanOut",
    {
        "client_id": serializers.CharField(
            allow_null=True, help_text="The item's client_id as sent; null when it sent none that could be read."
        ),
        "status": serializers.ChoiceField(choices=["created", "duplicate", "rejected"]),
        "reason": serializers.CharField(required=False),
        "http_status": serializers.IntegerField(required=False, help_text="400, or 409 for a reused client_id."),
        "passage_ids": serializers.ListField(child=serializers.IntegerField()),
        "verdict": serializers.ChoiceField(choices=Verdict.choices, allow_null=True),
        "risk_level": serializers.ChoiceField(choices=["green", "yellow", "red"], allow_null=True),
    },
)
ScanResults = inline_serializer("ScanResults", {"results": serializers.ListField(child=ScanOut)})

_TEXT_LIMITS = {"qr_token": 4096, "trip_code": 20, "id_number": 20, "phone": 20, "vehicle_plate": 20}
_VEHICLE_TYPES = frozenset(VehicleType.values)


class _Invalid(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _opt_int(raw: dict[str, Any], key: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_INT:
        raise _Invalid(f"{key}_invalid")
    return value


def read_item(raw: object) -> ScanItem:
    """A batch item as the service takes it, or ``_Invalid`` naming the bad field."""
    if not isinstance(raw, dict):
        raise _Invalid("item_not_object")
    client_id = _client_id(raw)
    texts: dict[str, str] = {}
    for key, limit in _TEXT_LIMITS.items():
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > limit or "\x00" in value or not storable(value):
            raise _Invalid(f"{key}_invalid")
        texts[key] = value.strip()
    scanned_at = raw.get("scanned_at")
    parsed: datetime | None = None
    if isinstance(scanned_at, str) and len(scanned_at) <= 40:
        try:
            parsed = parse_datetime(scanned_at)
        except ValueError:
            parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise _Invalid("scanned_at_invalid")
    temperature = raw.get("temperature")
    reading: Decimal | None = None
    if temperature is not None:
        if isinstance(temperature, bool) or not isinstance(temperature, int | float | str):
            raise _Invalid("temperature_invalid")
        if isinstance(temperature, str) and (len(temperature) > 10 or not temperature.isascii()):
            raise _Invalid("temperature_invalid")
        try:
            reading = Decimal(str(temperature)).quantize(Decimal("0.1"))
        except InvalidOperation:
            raise _Invalid("temperature_invalid") from None
        if not reading.is_finite():
            raise _Invalid("temperature_invalid")
    vehicle_type = raw.get("vehicle_type") or ""
    if vehicle_type and (not isinstance(vehicle_type, str) or vehicle_type not in _VEHICLE_TYPES):
        raise _Invalid("vehicle_type_invalid")
    passengers = raw.get("passenger_ids")
    if passengers is not None and (
        not isinstance(passengers, list)
        or len(passengers) > 200
        or not all(isinstance(p, int) and not isinstance(p, bool) and 0 < p <= MAX_INT for p in passengers)
    ):
        raise _Invalid("passenger_ids_invalid")
    direction = raw.get("direction")
    if direction not in ("in", "out"):
        raise _Invalid("direction_invalid")
    return ScanItem(
        client_id=client_id,
        direction=direction,
        scanned_at=parsed,
        qr_token=texts.get("qr_token", ""),
        trip_code=texts.get("trip_code", ""),
        person_id=_opt_int(raw, "person_id"),
        id_number=texts.get("id_number", ""),
        phone=texts.get("phone", ""),
        passenger_ids=tuple(passengers) if passengers is not None else None,
        temperature=reading,
        vehicle_plate=texts.get("vehicle_plate", ""),
        vehicle_type=vehicle_type,
        origin_ward_code=_opt_int(raw, "origin_ward_code"),
        destination_ward_code=_opt_int(raw, "destination_ward_code"),
    )


def _client_id(raw: dict[str, Any]) -> uuid.UUID:
    parsed = uuid_from_text(raw.get("client_id"))
    if parsed is None:
        raise _Invalid("client_id_invalid")
    return parsed


def _echoed_client_id(raw: object) -> str | None:
    """The client_id of a rejected item as the tablet sent it, so it can match the answer;
    None when it cannot be sent back (not text, too long, or not storable text)."""
    client = raw.get("client_id") if isinstance(raw, dict) else None
    return client if isinstance(client, str) and len(client) <= 40 and storable(client) else None


def _tablet(request: Request, data: dict[str, Any]) -> tuple[str, int | None]:
    """The tablet's id and queue length for monitoring; values that cannot be stored are
    left out rather than refusing the passages they came with."""
    tablet_id = data.get("tablet_id")
    pending = data.get("pending")
    tablet = tablet_id[:64] if isinstance(tablet_id, str) and "\x00" not in tablet_id and storable(tablet_id) else ""
    count = pending if isinstance(pending, int) and not isinstance(pending, bool) and 0 <= pending <= MAX_INT else None
    return tablet, count


class ScanBatchView(APIView):
    """Passages from a tablet, each item standing alone; a replay writes nothing."""

    permission_classes = [IsPortalStaff]

    @extend_schema(request=ScanBatch, responses={200: ScanResults}, tags=["checkpoints"])
    def post(self, request: Request, checkpoint_id: str) -> Response:
        checkpoint = checkpoint_for_scanning(request.user, checkpoint_id)
        data = request.data if isinstance(request.data, dict) else {}
        scans = data.get("scans")
        if not isinstance(scans, list):
            raise DomainError('Send {"scans": [...]}.', "scans_required", field="scans")
        if len(scans) > settings.CHECKPOINT_BATCH_MAX:
            raise DomainError(
                f"At most {settings.CHECKPOINT_BATCH_MAX} scans per batch.", "batch_too_large", field="scans"
            )
        tablet_id, pending = _tablet(request, data)
        outcome: list[ScanResult | None] = []
        items: list[ScanItem] = []
        for raw in scans:
            try:
                items.append(read_item(raw))
                outcome.append(None)
            except _Invalid as invalid:
                client = _echoed_client_id(raw)
                outcome.append(ScanResult(client, "rejected", reason=invalid.reason, http_status=400))  # type: ignore[arg-type]
        stored = iter(
            scans_ingest(
                checkpoint=checkpoint,
                user=request.user,
                items=items,
                tablet_id=tablet_id,
                pending=pending,
                request=request,
            )
        )
        results = [(r if r is not None else next(stored)).as_dict() for r in outcome]
        return Response({"results": results})


class TravellerCheckIn(serializers.Serializer):
    qr_token = StrictCharField(max_length=4096, required=False, allow_blank=True)
    id_number = StrictCharField(max_length=20, required=False, allow_blank=True)
    phone = StrictCharField(max_length=20, required=False, allow_blank=True)
    trip_code = StrictCharField(max_length=20, required=False, allow_blank=True)
    temperature = serializers.FloatField(required=False, allow_null=True, min_value=30, max_value=45)
    tablet_id = StrictCharField(max_length=64, required=False, allow_blank=True)
    pending = BoundedIntegerField(required=False)


class TravellerCheckView(APIView):
    """What staff should do with this traveller or bus, from the server's current
    knowledge (a tablet that is online asks this before recording the passage)."""

    permission_classes = [IsPortalStaff]

    @extend_schema(request=TravellerCheckIn, responses={200: OpenApiTypes.OBJECT}, tags=["checkpoints"])
    def post(self, request: Request, checkpoint_id: str) -> Response:
        checkpoint = checkpoint_for_scanning(request.user, checkpoint_id)
        serializer = TravellerCheckIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        tablet_id, pending = data.pop("tablet_id", ""), data.pop("pending", None)
        if tablet_id:
            tablet_heartbeat(checkpoint=checkpoint, user=request.user, tablet_id=tablet_id, pending=pending)
        return Response(traveller_check(checkpoint=checkpoint, user=request.user, request=request, **data))


class HeartbeatIn(serializers.Serializer):
    tablet_id = StrictCharField(max_length=64)
    pending = BoundedIntegerField(required=False)


class HeartbeatView(APIView):
    """A tablet says it is online and how many passages it holds (monitoring)."""

    permission_classes = [IsPortalStaff]

    @extend_schema(request=HeartbeatIn, responses={204: None}, tags=["checkpoints"])
    def post(self, request: Request, checkpoint_id: str) -> Response:
        checkpoint = checkpoint_for_scanning(request.user, checkpoint_id)
        serializer = HeartbeatIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        tablet_heartbeat(
            checkpoint=checkpoint,
            user=request.user,
            tablet_id=serializer.validated_data["tablet_id"],
            pending=serializer.validated_data.get("pending"),
        )
        return Response(status=204)
