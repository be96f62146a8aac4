"""The checkpoint API (API.md, Checkpoints): the caller's checkpoints, batches of scans,
and the online check a tablet makes before recording a passage.

Batch items are read with their one definition (``checkpoints.schemas.ScanIn``), all at
once from the bytes when every item is well formed, else one by one: a batch of 500 must
cost milliseconds, and each item must fail alone with its own reason.
"""

from __future__ import annotations

from typing import Any

import msgspec
from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from checkpoints.errors import CheckpointError
from checkpoints.models import Verdict
from checkpoints.schemas import ScanBatch, reason_of, scan_item
from checkpoints.selectors.device_alerts import device_fevers_for
from checkpoints.selectors.lookup import TravellerQuery, traveller_check
from checkpoints.selectors.scope import checkpoint_for_scanning, checkpoints_for_scanning
from checkpoints.services.scans import ScanItem, ScanResult, scans_ingest, tablet_heartbeat
from truyvet.accounts.models import User
from truyvet.accounts.permissions import IsPortalStaff
from truyvet.lib.bounds import MAX_INT
from truyvet.lib.drf import echoed_client_id
from truyvet.lib.errors import DomainError
from truyvet.lib.fields import BoundedIntegerField, StrictCharField
from truyvet.lib.schema import Invalid, Refusal
from truyvet.lib.text import storable


def _staff(request: Request) -> User:
    """The signed-in staff member (``IsPortalStaff`` lets nobody else through)."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated
    return user


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
                for c in checkpoints_for_scanning(_staff(request))
            ]
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


def _whole_batch(request: Request) -> ScanBatch | None:
    """The batch read straight from its bytes when every item is well formed (the usual
    case: one msgspec call for 500 items); None when any part is not, so the view reads
    the items one by one and rejects the bad ones alone."""
    if request.content_type.split(";")[0].strip() != "application/json":
        return None
    try:
        return msgspec.json.decode(request.body, type=ScanBatch)
    except msgspec.DecodeError:  # and its ValidationError
        return None


def _check_size(scans: list[Any]) -> None:
    if len(scans) > settings.CHECKPOINT_BATCH_MAX:
        raise DomainError(
            f"At most {settings.CHECKPOINT_BATCH_MAX} scans per batch.", CheckpointError.BATCH_TOO_LARGE, field="scans"
        )


def _tablet(data: dict[str, Any]) -> tuple[str, int | None]:
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
        user = _staff(request)
        checkpoint = checkpoint_for_scanning(user, checkpoint_id)
        outcome: list[ScanResult | None] = []
        items: list[ScanItem] = []
        batch = _whole_batch(request)
        if batch is not None:  # every item well formed: read at once
            _check_size(batch.scans)
            tablet_id, pending = _tablet({"tablet_id": batch.tablet_id, "pending": batch.pending})
            for scan in batch.scans:
                try:
                    items.append(scan.item())
                    outcome.append(None)
                except Invalid as invalid:
                    reason = reason_of(Refusal(invalid.field, invalid.message))
                    client = echoed_client_id({"client_id": scan.client_id})
                    outcome.append(ScanResult(client, "rejected", reason=reason, http_status=400))  # type: ignore[arg-type]
        else:  # each item alone, the bad ones rejected with their reason
            data = request.data if isinstance(request.data, dict) else {}
            scans = data.get("scans")
            if not isinstance(scans, list):
                raise DomainError('Send {"scans": [...]}.', CheckpointError.SCANS_REQUIRED, field="scans")
            _check_size(scans)
            tablet_id, pending = _tablet(data)
            for raw in scans:
                item = scan_item(raw)
                if isinstance(item, str):
                    client = echoed_client_id(raw)
                    outcome.append(ScanResult(client, "rejected", reason=item, http_status=400))  # type: ignore[arg-type]
                else:
                    items.append(item)
                    outcome.append(None)
        stored = iter(
            scans_ingest(
                checkpoint=checkpoint,
                user=user,
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
        user = _staff(request)
        checkpoint = checkpoint_for_scanning(user, checkpoint_id)
        serializer = TravellerCheckIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        tablet_id, pending = data.get("tablet_id", ""), data.get("pending")
        if tablet_id:
            tablet_heartbeat(checkpoint=checkpoint, user=user, tablet_id=tablet_id, pending=pending)
        query = TravellerQuery(
            qr_token=data.get("qr_token", ""),
            id_number=data.get("id_number", ""),
            phone=data.get("phone", ""),
            trip_code=data.get("trip_code", ""),
            temperature=data.get("temperature"),
        )
        answer = traveller_check(checkpoint=checkpoint, user=user, query=query, request=request)
        # A camera's fever alerts, shown beside this verdict on the tablet.
        answer["device_fevers"] = device_fevers_for(user, checkpoint)
        return Response(answer)


class HeartbeatIn(serializers.Serializer):
    tablet_id = StrictCharField(max_length=64)
    pending = BoundedIntegerField(required=False)


class HeartbeatView(APIView):
    """A tablet says it is online and how many passages it holds (monitoring)."""

    permission_classes = [IsPortalStaff]

    @extend_schema(request=HeartbeatIn, responses={204: None}, tags=["checkpoints"])
    def post(self, request: Request, checkpoint_id: str) -> Response:
        user = _staff(request)
        checkpoint = checkpoint_for_scanning(user, checkpoint_id)
        serializer = HeartbeatIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        tablet_heartbeat(
            checkpoint=checkpoint,
            user=user,
            tablet_id=serializer.validated_data["tablet_id"],
            pending=serializer.validated_data.get("pending"),
        )
        return Response(status=204)
