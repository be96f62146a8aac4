"""What a code typed or read at the scanner names is decided once
(``checkpoints.selectors.lookup.typed_identifier``): the type-in box asks it."""

from __future__ import annotations

from checkpoints.selectors.lookup import typed_identifier


def test_a_trip_code_is_a_trip_code_whatever_its_case() -> None:
    assert typed_identifier(" trip-ab12cd34 ") == ("trip_code", "TRIP-AB12CD34")


def test_three_dotted_parts_of_base64url_are_a_personal_qr_token() -> None:
    token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    assert typed_identifier(token) == ("qr_token", token)


def test_a_vietnamese_mobile_number_is_a_phone() -> None:
    assert typed_identifier("0912 345 678") == ("phone", "0912 345 678")


def test_anything_else_is_an_id_number_of_at_most_twenty_characters() -> None:
    assert typed_identifier("012090000111") == ("id_number", "012090000111")
    assert typed_identifier("B1234567") == ("id_number", "B1234567")
    assert typed_identifier("X" * 30) == ("id_number", "X" * 20)
