"""The scan batch body (API.md, Checkpoints): its one definition, which the API reads item by
item, the scanner page's type-in form checks its passage against and the OpenAPI document
describes."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import UNSET, Meta, UnsetType

from checkpoints.models import Direction, VehicleType
from checkpoints.services.scans import ScanItem
from truyvet.lib import schema
from truyvet.lib.bounds import MAX_INT
from truyvet.lib.schema import Body

Id = Annotated[int, Meta(ge=1, le=MAX_INT)]
Typed = Annotated[str, Meta(max_length=20, description="Typed when there is no code.")]
TabletId = Annotated[str, Meta(max_length=64, description="The tablet's own random id (monitoring).")]
Pending = Annotated[int, Meta(ge=0, le=MAX_INT, description="Passages the tablet still holds.")]
_VEHICLE_TYPES = frozenset(VehicleType.values)


class ScanIn(Body):
    """One passage as a tablet queued it. Exactly one of `qr_token`, `trip_code`,
    `person_id`, `id_number` and `phone` says who (the service checks which)."""

    client_id: Annotated[str, Meta(extra_json_schema={"format": "uuid"})]
    direction: Direction
    scanned_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]
    qr_token: Annotated[str, Meta(max_length=4096)] | None = None
    trip_code: Annotated[str, Meta(max_length=20)] | None = None
    person_id: Annotated[int, Meta(ge=1, le=MAX_INT, description="A person chosen in an online check.")] | None = None
    id_number: Typed | None = None
    phone: Typed | None = None
    passenger_ids: (
        Annotated[list[Id], Meta(max_length=200, description="A trip: who is on board (default: all).")] | None
    ) = None
    temperature: int | float | str | None = None
    vehicle_plate: Annotated[str, Meta(max_length=20)] | None = None
    vehicle_type: Annotated[str, Meta(extra_json_schema={"enum": [*VehicleType.values, ""]})] | None = None
    origin_ward_code: Id | None = None
    destination_ward_code: Id | None = None

    def item(self) -> ScanItem:
        """The passage as the service takes it; ``Invalid`` naming the field that cannot be."""
        client_id = schema.client_id(self.client_id)  # the rules in the order tablets have always been told
        texts: dict[str, str] = {}
        for name, value in (
            ("qr_token", self.qr_token),
            ("trip_code", self.trip_code),
            ("id_number", self.id_number),
            ("phone", self.phone),
            ("vehicle_plate", self.vehicle_plate),
        ):
            if value is not None:
                texts[name] = schema.stored_text(value, name)
        scanned_at = schema.aware_time(self.scanned_at, "scanned_at")
        temperature = None if self.temperature is None else schema.decimal_tenth(self.temperature, "temperature")
        vehicle_type = self.vehicle_type or ""
        if vehicle_type:
            schema.choice(vehicle_type, "vehicle_type", _VEHICLE_TYPES)
        return ScanItem(
            client_id=client_id,
            direction=self.direction.value,
            scanned_at=scanned_at,
            qr_token=texts.get("qr_token", ""),
            trip_code=texts.get("trip_code", ""),
            person_id=self.person_id,
            id_number=texts.get("id_number", ""),
            phone=texts.get("phone", ""),
            passenger_ids=tuple(self.passenger_ids) if self.passenger_ids is not None else None,
            temperature=temperature,
            vehicle_plate=texts.get("vehicle_plate", ""),
            vehicle_type=vehicle_type,
            origin_ward_code=self.origin_ward_code,
            destination_ward_code=self.destination_ward_code,
        )


class ScanBatch(Body):
    """Passages from a tablet. Each item stands alone: a bad one is rejected with its
    reason, the others are kept."""

    scans: list[ScanIn]
    tablet_id: TabletId | UnsetType = UNSET
    pending: Pending | UnsetType = UNSET


def reason_of(refusal: schema.Refusal) -> str:
    """A rejected item's reason: the field that broke the rule (``qr_token_invalid``), or
    ``item_not_object``."""
    if not refusal.field:
        return "item_not_object"
    return refusal.field.split(".", 1)[0] + "_invalid"


def scan_item(raw: Any) -> ScanItem | str:
    """A batch item (parsed JSON) as the service takes it, or the reason it is rejected."""
    try:
        return schema.convert(raw, ScanIn).item()
    except schema.Refused as refused:
        return reason_of(refused.refusal)
    except schema.Invalid as invalid:
        return reason_of(schema.Refusal(invalid.field, invalid.message))
