"""The declaration body (API.md, Declarations): its one definition, which the API reads, the
citizen's form checks its answers against and the OpenAPI document describes."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Annotated

from msgspec import UNSET, Meta, UnsetType, field

from declarations.models import Kind, VehicleType
from declarations.services import Answers, DomesticInput, EntryInput, PersonInput, Submission
from truyvet.lib import schema
from truyvet.lib.schema import Body, Invalid
from truyvet.people.models import Gender, Symptom

WardCode = Annotated[int, Meta(ge=1, le=99999)]
_VEHICLE_TYPES = frozenset(VehicleType.values)


class Person(Body):
    """Who declares: a citizen id number, or a passport number and nationality."""

    full_name: Annotated[str, Meta(min_length=1, max_length=150)]
    date_of_birth: Annotated[str, Meta(extra_json_schema={"format": "date"})]
    gender: Gender
    id_number: Annotated[str, Meta(max_length=12)] = ""
    passport_number: Annotated[str, Meta(max_length=20)] = ""
    nationality: Annotated[str, Meta(min_length=1, max_length=2)] = "VN"
    phone: Annotated[str, Meta(max_length=20)] = ""
    email: Annotated[str, Meta(max_length=254, extra_json_schema={"format": "email"})] = ""
    ward_code: WardCode | None = None
    address: Annotated[str, Meta(max_length=300)] = ""
    if TYPE_CHECKING:
        born: date = date.min  # date_of_birth, read

    def __post_init__(self) -> None:
        self.full_name = schema.text(self.full_name, "full_name", required=True)
        self.born = schema.day(self.date_of_birth, "date_of_birth")
        self.id_number = schema.text(self.id_number, "id_number")
        self.passport_number = schema.text(self.passport_number, "passport_number")
        self.nationality = schema.text(self.nationality, "nationality", required=True)
        self.phone = schema.text(self.phone, "phone")
        self.email = schema.email(self.email, "email")
        self.address = schema.text(self.address, "address")
        if not self.id_number and not self.passport_number:
            raise Invalid("Give a citizen id number or a passport number.", field="id_number")


class Exposures(Body):
    case_contact: bool = False
    outbreak_zone: bool = False
    abroad_14d: bool = False


class Entry(Body):
    """Arriving from abroad (`kind: entry`)."""

    port_of_entry: Annotated[str, Meta(min_length=1, max_length=100)]
    flight_number: Annotated[str, Meta(min_length=1, max_length=20)]
    countries_visited: Annotated[
        list[Annotated[str, Meta(min_length=2, max_length=2)]], Meta(min_length=1, max_length=50)
    ]
    quarantine_address: Annotated[str, Meta(min_length=1, max_length=300)]
    seat: Annotated[str, Meta(max_length=10)] = ""

    def __post_init__(self) -> None:
        self.port_of_entry = schema.text(self.port_of_entry, "port_of_entry", required=True)
        self.flight_number = schema.text(self.flight_number, "flight_number", required=True)
        self.quarantine_address = schema.text(self.quarantine_address, "quarantine_address", required=True)
        self.seat = schema.text(self.seat, "seat")
        for index, country in enumerate(self.countries_visited):
            self.countries_visited[index] = schema.text(country, f"countries_visited.{index}", required=True)
            if len(self.countries_visited[index]) < 2:
                raise Invalid("Ensure this field has at least 2 characters.", field=f"countries_visited.{index}")


class Domestic(Body):
    """Travelling within the country (`kind: domestic`)."""

    origin_ward_code: WardCode
    destination_ward_code: WardCode
    vehicle_plate: Annotated[str, Meta(max_length=20)] = ""
    vehicle_type: Annotated[str, Meta(extra_json_schema={"enum": [*VehicleType.values, ""]})] = ""
    purpose: Annotated[str, Meta(max_length=200)] = ""

    def __post_init__(self) -> None:
        self.vehicle_plate = schema.text(self.vehicle_plate, "vehicle_plate")
        self.vehicle_type = schema.text(self.vehicle_type, "vehicle_type")
        if self.vehicle_type:
            schema.choice(self.vehicle_type, "vehicle_type", _VEHICLE_TYPES)
        self.purpose = schema.text(self.purpose, "purpose")


class Declaration(Body):
    """A health declaration; `entry` or `domestic` as its kind requires."""

    kind: Kind
    person: Person
    symptoms: Annotated[list[Symptom], Meta(max_length=10)] = []
    exposures: Exposures = field(default_factory=Exposures)
    entry: Entry | UnsetType = UNSET
    domestic: Domestic | UnsetType = UNSET
    client_id: Annotated[
        str | UnsetType,
        Meta(
            extra_json_schema={
                "format": "uuid",
                "description": "Optional (a UUID string): a retry with the same id returns the first result.",
            }
        ),
    ] = UNSET
    if TYPE_CHECKING:
        client_uuid: uuid.UUID | None = None  # client_id, read

    def __post_init__(self) -> None:
        self.client_uuid = None if self.client_id is UNSET else schema.client_id(self.client_id)
        if self.kind == Kind.ENTRY and self.entry is UNSET:
            raise Invalid("Required for an entry declaration.", field="entry")
        if self.kind == Kind.DOMESTIC and self.domestic is UNSET:
            raise Invalid("Required for a domestic declaration.", field="domestic")


def submit_arguments(data: Declaration) -> Submission:
    """``declaration_submit``'s arguments from the body (the API's, or the form's answers)."""
    person = data.person
    exposures = data.exposures
    entry = data.entry
    domestic = data.domestic
    return {
        "kind": data.kind.value,
        "person": PersonInput(
            full_name=person.full_name,
            id_number=person.id_number,
            passport_number=person.passport_number,
            nationality=(person.nationality or "VN").upper(),
            date_of_birth=person.born,
            gender=person.gender.value,
            phone=person.phone,
            email=person.email,
            ward_code=person.ward_code,
            address=person.address,
        ),
        "answers": Answers(
            symptoms=[symptom.value for symptom in data.symptoms],
            case_contact=exposures.case_contact,
            outbreak_zone=exposures.outbreak_zone,
            abroad_14d=exposures.abroad_14d,
        ),
        "entry": EntryInput(
            port_of_entry=entry.port_of_entry,
            flight_number=entry.flight_number,
            seat=entry.seat,
            countries_visited=[c.upper() for c in entry.countries_visited],
            quarantine_address=entry.quarantine_address,
        )
        if entry
        else None,
        "domestic": DomesticInput(
            origin_ward_code=domestic.origin_ward_code,
            destination_ward_code=domestic.destination_ward_code,
            vehicle_type=domestic.vehicle_type,
            vehicle_plate=domestic.vehicle_plate,
            purpose=domestic.purpose,
        )
        if domestic
        else None,
        "client_id": data.client_uuid,
    }
