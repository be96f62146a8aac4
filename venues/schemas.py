"""The check-in and check-out bodies (API.md, Venues and check-in): their one definition,
which the API reads and the OpenAPI document describes; and the first visit's, which the
check-in page's short form is checked against."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from msgspec import UNSET, Meta, UnsetType, field

from declarations import schemas as declaration
from declarations.services import Answers, PersonInput
from truyvet.lib import schema
from truyvet.lib.schema import Body, max_length
from truyvet.people.models import Symptom

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


# A declaration's person fields, as long as the declaration body takes them.
FullName = Annotated[str, Meta(min_length=1, max_length=max_length(declaration.Person, "full_name"))]
IdNumber = Annotated[str, Meta(min_length=1, max_length=max_length(declaration.Person, "id_number"))]
Phone = Annotated[str, Meta(min_length=1, max_length=max_length(declaration.Person, "phone"))]


class FirstVisit(Body):
    """A visitor new to the phone: a short daily declaration (who, the ward they live in,
    the health questions) and the check-in it leads to; the same `client_id` is one
    declaration and one check-in."""

    full_name: FullName
    id_number: IdNumber
    phone: Phone
    ward_code: declaration.WardCode
    client_id: ClientId
    symptoms: Annotated[list[Symptom], Meta(max_length=10)] = []
    exposures: declaration.Exposures = field(default_factory=declaration.Exposures)
    if TYPE_CHECKING:
        client_uuid: uuid.UUID = uuid.UUID(int=0)

    def __post_init__(self) -> None:
        self.full_name = schema.text(self.full_name, "full_name", required=True)
        self.id_number = schema.text(self.id_number, "id_number", required=True)
        self.phone = schema.text(self.phone, "phone", required=True)
        self.client_uuid = schema.client_id(self.client_id)

    def person(self) -> PersonInput:
        return PersonInput(
            full_name=self.full_name,
            id_number=self.id_number,
            date_of_birth=None,
            gender="",
            phone=self.phone,
            ward_code=self.ward_code,
        )

    def answers(self) -> Answers:
        return Answers(
            symptoms=[symptom.value for symptom in self.symptoms],
            case_contact=self.exposures.case_contact,
            outbreak_zone=self.exposures.outbreak_zone,
            abroad_14d=self.exposures.abroad_14d,
        )
