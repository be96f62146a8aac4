"""One definition per request body (``truyvet.lib.schema``): refusals name the field as
clients know it, in the portal's words; the pages' forms take their limits from the body and
are checked by it; the OpenAPI document describes the body from it."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from django.test import Client
from django.utils import translation

from checkpoints.forms.scanner import ManualScanForm
from checkpoints.schemas import ScanIn, reason_of
from declarations.forms import DeclarationForm
from declarations.schemas import Declaration, Person
from tests.factories import home_ward
from truyvet.lib.schema import Refusal, Refused, convert, decode, max_length, refusal_of
from venues.forms import TokenCheckInForm
from venues.schemas import CheckIn


def refusal(raw: bytes, body: type[Any]) -> Refusal:
    with pytest.raises(msgspec.ValidationError) as refused:
        msgspec.json.decode(raw, type=body)
    return refusal_of(refused.value)


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        (b'{"venue_code": "A", "client_id": "x"}', "qr_token", "This field is required."),
        (b'{"venue_code": 5, "qr_token": "t", "client_id": "x"}', "venue_code", "Not a valid string."),
        (b'{"venue_code": "' + b"A" * 41 + b'", "qr_token": "t", "client_id": "x"}', "venue_code", "40 characters"),
        (b'{"venue_code": "A", "qr_token": "t", "client_id": "x"}', "client_id", "Must be a valid UUID."),
        (b'{"venue_code": "A", "qr_token": "t", "client_id": null}', "client_id", "may not be null"),
        (b"[]", "", "Expected a dictionary"),
    ],
)
def test_a_refusal_names_the_field_as_clients_know_it_in_their_language(raw: bytes, field: str, message: str) -> None:
    with translation.override("en"):
        refused = refusal(raw, CheckIn)
    assert (refused.field, refused.code) == (field, "invalid")
    assert message in refused.message


def test_a_nested_or_listed_field_is_named_with_dots() -> None:
    body = b'{"kind": "daily", "person": {"full_name": "A", "date_of_birth": "1990-01-01", "gender": "x"}}'
    assert refusal(body, Declaration).field == "person.gender"
    body = b'{"kind": "daily", "symptoms": ["fever", "headache"], "person": {}}'
    with translation.override("en"):
        assert refusal(body, Declaration) == Refusal("symptoms.1", '"headache" is not a valid choice.')
    with translation.override("vi"):
        assert refusal(b'{"venue_code": "A", "client_id": "x"}', CheckIn).message == "Trường này là bắt buộc."


def test_a_lone_surrogate_is_refused_by_the_same_rules_on_the_slower_path() -> None:
    with pytest.raises(Refused) as refused:
        decode(b'{"venue_code": "A\\udfff", "qr_token": "t", "client_id": "5f0e3c9a5b7e4d539f0f3b1c1e2f4a6b"}', CheckIn)
    assert refused.value.refusal.field == "venue_code"
    with pytest.raises(Refused) as refused:
        convert({"kind": "\udfff", "person": {}}, Declaration)
    assert refused.value.refusal.field == "kind"


def test_a_scan_item_is_rejected_for_the_field_that_broke_the_rule() -> None:
    assert reason_of(Refusal("passenger_ids.3", "")) == "passenger_ids_invalid"
    assert reason_of(Refusal("", "")) == "item_not_object"


def test_the_pages_forms_take_their_limits_from_the_bodies() -> None:
    assert ManualScanForm().fields["code"].max_length == max_length(ScanIn, "qr_token") == 4096  # type: ignore[attr-defined]
    assert ManualScanForm().fields["vehicle_plate"].max_length == max_length(ScanIn, "vehicle_plate")  # type: ignore[attr-defined]
    assert TokenCheckInForm().fields["qr_token"].max_length == max_length(CheckIn, "qr_token")  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_the_declaration_form_is_checked_by_the_apis_body() -> None:
    ward = home_ward(0)
    form = DeclarationForm(
        {
            "full_name": "Lò Văn Páo",
            "id_number": "012090123456",
            "date_of_birth": "1990-05-17",
            "gender": "male",
            "province": str(ward.province_id),
            "ward_code": str(ward.code),
            "symptoms": ["fever"],
        },
        kind="daily",
    )
    assert form.fields["full_name"].max_length == max_length(Person, "full_name")  # type: ignore[attr-defined]
    assert form.is_valid(), form.errors
    assert isinstance(form.body, Declaration)
    assert form.person_input().full_name == "Lò Văn Páo" and form.answers().symptoms == ["fever"]
    form._check_against_the_schema({**form.cleaned_data, "full_name": "x" * 151})
    assert "full_name" in form.errors


def test_the_openapi_document_describes_each_body_from_its_schema(client: Client) -> None:
    document = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = document["components"]["schemas"]
    person = components["PersonRequest"]
    assert person["properties"]["full_name"]["maxLength"] == max_length(Person, "full_name")
    assert person["properties"]["ward_code"]["nullable"] is True
    assert set(components["CheckInRequest"]["required"]) == {"venue_code", "qr_token", "client_id"}
    item = components["ScanInRequest"]["properties"]
    assert item["direction"] == {"$ref": "#/components/schemas/DirectionEnum"}
