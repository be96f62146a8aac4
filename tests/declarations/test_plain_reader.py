"""The declaration body has one definition (``declarations.schemas.Declaration``): the bytes
of a request (the API's fast path), the same body parsed first (another charset, the form)
and the OpenAPI document all go through it. Each body below is accepted or refused the same
way on both paths, with the field a client is told about."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from declarations.schemas import Declaration, submit_arguments
from truyvet.lib.schema import Refused, convert, refusal_of

pytestmark = pytest.mark.django_db  # the body's ward comes from the database

ACCEPTED: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("as is", lambda b: None),
    ("padded name", lambda b: b["person"].update(full_name="  nguyễn  văn AN ")),
    ("no optional fields", lambda b: [b["person"].pop(k) for k in ("phone", "address", "ward_code")]),
    ("null ward", lambda b: b["person"].update(ward_code=None)),
    ("blank phone", lambda b: b["person"].update(phone="  ")),
    ("passport", lambda b: b["person"].update(id_number="", passport_number="B1234567", nationality="gb")),
    ("symptoms", lambda b: b.update(symptoms=["fever", "cough", "fever"])),
    ("no symptoms key", lambda b: b.pop("symptoms")),
    ("some exposures", lambda b: b.update(exposures={"case_contact": True})),
    ("no exposures", lambda b: b.pop("exposures")),
    ("client id", lambda b: b.update(client_id="5f0e3c9a-5b7e-4d53-9f0f-3b1c1e2f4a6b")),
    ("unknown keys", lambda b: b.update(extra=1, person={**b["person"], "nickname": "A"})),
    ("domestic", lambda b: b.update(kind="domestic", domestic={"origin_ward_code": 1, "destination_ward_code": 2})),
    ("email", lambda b: b["person"].update(email="an@example.org")),
]
REFUSED: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
    ("entry without its details", lambda b: b.update(kind="entry"), "entry"),
    ("domestic without its details", lambda b: b.update(kind="domestic"), "domestic"),
    ("bad email", lambda b: b["person"].update(email="an@"), "person.email"),
    ("text ward", lambda b: b["person"].update(ward_code="3388"), "person.ward_code"),
    ("boolean ward", lambda b: b["person"].update(ward_code=True), "person.ward_code"),
    ("ward out of range", lambda b: b["person"].update(ward_code=100000), "person.ward_code"),
    ("text exposure", lambda b: b.update(exposures={"case_contact": "true"}), "exposures.case_contact"),
    ("null exposures", lambda b: b.update(exposures=None), "exposures"),
    ("null entry", lambda b: b.update(entry=None), "entry"),
    ("unknown symptom", lambda b: b.update(symptoms=["headache"]), "symptoms.0"),
    ("symptoms as text", lambda b: b.update(symptoms="fever"), "symptoms"),
    ("eleven symptoms", lambda b: b.update(symptoms=["fever"] * 11), "symptoms"),
    ("long name", lambda b: b["person"].update(full_name="x" * 151), "person.full_name"),
    ("blank name", lambda b: b["person"].update(full_name="   "), "person.full_name"),
    ("nul in name", lambda b: b["person"].update(full_name="An\x00"), "person.full_name"),
    ("blank nationality", lambda b: b["person"].update(nationality=""), "person.nationality"),
    ("no identity", lambda b: b["person"].pop("id_number"), "person.id_number"),
    ("bad date", lambda b: b["person"].update(date_of_birth="1990-02-30"), "person.date_of_birth"),
    ("date in another format", lambda b: b["person"].update(date_of_birth="17/05/1990"), "person.date_of_birth"),
    ("unknown gender", lambda b: b["person"].update(gender="x"), "person.gender"),
    ("unknown kind", lambda b: b.update(kind="weekly"), "kind"),
    ("person as text", lambda b: b.update(person="me"), "person"),
    ("no person", lambda b: b.pop("person"), "person"),
    ("bad client id", lambda b: b.update(client_id="not-a-uuid"), "client_id"),
    ("integer client id", lambda b: b.update(client_id=5), "client_id"),
    ("null client id", lambda b: b.update(client_id=None), "client_id"),
    (
        "bad country",
        lambda b: b.update(kind="entry", entry=_entry(countries_visited=["GBR"])),
        "entry.countries_visited.0",
    ),
]


def _entry(**changes: Any) -> dict[str, Any]:
    entry = {
        "port_of_entry": "Nội Bài",
        "flight_number": "VN 54",
        "countries_visited": ["GB"],
        "quarantine_address": "x",
    }
    return {**entry, **changes}


def _both_paths(body: dict[str, Any]) -> tuple[Declaration | str, Declaration | str]:
    """What the schema makes of the bytes, and of the same body parsed first."""
    raw = json.dumps(body).encode()
    try:
        fast: Declaration | str = msgspec.json.decode(raw, type=Declaration)
    except msgspec.ValidationError as error:
        fast = refusal_of(error).field
    try:
        parsed: Declaration | str = convert(json.loads(raw), Declaration)
    except Refused as refused:
        parsed = refused.refusal.field
    return fast, parsed


@pytest.mark.parametrize("change", [c for _name, c in ACCEPTED], ids=[name for name, _c in ACCEPTED])
def test_the_schema_accepts_an_ordinary_body_the_same_on_both_paths(
    daily_body: dict[str, Any], change: Callable[[dict[str, Any]], Any]
) -> None:
    body = copy.deepcopy(daily_body)
    change(body)
    fast, parsed = _both_paths(body)
    assert isinstance(fast, Declaration) and isinstance(parsed, Declaration), (fast, parsed)
    assert submit_arguments(fast) == submit_arguments(parsed)


@pytest.mark.parametrize(("change", "field"), [(c, f) for _n, c, f in REFUSED], ids=[n for n, _c, _f in REFUSED])
def test_the_schema_refuses_an_odd_body_the_same_on_both_paths_naming_the_field(
    daily_body: dict[str, Any], change: Callable[[dict[str, Any]], Any], field: str
) -> None:
    body = copy.deepcopy(daily_body)
    change(body)
    assert _both_paths(body) == (field, field)


def test_what_the_schema_reads_is_what_the_service_takes(daily_body: dict[str, Any]) -> None:
    daily_body["person"]["full_name"] = "  nguyễn  văn AN "
    daily_body["client_id"] = "5f0e3c9a5b7e4d539f0f3b1c1e2f4a6b"
    arguments = submit_arguments(msgspec.json.decode(json.dumps(daily_body).encode(), type=Declaration))
    assert arguments["person"].full_name == "nguyễn  văn AN"
    assert str(arguments["person"].date_of_birth) == "1990-05-17"
    assert arguments["person"].nationality == "VN" and arguments["kind"] == "daily"
    assert str(arguments["client_id"]) == "5f0e3c9a-5b7e-4d53-9f0f-3b1c1e2f4a6b"
