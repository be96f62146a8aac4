"""Odd declarations get a 4xx in the error envelope, the same whatever reader serves them,
and write nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from declarations.models import Declaration
from tests.factories import home_ward

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations/"


def body() -> dict[str, Any]:
    return {
        "kind": "daily",
        "person": {
            "full_name": "Lò Văn Páo",
            "id_number": "012090123456",
            "date_of_birth": "1990-05-17",
            "gender": "male",
            "phone": "0912345678",
            "ward_code": home_ward(0).code,
            "address": "Bản Nà Lại",
        },
    }


ODD: list[tuple[str, Any]] = [
    ("kind", "\udfff"),
    ("symptoms", ["\udfff"]),
    ("symptoms", "cough"),
    ("client_id", 5),
    ("client_id", "not-a-uuid"),
    ("person.full_name", "Lò\udfffPáo"),
    ("person.full_name", "Lò Văn\u202e Páo"),
    ("person.full_name", "Lò\u200bVăn Páo"),
    ("person.full_name", ""),
    ("person.address", "\udfff"),
    ("person.address", "Bản\u2066 Nà"),
    ("person.phone", "\udfff"),
    ("person.id_number", "01209012345\u0301"),
    ("person.id_number", "０１２０９０１２３４５６"),
    ("person.date_of_birth", "0001-01-01"),
    ("person.date_of_birth", "9999-12-31"),
    ("person.ward_code", 2**63),
    ("person.ward_code", -1),
    ("person.nationality", "\udfff\udfff"),
    ("person.passport_number", "\udfff"),
    ("person.email", "a@\udfff.com"),
    ("person.gender", None),
    ("person", None),
    ("exposures", {"case_contact": "\udfff"}),
]


def with_value(path: str, value: Any) -> dict[str, Any]:
    data = body()
    *parents, key = path.split(".")
    target = data
    for name in parents:
        target = target[name]
    target[key] = value
    return data


@pytest.mark.parametrize(("path", "value"), ODD)
def test_an_odd_declaration_gets_the_same_4xx_whatever_reader_serves_it(path: str, value: Any) -> None:
    raw = json.dumps(with_value(path, value))
    plain = Client().post(URL, raw, content_type="application/json")
    general = Client().post(URL, raw, content_type="application/json; charset=utf-8")
    assert 400 <= plain.status_code < 500, plain.content
    assert (plain.status_code, plain.json()) == (general.status_code, general.json())
    assert set(plain.json()) >= {"code", "detail"}
    assert not Declaration.objects.exists()


def test_an_integer_client_id_is_refused_not_read_as_a_uuid() -> None:
    response = Client().post(URL, json.dumps({**body(), "client_id": 5}), content_type="application/json")
    assert response.status_code == 400 and "client_id" in response.json()["errors"]
