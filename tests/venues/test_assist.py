from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from declarations.services import Answers, PersonInput, declaration_submit
from tests.factories import UserFactory, home_ward
from truyvet.accounts.models import Role, User
from truyvet.lib.models import AuditEvent
from venues.models import CheckIn, Venue
from venues.services import VenueInput, venue_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def venue(venue_owner: User) -> Venue:
    return venue_create(
        owner=venue_owner,
        data=VenueInput(
            name="Chợ", category="market", address="x", ward_code=home_ward(0).code, require_fresh_code=True
        ),
    )


@pytest.fixture
def token() -> str:
    person = PersonInput(
        full_name="Vàng Thị Dung",
        id_number="012185000321",
        date_of_birth=None,
        gender="female",
        ward_code=home_ward(0).code,
    )
    return declaration_submit(kind="daily", person=person, answers=Answers()).qr_token


def post(client: Client, venue: Venue, body: object) -> object:
    return client.post(
        reverse("venues:assist_checkin", args=[venue.pk]), json.dumps(body), content_type="application/json"
    )


def test_the_owner_checks_in_a_visitor_on_site_even_in_display_mode(
    client: Client, venue_owner: User, venue: Venue, token: str
) -> None:
    client.force_login(venue_owner)
    assert client.get(reverse("venues:assist", args=[venue.pk])).status_code == 200
    response = post(client, venue, {"qr_token": token, "client_id": str(uuid.uuid4())})
    assert response.status_code == 200 and response.json() == {**response.json(), "ok": True, "name": "Vàng T. D."}
    checkin = CheckIn.objects.get()
    assert checkin.assisted_by == venue_owner
    assert AuditEvent.objects.filter(action="checkin.assisted", actor=venue_owner, person_id=checkin.person_id).exists()


def test_a_replay_is_one_check_in(client: Client, venue_owner: User, venue: Venue, token: str) -> None:
    client.force_login(venue_owner)
    body = {"qr_token": token, "client_id": str(uuid.uuid4())}
    post(client, venue, body)
    assert post(client, venue, body).json()["ok"] is True
    assert CheckIn.objects.count() == 1


def test_another_owner_gets_404_and_anonymous_visitors_sign_in(client: Client, venue: Venue, token: str) -> None:
    assert client.get(reverse("venues:assist", args=[venue.pk])).status_code == 302
    assert post(client, venue, {"qr_token": token, "client_id": str(uuid.uuid4())}).status_code == 302
    client.force_login(UserFactory(role=Role.VENUE_OWNER))
    assert post(client, venue, {"qr_token": token, "client_id": str(uuid.uuid4())}).status_code == 404
    assert not CheckIn.objects.exists()


BAD_BODIES = [
    ({"qr_token": "a.b.c", "client_id": str(uuid.uuid4())}, "token_malformed"),
    ({"qr_token": "x"}, "malformed_request"),
    ("not json", "malformed_request"),
]


@pytest.mark.parametrize(("body", "code"), BAD_BODIES)
def test_bad_input_is_a_400_with_a_code(
    client: Client, venue_owner: User, venue: Venue, body: object, code: str
) -> None:
    client.force_login(venue_owner)
    raw = body if isinstance(body, str) else json.dumps(body)
    response = client.post(reverse("venues:assist_checkin", args=[venue.pk]), raw, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == code
    assert not CheckIn.objects.exists()
