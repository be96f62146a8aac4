"""The submit endpoint reads ordinary bodies without DRF's serializer (its hot path). Whatever
the plain reader accepts, the serializer accepts too and turns into the same arguments; what
it does not accept goes to the serializer, so errors stay the serializer's."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from declarations.api import DeclarationSerializer, read_declaration, submit_arguments

pytestmark = pytest.mark.django_db  # the body's ward comes from the database

CHANGES: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
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
    # left to the serializer (None), valid or not
    ("entry", lambda b: b.update(kind="entry")),
    ("domestic", lambda b: b.update(kind="domestic", domestic={"origin_ward_code": 1, "destination_ward_code": 2})),
    ("email", lambda b: b["person"].update(email="an@example.org")),
    ("text ward", lambda b: b["person"].update(ward_code="3388")),
    ("boolean ward", lambda b: b["person"].update(ward_code=True)),
    ("ward out of range", lambda b: b["person"].update(ward_code=100000)),
    ("text exposure", lambda b: b.update(exposures={"case_contact": "true"})),
    ("null exposures", lambda b: b.update(exposures=None)),
    ("unknown symptom", lambda b: b.update(symptoms=["headache"])),
    ("symptoms as text", lambda b: b.update(symptoms="fever")),
    ("eleven symptoms", lambda b: b.update(symptoms=["fever"] * 11)),
    ("long name", lambda b: b["person"].update(full_name="x" * 151)),
    ("blank name", lambda b: b["person"].update(full_name="   ")),
    ("nul in name", lambda b: b["person"].update(full_name="An\x00")),
    ("surrogate in name", lambda b: b["person"].update(full_name="An\ud800")),
    ("blank nationality", lambda b: b["person"].update(nationality="")),
    ("no identity", lambda b: b["person"].pop("id_number")),
    ("bad date", lambda b: b["person"].update(date_of_birth="1990-02-30")),
    ("date in another format", lambda b: b["person"].update(date_of_birth="17/05/1990")),
    ("unknown gender", lambda b: b["person"].update(gender="x")),
    ("unknown kind", lambda b: b.update(kind="weekly")),
    ("person as text", lambda b: b.update(person="me")),
    ("bad client id", lambda b: b.update(client_id="not-a-uuid")),
]


@pytest.mark.parametrize("change", [c for _name, c in CHANGES], ids=[name for name, _c in CHANGES])
def test_the_plain_reader_accepts_only_what_the_serializer_accepts_and_reads_it_the_same(
    daily_body: dict[str, Any], change: Callable[[dict[str, Any]], Any]
) -> None:
    body = copy.deepcopy(daily_body)
    change(body)
    body = json.loads(json.dumps(body))
    plain = read_declaration(body)
    serializer = DeclarationSerializer(data=body)
    if plain is None:
        return  # the serializer decides, as before
    assert serializer.is_valid(), serializer.errors
    assert submit_arguments(plain) == submit_arguments(serializer.validated_data)


def test_ordinary_bodies_take_the_plain_path(daily_body: dict[str, Any]) -> None:
    assert read_declaration(json.loads(json.dumps(daily_body))) is not None
