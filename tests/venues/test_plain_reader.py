"""The check-in body has one definition (``venues.schemas.CheckIn``): the bytes of a request
(the API's fast path) and the same body parsed first (another charset) go through it, and
each body below is accepted or refused the same way on both, naming the same field."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgspec
import pytest

from truyvet.lib.errors import DomainError
from truyvet.lib.schema import Refused, convert, refusal_of
from venues.schemas import CheckIn

BODY = {"venue_code": " abcd2345 ", "qr_token": "a.b.c", "client_id": "5f0e3c9a-5b7e-4d53-9f0f-3b1c1e2f4a6b"}
ACCEPTED: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("as is", lambda b: None),
    ("with its time", lambda b: b.update(checked_in_at="2026-11-23T08:30:00+07:00")),
    ("a UTC time", lambda b: b.update(checked_in_at="2026-11-23T01:30:00Z")),
    ("unknown keys", lambda b: b.update(extra=[1])),
    ("fresh code", lambda b: b.update(fresh_code="123456")),
]
REFUSED: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
    ("naive time", lambda b: b.update(checked_in_at="2026-11-23T08:30:00"), "checked_in_at"),
    ("garbled time", lambda b: b.update(checked_in_at="yesterday"), "checked_in_at"),
    ("null time", lambda b: b.update(checked_in_at=None), "checked_in_at"),
    ("blank code", lambda b: b.update(venue_code="  "), "venue_code"),
    ("long code", lambda b: b.update(venue_code="A" * 41), "venue_code"),
    ("numeric code", lambda b: b.update(venue_code=12345678), "venue_code"),
    ("nul in token", lambda b: b.update(qr_token="a.b\x00.c"), "qr_token"),
    ("no token", lambda b: b.pop("qr_token"), "qr_token"),
    ("bad client id", lambda b: b.update(client_id="not-a-uuid"), "client_id"),
    ("numeric client id", lambda b: b.update(client_id=12), "client_id"),
    ("year 9999", lambda b: b.update(checked_in_at="9999-12-31T23:59:59+00:00"), "checked_in_at"),
    ("year 1", lambda b: b.update(checked_in_at="0001-01-01T00:00:00+14:00"), "checked_in_at"),
    ("before 2019", lambda b: b.update(checked_in_at="2018-12-31T23:00:00+07:00"), "checked_in_at"),
    ("lone surrogate in the code", lambda b: b.update(venue_code="AB\udfffCD"), "venue_code"),
]


def _read(body: dict[str, Any], *, fast: bool) -> CheckIn | str:
    """The schema's reading of the body, or the field it refuses."""
    try:
        if fast:
            return msgspec.json.decode(json.dumps(body).encode(), type=CheckIn)
        return convert(json.loads(json.dumps(body)), CheckIn)
    except msgspec.ValidationError as error:
        return refusal_of(error).field
    except msgspec.DecodeError:
        return "(not read on the fast path)"
    except Refused as refused:
        return refused.refusal.field
    except DomainError as error:
        return ",".join(error.errors)


@pytest.mark.parametrize("change", [c for _name, c in ACCEPTED], ids=[name for name, _c in ACCEPTED])
def test_the_schema_reads_an_ordinary_check_in_the_same_on_both_paths(change: Callable[[dict[str, Any]], Any]) -> None:
    body = dict(BODY)
    change(body)
    fast, parsed = _read(body, fast=True), _read(body, fast=False)
    assert isinstance(fast, CheckIn) and isinstance(parsed, CheckIn), (fast, parsed)
    assert fast == parsed
    assert (fast.venue_code, str(fast.client_uuid)) == ("abcd2345", BODY["client_id"])
    assert fast.arrived_at == parsed.arrived_at
    assert fast.arrived_at is None or (
        isinstance(fast.arrived_at, datetime) and fast.arrived_at.utcoffset() is not None
    )


@pytest.mark.parametrize(("change", "field"), [(c, f) for _n, c, f in REFUSED], ids=[n for n, _c, _f in REFUSED])
def test_the_schema_refuses_an_odd_check_in_naming_the_field(
    change: Callable[[dict[str, Any]], Any], field: str
) -> None:
    body = dict(BODY)
    change(body)
    assert _read(body, fast=False) == field
    assert _read(body, fast=True) in {field, "(not read on the fast path)"}  # a lone surrogate is not JSON to msgspec
