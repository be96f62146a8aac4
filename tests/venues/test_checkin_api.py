"""The public check-in contract (API.md, "Venues and check-in") and venue registration."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.authtoken.models import Token

from declarations.services import Answers, PersonInput, declaration_submit
from tests.factories import UserFactory, home_ward
from truyvet.accounts.models import Role, User
from truyvet.lib import signing
from truyvet.people.models import Person
from venues.models import CheckIn, Venue
from venues.rotating import fresh_code
from venues.services import VenueInput, venue_create

pytestmark = pytest.mark.django_db


def token_for(id_number: str = "012090000111", name: str = "Lò Văn Páo") -> str:
    """A real personal QR token, from a real declaration."""
    person = PersonInput(
        full_name=name, id_number=id_number, date_of_birth=None, gender="male", ward_code=home_ward(0).code
    )
    return declaration_submit(kind="daily", person=person, answers=Answers()).qr_token


def make_venue(name: str = "Chợ Tân Phong", category: str = "market", **fields: Any) -> Venue:
    venue = venue_create(
        owner=UserFactory(role=Role.VENUE_OWNER),
        data=VenueInput(name=name, category=category, address="Số 1", ward_code=home_ward(0).code),
    )
    if fields:
        Venue.objects.filter(pk=venue.pk).update(**fields)
        venue.refresh_from_db()
    return venue


@pytest.fixture
def venue() -> Venue:
    return make_venue()


def post(client: Client, url: str, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(url, json.dumps(body, default=str), content_type="application/json", **headers)


def checkin(client: Client, **body: Any) -> Any:
    return post(client, "/api/v1/checkins/", body)


def checkout(client: Client, checkin_id: int, **body: Any) -> Any:
    return post(client, f"/api/v1/checkins/{checkin_id}/checkout/", body)


def body_for(venue: Venue, **extra: Any) -> dict[str, Any]:
    return {"venue_code": venue.code, "qr_token": token_for(), "client_id": str(uuid.uuid4()), **extra}


def at(response: Any, field: str) -> datetime | None:
    value = response.json()[field]
    return parse_datetime(value) if value else None


# Check-in


def test_a_check_in_with_a_real_token_returns_the_record(client: Client, venue: Venue) -> None:
    response = checkin(client, **body_for(venue))
    assert response.status_code == 201
    data = response.json()
    assert set(data) >= {"id", "venue_code", "checked_in_at", "checked_out_at"}
    assert data["venue_code"] == venue.code and data["checked_out_at"] is None
    record = CheckIn.objects.get()
    assert data["id"] == record.pk and at(response, "checked_in_at") == record.checked_in_at
    assert record.person == Person.objects.get() and record.venue == venue
    assert parse_datetime(data["checked_in_at"]).utcoffset() is not None  # type: ignore[union-attr]


def test_the_venue_code_is_read_whatever_its_case_and_spaces(client: Client, venue: Venue) -> None:
    response = checkin(client, **body_for(venue, venue_code=f"  {venue.code.lower()} "))
    assert response.status_code == 201 and response.json()["venue_code"] == venue.code


def test_the_same_client_id_again_returns_the_same_record_and_writes_nothing(client: Client, venue: Venue) -> None:
    body = body_for(venue)
    first = checkin(client, **body)
    again = checkin(client, **body)
    assert again.status_code == 200 and again.json() == first.json()
    assert CheckIn.objects.count() == 1


def test_a_replay_is_answered_even_after_the_venue_closed(client: Client, venue: Venue) -> None:
    body = body_for(venue)
    first = checkin(client, **body)
    Venue.objects.filter(pk=venue.pk).update(is_active=False)
    again = checkin(client, **body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]


def test_the_same_client_id_at_another_venue_is_a_409_and_writes_nothing(client: Client, venue: Venue) -> None:
    other = make_venue("Quán Hoa Ban", "restaurant")
    body = body_for(venue)
    checkin(client, **body)
    response = checkin(client, **{**body, "venue_code": other.code})
    assert response.status_code == 409 and response.json()["code"] == "client_id_conflict"
    assert CheckIn.objects.count() == 1 and not CheckIn.objects.filter(venue=other).exists()


def test_the_same_client_id_for_another_person_is_a_409(client: Client, venue: Venue) -> None:
    body = body_for(venue)
    checkin(client, **body)
    response = checkin(client, **{**body, "qr_token": token_for("012090000222", "Người Khác")})
    assert response.status_code == 409 and response.json()["code"] == "client_id_conflict"
    assert CheckIn.objects.count() == 1


def tampered(token: str, sub: str) -> str:
    """The token with another person's ref in its payload and the original signature."""
    header, payload, signature = token.split(".")
    claims = json.loads(signing.b64url_decode(payload))
    claims["sub"] = sub
    return f"{header}.{signing.b64url_encode(json.dumps(claims).encode())}.{signature}"


def _forge(body: dict[str, Any], venue: Venue) -> None:
    token_for("012090000333", "Nạn Nhân")
    victim = Person.objects.get(id_number="012090000333")
    body["qr_token"] = tampered(body["qr_token"], victim.ref)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda b, v: b.update(venue_code="NOPE2345"), "unknown_venue"),
        (lambda b, v: b.update(venue_code=""), "invalid"),
        (lambda b, v: Venue.objects.filter(pk=v.pk).update(is_active=False), "venue_inactive"),
        (_forge, "token_bad_signature"),
        (lambda b, v: b.update(qr_token="not-a-token"), "token_malformed"),
        (lambda b, v: b.update(qr_token="a.b.c"), "token_malformed"),
        (lambda b, v: b.update(checked_in_at=timezone.now() - timedelta(hours=25)), "time_too_old"),
        (lambda b, v: b.update(checked_in_at=timezone.now() + timedelta(minutes=10)), "time_in_future"),
        (lambda b, v: Venue.objects.filter(pk=v.pk).update(require_fresh_code=True), "venue_code_expired"),
        (lambda b, v: b.update(client_id="not-a-uuid"), "invalid"),
    ],
    ids=[
        "unknown venue",
        "empty venue code",
        "inactive venue",
        "forged token",
        "malformed token",
        "malformed jws",
        "25 hours old",
        "10 minutes ahead",
        "no fresh code",
        "bad client id",
    ],
)
def test_a_bad_check_in_gets_a_400_with_its_code_and_writes_nothing(
    client: Client, venue: Venue, change: Callable[[dict[str, Any], Venue], Any], code: str
) -> None:
    body = body_for(venue)
    change(body, venue)
    response = checkin(client, **body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code and response.json()["detail"]
    assert not CheckIn.objects.exists()


def test_an_expired_personal_qr_is_refused_and_nothing_is_written(client: Client, venue: Venue, settings: Any) -> None:
    settings.QR_TOKEN_TTL = timedelta(seconds=-1)
    response = checkin(client, **body_for(venue))
    assert response.status_code == 400 and response.json()["code"] == "token_expired"
    assert not CheckIn.objects.exists()


def test_a_phone_that_was_offline_may_send_its_check_in_two_hours_late(client: Client, venue: Venue) -> None:
    when = timezone.now() - timedelta(hours=2)
    response = checkin(client, **body_for(venue, checked_in_at=when.isoformat()))
    assert response.status_code == 201 and at(response, "checked_in_at") == when
    assert CheckIn.objects.get().checked_in_at == when


def test_a_time_without_its_offset_is_refused(client: Client, venue: Venue) -> None:
    naive = (timezone.now() - timedelta(hours=1)).replace(tzinfo=None).isoformat()  # UTC, but it does not say so
    response = checkin(client, **body_for(venue, checked_in_at=naive))
    assert response.status_code == 400 and response.json()["code"] == "time_without_offset"
    assert not CheckIn.objects.exists()


def test_a_venue_in_display_mode_takes_a_fresh_code_and_refuses_a_stale_one(client: Client) -> None:
    venue = make_venue(require_fresh_code=True)
    stale = fresh_code(venue, timezone.now() - timedelta(hours=1))
    response = checkin(client, **body_for(venue, fresh_code=stale))
    assert response.status_code == 400 and response.json()["code"] == "venue_code_expired"
    response = checkin(client, **body_for(venue, fresh_code=fresh_code(venue, timezone.now())))
    assert response.status_code == 201 and CheckIn.objects.count() == 1


# Check-out


@pytest.fixture
def stay(client: Client, venue: Venue) -> tuple[int, str]:
    """A check-in an hour ago, and its visitor's token."""
    token = token_for()
    response = checkin(
        client,
        venue_code=venue.code,
        qr_token=token,
        client_id=str(uuid.uuid4()),
        checked_in_at=(timezone.now() - timedelta(hours=1)).isoformat(),
    )
    return response.json()["id"], token


def test_the_visitor_checks_out_with_their_own_token(client: Client, stay: tuple[int, str]) -> None:
    checkin_id, token = stay
    response = checkout(client, checkin_id, qr_token=token)
    assert response.status_code == 200 and response.json()["id"] == checkin_id
    record = CheckIn.objects.get()
    assert at(response, "checked_out_at") == record.checked_out_at is not None
    assert record.ends_at == record.checked_out_at


def test_a_check_out_may_carry_its_time(client: Client, stay: tuple[int, str]) -> None:
    checkin_id, token = stay
    when = timezone.now() - timedelta(minutes=20)
    response = checkout(client, checkin_id, qr_token=token, checked_out_at=when.isoformat())
    assert response.status_code == 200 and at(response, "checked_out_at") == when


def test_another_persons_token_cannot_check_out_and_changes_nothing(client: Client, stay: tuple[int, str]) -> None:
    checkin_id, _token = stay
    response = checkout(client, checkin_id, qr_token=token_for("012090000222", "Người Khác"))
    assert response.status_code == 403 and response.json()["code"] == "not_your_checkin"
    assert CheckIn.objects.get().checked_out_at is None


def test_checking_out_twice_keeps_the_first_time(client: Client, stay: tuple[int, str]) -> None:
    checkin_id, token = stay
    first = checkout(client, checkin_id, qr_token=token)
    second = checkout(client, checkin_id, qr_token=token, checked_out_at=timezone.now().isoformat())
    assert second.status_code == 200 and second.json()["checked_out_at"] == first.json()["checked_out_at"]


@pytest.mark.parametrize(
    ("delta", "code"),
    [(timedelta(hours=-2), "checkout_before_checkin"), (timedelta(minutes=10), "time_in_future")],
    ids=["before check-in", "in the future"],
)
def test_a_check_out_at_an_impossible_time_is_a_400_and_changes_nothing(
    client: Client, stay: tuple[int, str], delta: timedelta, code: str
) -> None:
    checkin_id, token = stay
    response = checkout(client, checkin_id, qr_token=token, checked_out_at=(timezone.now() + delta).isoformat())
    assert response.status_code == 400 and response.json()["code"] == code
    assert CheckIn.objects.get().checked_out_at is None


def test_checking_out_of_an_unknown_check_in_is_a_404(client: Client) -> None:
    response = checkout(client, 999_999, qr_token=token_for())
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_check_out_with_a_bad_token_is_a_400(client: Client, stay: tuple[int, str]) -> None:
    checkin_id, _token = stay
    response = checkout(client, checkin_id, qr_token="not-a-token")
    assert response.status_code == 400 and response.json()["code"] == "token_malformed"
    assert CheckIn.objects.get().checked_out_at is None


# Venue registration


def owner_key(role: str = Role.VENUE_OWNER) -> str:
    return Token.objects.create(user=UserFactory(role=role)).key


def register(client: Client, key: str | None, **overrides: Any) -> Any:
    body = {"name": "Nhà nghỉ Hoa Ban", "category": "lodging", "address": "Số 3", "ward_code": home_ward(0).code,
            "latitude": "22.3960", "longitude": "103.4580", **overrides}  # fmt: skip
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}
    return post(client, "/api/v1/venues/", body, **headers)


def test_a_venue_owner_registers_a_venue_and_gets_its_links(client: Client) -> None:
    response = register(client, owner_key())
    assert response.status_code == 201
    data = response.json()
    venue = Venue.objects.get()
    assert data["id"] == venue.pk and data["code"] == venue.code
    assert data["checkin_url"] == f"http://testserver/v/{venue.code}"
    assert data["poster_pdf_url"].startswith("http://testserver/") and data["poster_pdf_url"].endswith("poster.pdf")
    assert data["poster_png_url"].startswith("http://testserver/") and data["poster_png_url"].endswith("poster.png")
    assert venue.ward == home_ward(0) and str(venue.latitude) == "22.396000"


def test_a_citizen_who_registers_a_venue_becomes_its_owner(client: Client, citizen: User) -> None:
    response = register(client, Token.objects.create(user=citizen).key)
    citizen.refresh_from_db()
    assert response.status_code == 201 and citizen.role == Role.VENUE_OWNER


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"latitude": 51.5, "longitude": -0.12}, "location_outside_vietnam"),
        ({"latitude": 21.0, "longitude": None}, "invalid_location"),
        ({"ward_code": 99_999}, "unknown_ward"),
        ({"category": "casino"}, "invalid"),
        ({"name": "   "}, "invalid"),
    ],
    ids=["London", "half a location", "unknown ward", "unknown category", "blank name"],
)
def test_a_bad_venue_is_a_400_and_nothing_is_written(client: Client, overrides: dict[str, Any], code: str) -> None:
    response = register(client, owner_key(), **overrides)
    assert response.status_code == 400 and response.json()["code"] == code
    assert not Venue.objects.exists()


def test_an_anonymous_caller_cannot_register_a_venue(client: Client) -> None:
    response = register(client, None)
    assert response.status_code in {401, 403} and not Venue.objects.exists()


def test_a_wrong_token_is_refused(client: Client) -> None:
    response = register(client, "0" * 40)
    # 403 rather than 401: session authentication comes first, and it sends no WWW-Authenticate
    assert response.status_code in {401, 403} and response.json()["code"] == "authentication_failed"
    assert not Venue.objects.exists()


@pytest.mark.parametrize("role", [Role.CHECKPOINT_STAFF, Role.COMMUNE_STATION, Role.BUS_OPERATOR])
def test_staff_of_other_kinds_cannot_register_a_venue_through_the_api(client: Client, role: str) -> None:
    response = register(client, owner_key(role))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert not Venue.objects.exists()
