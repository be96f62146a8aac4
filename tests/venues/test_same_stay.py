"""A person checked in and still here is one stay: a second check-in (a tap, a pasted code,
the owner's scan, the API) returns that stay and counts nobody twice. Decided once, in the
check-in service; the API's new check-in stays one statement."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from declarations.services import Answers, PersonInput, declaration_submit
from tests.factories import PersonFactory, home_ward
from truyvet.accounts.models import User
from truyvet.people import device
from truyvet.people.models import Person
from venues.models import CheckIn, Venue
from venues.selectors import checkins_today_by_venue
from venues.services import VenueInput, checkin_record, checkins_record_for_household, checkout, venue_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def venue(venue_owner: User) -> Venue:
    return venue_create(
        owner=venue_owner,
        data=VenueInput(name="Chợ Tân Phong", category="market", address="Số 1", ward_code=home_ward(0).code),
    )


@pytest.fixture
def other_venue(venue_owner: User) -> Venue:
    return venue_create(
        owner=venue_owner,
        data=VenueInput(name="Quán Hoa Ban", category="restaurant", address="Số 2", ward_code=home_ward(0).code),
    )


@pytest.fixture
def token() -> str:
    person = PersonInput(
        full_name="Hà Văn Khách", id_number="012090000777", date_of_birth=None, gender="male",
        ward_code=home_ward(0).code,
    )  # fmt: skip
    return declaration_submit(kind="daily", person=person, answers=Answers()).qr_token


def api_checkin(client: Client, venue: Venue, token: str, **extra: Any) -> Any:
    body = {"venue_code": venue.code, "qr_token": token, "client_id": str(uuid.uuid4()), **extra}
    return client.post("/api/v1/checkins/", json.dumps(body, default=str), content_type="application/json")


# The service


def test_a_second_check_in_of_a_person_still_here_returns_the_same_stay(venue: Venue) -> None:
    person = PersonFactory()
    first, created = checkin_record(venue=venue, person=person, client_id=uuid.uuid4())
    again, created_again = checkin_record(venue=venue, person=person, client_id=uuid.uuid4())
    assert created and not created_again and again.pk == first.pk
    assert again.checked_in_at == first.checked_in_at and again.ends_at == first.ends_at
    assert CheckIn.objects.count() == 1 and checkins_today_by_venue([venue.pk]) == {venue.pk: 1}


def test_after_checking_out_or_when_the_stay_is_over_a_check_in_is_a_new_stay(venue: Venue) -> None:
    person = PersonFactory()
    first, _ = checkin_record(venue=venue, person=person, client_id=uuid.uuid4())
    checkout(checkin=first, person=person)
    second, created = checkin_record(venue=venue, person=person, client_id=uuid.uuid4())
    assert created and second.pk != first.pk
    CheckIn.objects.filter(pk=second.pk).update(
        checked_in_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    _third, created = checkin_record(venue=venue, person=person, client_id=uuid.uuid4())
    assert created and CheckIn.objects.count() == 3


def test_being_here_is_per_venue_and_per_person(venue: Venue, other_venue: Venue) -> None:
    person, friend = PersonFactory(), PersonFactory()
    checkin_record(venue=venue, person=person, client_id=uuid.uuid4())
    assert checkin_record(venue=other_venue, person=person, client_id=uuid.uuid4())[1]
    assert checkin_record(venue=venue, person=friend, client_id=uuid.uuid4())[1]
    assert CheckIn.objects.count() == 3


def test_a_late_check_in_from_a_phone_that_was_offline_joins_the_stay_it_falls_in(venue: Venue) -> None:
    person = PersonFactory()
    earlier = timezone.now() - timedelta(minutes=30)
    first, _ = checkin_record(venue=venue, person=person, client_id=uuid.uuid4(), checked_in_at=earlier)
    late, created = checkin_record(
        venue=venue, person=person, client_id=uuid.uuid4(), checked_in_at=earlier + timedelta(minutes=10)
    )
    assert not created and late.pk == first.pk


def test_a_family_tap_checks_in_only_those_not_here_yet(venue: Venue) -> None:
    mother: Person = PersonFactory()
    son: Person = PersonFactory()
    checkin_record(venue=venue, person=mother, client_id=uuid.uuid4())
    result = checkins_record_for_household(venue=venue, people=[mother, son], base_client_id=uuid.uuid4())
    assert [c.person_id for c in result.checked_in] == [son.pk]
    assert [c.person_id for c in result.already_here] == [mother.pk]
    assert CheckIn.objects.count() == 2


# The page


def remember(client: Client, *people: Person) -> None:
    client.cookies[device.COOKIE] = device.cookie_value({p.ref: True for p in people})


def test_the_page_offers_no_second_check_in_to_a_person_already_here(client: Client, venue: Venue) -> None:
    person = PersonFactory(full_name="Lò Văn Páo")
    remember(client, person)
    page = client.get(reverse("venue_checkin", args=[venue.code])).content.decode()
    assert ">Check-in</button>" in page
    checkin_record(venue=venue, person=person, client_id=uuid.uuid4())
    page = client.get(reverse("venue_checkin", args=[venue.code])).content.decode()
    assert ">Check-in</button>" not in page and f'name="person" value="{person.ref}"' not in page
    assert "Đang có mặt" in page and "Check-out (rời đi)" in page


def test_a_tap_from_a_stale_page_for_a_person_already_here_counts_once_and_says_so(
    client: Client, venue: Venue
) -> None:
    person = PersonFactory(full_name="Lò Văn Páo")
    remember(client, person)
    url = reverse("venue_checkin", args=[venue.code])
    for _tap in range(2):  # two phones of the family, or the page left open: new client ids each time
        response = client.post(url, {"action": "checkin", "person": [person.ref], "client_id": str(uuid.uuid4())})
    assert CheckIn.objects.count() == 1
    assert "Đã check-in từ trước, đang có mặt: Lò Văn Páo." in client.get(response["Location"]).content.decode()


def test_a_pasted_code_of_a_person_already_here_counts_once(client: Client, venue: Venue, token: str) -> None:
    url = reverse("venue_checkin", args=[venue.code])
    client.post(url, {"action": "token", "qr_token": token, "client_id": str(uuid.uuid4())})
    response = client.post(url, {"action": "token", "qr_token": token, "client_id": str(uuid.uuid4())})
    assert CheckIn.objects.count() == 1
    assert "Đã check-in từ trước, đang có mặt: Hà V. K." in client.get(response["Location"]).content.decode()


# The owner's scan


def test_the_owner_scanning_a_visitor_still_here_gets_the_same_stay(
    client: Client, venue_owner: User, venue: Venue, token: str
) -> None:
    client.force_login(venue_owner)
    url = reverse("venues:assist_checkin", args=[venue.pk])

    def scan() -> Any:
        body = {"qr_token": token, "client_id": str(uuid.uuid4())}
        return client.post(url, json.dumps(body), content_type="application/json").json()

    first, second = scan(), scan()
    assert first["ok"] and not first["already_here"]
    assert second["ok"] and second["already_here"] and second["checked_in_at"] == first["checked_in_at"]
    assert CheckIn.objects.count() == 1 and checkins_today_by_venue([venue.pk]) == {venue.pk: 1}


def test_the_scanner_page_has_words_for_a_visitor_already_here(client: Client, venue_owner: User, venue: Venue) -> None:
    client.force_login(venue_owner)
    page = client.get(reverse("venues:assist", args=[venue.pk])).content.decode()
    assert 'data-here="Đã check-in từ trước, đang có mặt:"' in page


# The API


def test_the_api_answers_a_second_check_in_of_a_person_still_here_with_200_and_the_same_id(
    client: Client, venue: Venue, token: str
) -> None:
    first = api_checkin(client, venue, token)
    again = api_checkin(client, venue, token)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    assert CheckIn.objects.count() == 1


def test_the_api_answers_a_check_in_after_a_check_out_with_a_new_stay(client: Client, venue: Venue, token: str) -> None:
    first = api_checkin(client, venue, token)
    client.post(
        f"/api/v1/checkins/{first.json()['id']}/checkout/", json.dumps({"qr_token": token}),
        content_type="application/json",
    )  # fmt: skip
    again = api_checkin(client, venue, token)
    assert again.status_code == 201 and again.json()["id"] != first.json()["id"]


def test_the_api_replay_of_a_client_id_is_still_answered_after_a_check_out(
    client: Client, venue: Venue, token: str
) -> None:
    client_id = str(uuid.uuid4())
    first = api_checkin(client, venue, token, client_id=client_id)
    client.post(
        f"/api/v1/checkins/{first.json()['id']}/checkout/", json.dumps({"qr_token": token}),
        content_type="application/json",
    )  # fmt: skip
    again = api_checkin(client, venue, token, client_id=client_id)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"] and CheckIn.objects.count() == 1


def test_the_api_still_writes_a_new_check_in_in_one_statement(client: Client, venue: Venue, token: str) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = api_checkin(client, venue, token)
    assert response.status_code == 201
    statements = [q["sql"] for q in queries.captured_queries]
    if connection.vendor != "postgresql":
        # SQLite has no data-modifying WITH: the step-by-step path, one stay and its receipt.
        assert sum(s.startswith("INSERT INTO venues_checkin ") for s in statements) == 1, statements
        assert sum(s.startswith("INSERT INTO venues_checkinreceipt ") for s in statements) == 1, statements
        return
    assert len(statements) == 1, statements
    assert "NOT EXISTS" in statements[0]
    assert "venues_checkinreceipt" in statements[0]  # the stay and its receipt together
