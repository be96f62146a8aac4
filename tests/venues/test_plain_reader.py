"""The check-in endpoint reads ordinary bodies without DRF's serializer (its hot path): what
the plain reader accepts, the serializer accepts and reads the same; the rest goes to the
serializer, so errors stay the serializer's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from venues.api import CheckInSerializer, read_checkin

BODY = {"venue_code": " abcd2345 ", "qr_token": "a.b.c", "client_id": "5f0e3c9a-5b7e-4d53-9f0f-3b1c1e2f4a6b"}
CHANGES: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("as is", lambda b: None),
    ("with its time", lambda b: b.update(checked_in_at="2026-11-23T08:30:00+07:00")),
    ("a UTC time", lambda b: b.update(checked_in_at="2026-11-23T01:30:00Z")),
    ("unknown keys", lambda b: b.update(extra=[1])),
    # left to the serializer (None), valid or not
    ("fresh code", lambda b: b.update(fresh_code="123456")),
    ("naive time", lambda b: b.update(checked_in_at="2026-11-23T08:30:00")),
    ("garbled time", lambda b: b.update(checked_in_at="yesterday")),
    ("null time", lambda b: b.update(checked_in_at=None)),
    ("blank code", lambda b: b.update(venue_code="  ")),
    ("long code", lambda b: b.update(venue_code="A" * 41)),
    ("numeric code", lambda b: b.update(venue_code=12345678)),
    ("non-ASCII code", lambda b: b.update(venue_code="ĐĐĐĐ")),
    ("nul in token", lambda b: b.update(qr_token="a.b\x00.c")),
    ("no token", lambda b: b.pop("qr_token")),
    ("bad client id", lambda b: b.update(client_id="not-a-uuid")),
    ("numeric client id", lambda b: b.update(client_id=12)),
    ("year 9999", lambda b: b.update(checked_in_at="9999-12-31T23:59:59+00:00")),
    ("year 1", lambda b: b.update(checked_in_at="0001-01-01T00:00:00+14:00")),
    ("before 2019", lambda b: b.update(checked_in_at="2018-12-31T23:00:00+07:00")),
    ("lone surrogate in the code", lambda b: b.update(venue_code="AB\udfffCD")),
]
PLAIN = 4  # the first four take the plain path; the reader leaves every other one to the serializer


@pytest.mark.parametrize(
    ("index", "change"), list(enumerate(c for _name, c in CHANGES)), ids=[name for name, _c in CHANGES]
)
def test_the_plain_reader_accepts_only_what_the_serializer_accepts_and_reads_it_the_same(
    index: int, change: Callable[[dict[str, Any]], Any]
) -> None:
    body = dict(BODY)
    change(body)
    plain = read_checkin(body)
    if index >= PLAIN:
        assert plain is None  # the serializer decides (tests/venues/test_bad_input.py: the same answer)
        return
    assert plain is not None
    serializer = CheckInSerializer(data=body)
    assert serializer.is_valid(), serializer.errors
    assert plain == dict(serializer.validated_data)


def test_ordinary_bodies_take_the_plain_path() -> None:
    assert read_checkin(dict(BODY)) is not None
