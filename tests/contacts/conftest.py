"""Builders for tracing tests: venues, stays, cases, phones that saw each other."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from contacts.models import Case, ProximityContact, ProximityDevice
from tests.factories import PersonFactory, home_ward
from truyvet.people.models import Person
from venues.models import CheckIn, Venue

# A fixed afternoon in the recent past: stays, windows and margins are set around it.
T0 = timezone.now().replace(microsecond=0, second=0, minute=0) - timedelta(days=1)


def at(minutes: float) -> datetime:
    """T0 plus this many minutes."""
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def venue(db: None) -> Venue:
    return Venue.objects.create(name="Chợ Trung tâm", category="market", address="1 Lê Lợi", ward=home_ward(0))


@pytest.fixture
def other_venue(db: None) -> Venue:
    return Venue.objects.create(name="Quán Phở", category="restaurant", address="2 Lê Lợi", ward=home_ward(0))


@pytest.fixture
def stay() -> Callable[..., CheckIn]:
    def make(person: Person, venue: Venue, start: float, end: float) -> CheckIn:
        """A stay from ``start`` to ``end`` minutes after T0."""
        return CheckIn.objects.create(
            venue=venue, person=person, client_id=uuid.uuid4(), checked_in_at=at(start), ends_at=at(end)
        )

    return make


@pytest.fixture
def make_case() -> Callable[..., Case]:
    def make(person: Person | None = None, **fields: Any) -> Case:
        """A confirmed case, infectious from two days before T0's date, not isolated yet.
        Created directly (no matching queued): tests call matching themselves."""
        person = person or PersonFactory()
        fields.setdefault("classification", "confirmed")
        fields.setdefault("confirmed_at", T0 + timedelta(hours=20))
        fields.setdefault("sample_date", T0.date())
        return Case.objects.create(person=person, ward_id=person.ward_id, **fields)

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
