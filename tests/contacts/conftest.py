"""Builders for tracing tests: venues, stays, cases, phones that saw each other."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from contacts.models import Case, ProximityContact, ProximityDevice
from tests.factories import CaseFactory, CheckInFactory, PersonFactory, VenueFactory, home_ward
from truyvet.accounts.models import User
from truyvet.people.models import Person
from venues.models import CheckIn, Venue

# A fixed afternoon in the recent past: stays, windows and margins are set around it.
T0 = timezone.now().replace(microsecond=0, second=0, minute=0) - timedelta(days=1)


def at(minutes: float) -> datetime:
    """T0 plus this many minutes."""
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def cdc_api(cdc: User) -> Client:
    """The CDC officer calling the API with their token (no session)."""
    key = Token.objects.create(user=cdc).key
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture
def venue(db: None) -> Venue:
    """A market in ward A."""
    return VenueFactory(name="Chợ Trung tâm", category="market", address="1 Lê Lợi")


@pytest.fixture
def other_venue(db: None) -> Venue:
    """A restaurant in ward A."""
    return VenueFactory(name="Quán Phở", category="restaurant", address="2 Lê Lợi")


@pytest.fixture
def stay() -> Callable[..., CheckIn]:
    def make(person: Person, venue: Venue, start: float, end: float) -> CheckIn:
        """A stay from ``start`` to ``end`` minutes after T0."""
        return CheckInFactory(venue=venue, person=person, checked_in_at=at(start), ends_at=at(end))

    return make


@pytest.fixture
def make_case() -> Callable[..., Case]:
    def make(person: Person | None = None, **fields: Any) -> Case:
        """A confirmed case, infectious from two days before T0's date, not isolated yet.
        Created directly (no matching queued): tests call matching themselves."""
        fields.setdefault("confirmed_at", T0 + timedelta(hours=20))
        fields.setdefault("sample_date", T0.date())
        return CaseFactory(person=person or PersonFactory(), **fields)

    return make


@pytest.fixture
def encounter() -> Callable[..., ProximityContact]:
    def make(uploader: Person, other: Person, start: float, minutes: float, distance: float = 1.0) -> ProximityContact:
        """``uploader``'s phone logged ``other``'s phone for ``minutes`` from ``start``."""
        own, _ = ProximityDevice.objects.get_or_create(person=uploader)
        theirs, _ = ProximityDevice.objects.get_or_create(person=other)
        return ProximityContact.objects.create(
            device=own,
            other_device_id=theirs.device_id,
            first_seen=at(start),
            last_seen=at(start + minutes),
            min_distance_m=distance,
        )

    return make


@pytest.fixture
def people(db: None) -> Callable[[int], list[Person]]:
    def make(n: int) -> list[Person]:
        return [PersonFactory(ward=home_ward(0)) for _ in range(n)]

    return make
