"""Bad input to the check-in API and venue registration: a 4xx in the error envelope, the
same answer whichever reader serves the body, never a 500."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from tests.factories import UserFactory, home_ward
from tests.venues.test_checkin_api import body_for, make_venue, token_for
from truyvet.accounts.models import Role
from truyvet.lib.errors import DomainError
from venues.models import CheckIn, Venue
from venues.services import VenueInput, venue_create

pytestmark = pytest.mark.django_db

ODD_TIMES = [
    "9999-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00-14:00",
    "9999-12-31T23:59:59-14:00",
    "2018-12-31T23:00:00+07:00",
    "2026-02-30T08:00:00+07:00",
    "2026-01-01T08:00:00+24:00",
    "2026-01-01T08:00:00",
    "0\udfff12",
    "",
    12,
    None,
    [],
]
ODD_FIELDS: list[tuple[str, Any]] = [
    *(("checked_in_at", t) for t in ODD_TIMES),
    ("client_id", 5),
    ("client_id", 2**128),
    ("client_id", "0\udfff12"),
    ("client_id", "{" + str(uuid.UUID(int=7)) + "}"),
    ("client_id", str(uuid.UUID(int=7)).replace("-", "")),
    ("client_id", "urn:uuid:" + str(uuid.UUID(int=7))),
    ("venue_code", "0\udfff12"),
    ("venue_code", 2**63),
    ("venue_code", "A\u202eB"),
    ("qr_token", "0\udfff12"),
    ("qr_token", "x" * 5000),
    ("fresh_code", "0\udfff12"),
]


def send(client: Client, url: str, body: dict[str, Any], content_type: str) -> Any:
    return client.post(url, json.dumps(body), content_type=content_type)


@pytest.mark.parametrize(("field", "value"), ODD_FIELDS)
def test_an_odd_check_in_gets_the_same_answer_whatever_reader_serves_it(field: str, value: Any) -> None:
    venue = make_venue()
    answers = []
    for content_type in ("application/json", "application/json; charset=utf-8"):
        CheckIn.objects.all().delete()  # the same client_id twice would be a replay
        body = {**body_for(venue), field: value}
        response = send(Client(), "/api/v1/checkins/", body, content_type)
        assert response.status_code < 500, response.content
        answer = response.json()
        if response.status_code < 300:
            answer = {k: v for k, v in answer.items() if k not in {"id", "checked_in_at", "ends_at"}}
        answers.append((response.status_code, answer))
    assert answers[0] == answers[1]


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+14:00"])
def test_a_check_in_time_out_of_bounds_is_a_400_on_the_fast_path_too(when: str) -> None:
    venue = make_venue()
    response = send(Client(), "/api/v1/checkins/", {**body_for(venue), "checked_in_at": when}, "application/json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"code", "detail", "errors"}
    assert "checked_in_at" in response.json()["errors"]
    assert not CheckIn.objects.exists()


def test_an_integer_client_id_is_refused_not_read_as_a_uuid() -> None:
    response = send(Client(), "/api/v1/checkins/", {**body_for(make_venue()), "client_id": 5}, "application/json")
    assert response.status_code == 400
    assert "client_id" in response.json()["errors"]


@pytest.mark.parametrize("value", [t for t in ODD_TIMES if t is not None])
def test_an_odd_check_out_time_is_a_400_and_changes_nothing(value: Any) -> None:
    venue = make_venue()
    token = token_for()
    body = {"venue_code": venue.code, "qr_token": token, "client_id": str(uuid.uuid4())}
    created = send(Client(), "/api/v1/checkins/", body, "application/json").json()
    for content_type in ("application/json", "application/json; charset=utf-8"):
        response = send(
            Client(),
            f"/api/v1/checkins/{created['id']}/checkout/",
            {"qr_token": token, "checked_out_at": value},
            content_type,
        )
        assert response.status_code == 400, response.content
        assert "checked_out_at" in response.json()["errors"]
    assert CheckIn.objects.get().checked_out_at is None


def test_a_check_out_of_a_check_in_id_too_large_for_the_database_is_a_404() -> None:
    response = send(Client(), f"/api/v1/checkins/{2**63}/checkout/", {"qr_token": token_for()}, "application/json")
    assert response.status_code == 404
    assert set(response.json()) == {"code", "detail", "errors"}


@pytest.mark.parametrize("field", ["name", "address"])
@pytest.mark.parametrize("text", ["Chợ\u202e Tân", "Chợ\u200bTân", "\ufeffChợ", "Chợ\u2066 Tân", "Chợ\x1b Tân"])
def test_a_venue_name_or_address_with_invisible_characters_is_refused_with_a_message(field: str, text: str) -> None:
    fields = {"name": "Chợ Tân Phong", "address": "Số 1", field: text}
    with pytest.raises(DomainError) as refused:
        venue_create(
            owner=UserFactory(role=Role.VENUE_OWNER),
            data=VenueInput(category="market", ward_code=home_ward(0).code, **fields),  # type: ignore[arg-type]
        )
    assert refused.value.code == "invalid_characters"
    assert field in refused.value.errors
    assert not Venue.objects.exists()


def test_the_venue_api_answers_invisible_characters_and_huge_numbers_with_a_400(venue_owner_client: Client) -> None:
    base = {"name": "Chợ", "category": "market", "address": "Số 1", "ward_code": home_ward(0).code}
    for change in ({"name": "Chợ\u202eA"}, {"address": "0\udfff12"}, {"ward_code": 2**63}, {"latitude": 10**300}):
        response = venue_owner_client.post("/api/v1/venues/", {**base, **change}, content_type="application/json")
        assert response.status_code == 400, (change, response.content)
        assert set(change) <= set(response.json()["errors"])
    assert not Venue.objects.exists()
