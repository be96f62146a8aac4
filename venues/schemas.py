"""The check-in and check-out bodies (API.md, Venues and check-in): their one definition,
which the API reads and the OpenAPI document describes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from msgspec import UNSET, Meta, UnsetType

from truyvet.lib import schema
from truyvet.lib.schema import Body

QrToken = Annotated[str, Meta(min_length=1, max_length=4096)]
Time = Annotated[str, Meta(extra_json_schema={"format": "date-time"})]
ClientId = Annotated[str, Meta(extra_json_schema={"format": "uuid"})]


class VisitorToken(Body):
    """A visitor's personal QR token and the id of this check-in (what venue staff send when
    they check in a visitor without a smartphone)."""

    qr_token: QrToken
    client_id: ClientId
    if TYPE_CHECKING:
        client_uuid: uuid.UUID = uuid.UUID(int=0)

    def __post_init__(self) -> None:
        _visitor_rules(self)


def _visitor_rules(body: VisitorToken | CheckIn) -> None:
    body.qr_token = schema.text(body.qr_token, "qr_token", required=True)
    body.client_uuid = schema.client_id(body.client_id)


class CheckIn(Body):
    """A visit, with the visitor's personal QR token; the same `client_id` is one check-in."""

    venue_code: Annotated[str, Meta(min_length=1, max_length=40)]
    qr_token: QrToken
    client_id: ClientId
    checked_in_at: Time | UnsetType = UNSET
    fresh_code: (
        Annotated[
            str,
            Meta(
                min_length=1,
                max_length=40,
                description="The rotating code of a venue in display mode (its `t` parameter).",
            ),
        ]
        | UnsetType
    ) = UNSET
    if TYPE_CHECKING:
        client_uuid: uuid.UUID = uuid.UUID(int=0)
        arrived_at: datetime | None = None

    def __post_init__(self) -> None:
        self.venue_code = schema.text(self.venue_code, "venue_code", required=True)
        _visitor_rules(self)
        self.arrived_at = None if self.checked_in_at is UNSET else schema.past_time(self.checked_in_at, "checked_in_at")
        if self.fresh_code is not UNSET:
            self.fresh_code = schema.text(self.fresh_code, "fresh_code", required=True)


class CheckOut(Body):
    """Leaving, with the same person's token."""

    qr_token: QrToken
    checked_out_at: Time | UnsetType = UNSET
    if TYPE_CHECKING:
        left_at: datetime | None = None

    def __post_init__(self) -> None:
        self.qr_token = schema.text(self.qr_token, "qr_token", required=True)
        self.left_at = None if self.checked_out_at is UNSET else schema.past_time(self.checked_out_at, "checked_out_at")
