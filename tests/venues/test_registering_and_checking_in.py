from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import PersonFactory, UserFactory, home_ward
from truyvet.accounts.models import Role, User
from truyvet.lib.errors import DomainError
from venues.models import CheckIn, Venue
from venues.rotating import fresh_code, fresh_code_is_valid
from venues.services import (
    VenueInput,
    checkin_record,
    checkins_purge,
    checkins_record_for_household,
    checkout,
    venue_create,
    venue_for_checkin,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def venue(venue_owner: User) -> Venue:
    return venue_create(
        owner=venue_owner,
        data=VenueInput(name="Chợ Tam Đường", category="market", address="Thị trấn", ward_code=home_ward(0).code),
    )


def test_a_citizen_who_registers_a_venue_becomes_its_owner(citizen: User) -> None:
    venue = venue_create(
        owner=citizen,
        data=VenueInput(name="Quán phở", category="restaurant", address="Số 1", ward_code=home_ward(0).code),
    )
    citizen.refresh_from_db()
    assert citizen.role == Role.VENUE_OWNER and venue.owner == citizen
    assert len(venue.code) == 8 and venue.code.isalnum()


@pytest.mark.parametrize(
    ("latitude", "longitude", "code"),
    [(48.85, 2.35, "location_outside_vietnam"), (22.39, None, "invalid_location"), ("abc", 103.4, "invalid_location")],
)
def test_a_location_outside_viet_nam_or_half_given_is_refused(latitude: object, longitude: object, code: str) -> None:
    owner = UserFactory(role=Role.VENUE_OWNER)
    data = VenueInput(
        name="X", category="office", address="Y", ward_code=home_ward(0).code, latitude=latitude, longitude=longitude
    )  # type: ignore[arg-type]
    with pytest.raises(DomainError) as error:
        venue_create(owner=owner, data=data)
    assert error.value.code == code
    assert not Venue.objects.exists()


def test_a_stay_ends_after_the_categorys_usual_time_until_the_visitor_checks_out(venue: Venue) -> None:
    person = PersonFactory()
    an_hour_ago = timezone.now() - timedelta(hours=1)
    checkin, created = checkin_record(venue=venue, person=person, client_id=uuid.uuid4(), checked_in_at=an_hour_ago)
    assert created and checkin.ends_at - checkin.checked_in_at == timedelta(minutes=90)
    later = checkin.checked_in_at + timedelta(minutes=20)
    checkout(checkin=checkin, person=person, checked_out_at=later)
    checkin.refresh_from_db()
    assert checkin.checked_out_at == later and checkin.ends_at == later


def test_the_same_client_id_is_one_check_in_and_reused_for_another_person_is_a_conflict(venue: Venue) -> None:
    person = PersonFactory()
    client_id = uuid.uuid4()
    first, created = checkin_record(venue=venue, person=person, client_id=client_id)
    again, created_again = checkin_record(venue=venue, person=person, client_id=client_id)
    assert created and not created_again and first.pk == again.pk
    with pytest.raises(DomainError) as error:
        checkin_record(venue=venue, person=PersonFactory(), client_id=client_id)
    assert error.value.code == "client_id_conflict" and error.value.status == 409
    assert CheckIn.objects.count() == 1


def test_a_family_checks_in_together_once_even_on_a_double_tap(venue: Venue) -> None:
    family = [PersonFactory(), PersonFactory(), PersonFactory()]
    base = uuid.uuid4()
    checkins_record_for_household(venue=venue, people=family, base_client_id=base)
    checkins_record_for_household(venue=venue, people=family, base_client_id=base)
    assert CheckIn.objects.filter(venue=venue).count() == 3


def test_someone_else_cannot_check_out_a_stay(venue: Venue) -> None:
    checkin, _ = checkin_record(venue=venue, person=PersonFactory(), client_id=uuid.uuid4())
    with pytest.raises(DomainError) as error:
        checkout(checkin=checkin, person=PersonFactory())
    assert error.value.code == "not_your_checkin"


def test_a_deactivated_venue_takes_no_check_in(venue: Venue) -> None:
    venue.is_active = False
    venue.save()
    with pytest.raises(DomainError) as error:
        venue_for_checkin(venue.code)
    assert error.value.code == "venue_inactive"


def test_a_venue_in_display_mode_accepts_the_current_and_the_previous_code_only(venue: Venue, settings: object) -> None:
    venue.require_fresh_code = True
    venue.save()
    now = timezone.now()
    period = timedelta(seconds=settings.VENUE_CODE_ROTATE_SECONDS)  # type: ignore[attr-defined]
    assert fresh_code_is_valid(venue, fresh_code(venue, now), now)
    assert fresh_code_is_valid(venue, fresh_code(venue, now - period), now)
    assert not fresh_code_is_valid(venue, fresh_code(venue, now - 2 * period), now)
    assert not fresh_code_is_valid(venue, "123.forged", now)
    with pytest.raises(DomainError) as error:
        venue_for_checkin(venue.code, fresh_code="")
    assert error.value.code == "venue_code_expired"
    assert venue_for_checkin(venue.code.lower(), fresh_code=fresh_code(venue, now)) == venue


def test_purge_deletes_only_check_ins_past_retention(venue: Venue) -> None:
    person = PersonFactory()
    now = timezone.now()
    for days in (0, 20, 22, 30):
        at = now - timedelta(days=days)
        CheckIn.objects.create(venue=venue, person=person, client_id=uuid.uuid4(), checked_in_at=at, ends_at=at)
    assert checkins_purge(batch=1) == 2
    assert CheckIn.objects.count() == 2
    assert checkins_purge() == 0


def test_a_hostile_rotating_code_in_the_url_is_a_page_not_an_error(client: object, venue: Venue) -> None:
    response = client.get(f"/v/{venue.code}", {"t": "1.ab\r\nSet-Cookie: x=1"})  # type: ignore[attr-defined]
    assert response.status_code == 200
