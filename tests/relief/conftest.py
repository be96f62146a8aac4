"""Help requests and volunteers for the relief tests: ward A is ``home_ward(0)`` (the
``insider``'s), ward B ``home_ward(1)`` (the ``outsider``'s)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from relief.consent import CONSENT_TEXT, CONSENT_VERSION
from relief.models import (
    Availability,
    EventAction,
    HelpRequest,
    HelpRequestEvent,
    HelpStatus,
    Volunteer,
    VolunteerSkill,
)
from tests.conftest import signed_in
from tests.factories import UserFactory, home_ward
from truyvet.accounts.models import Role, User
from truyvet.people.normalize import search_key

# A place in Lai Châu (the default province), inside RELIEF_AREA.
LATITUDE = Decimal("22.396428")
LONGITUDE = Decimal("103.458481")


def make_request(**fields: Any) -> HelpRequest:
    """A new help request in ward A, with its first history row."""
    values: dict[str, Any] = {
        "kind": "food",
        "latitude": LATITUDE,
        "longitude": LONGITUDE,
        "ward": home_ward(0),
        "phone": "+84981234567",
        "name": "Lò Thị Hoa",
        "address": "Bản Nà Khum, nhà thứ ba",
        "text": "Gia đình 5 người hết gạo",
        "status": HelpStatus.NEW,
        "status_changed_at": timezone.now(),
    }
    values.update(fields)
    sos = HelpRequest.objects.create(**values)
    HelpRequestEvent.objects.create(sos=sos, action=EventAction.SUBMITTED, to_status=HelpStatus.NEW)
    return sos


def make_volunteer(
    name: str = "Giàng A Páo", phone: str = "+84971234567", wards: list[Any] | None = None, **fields: Any
) -> Volunteer:
    """An active volunteer of ward A (unless given other wards) who rides a motorbike."""
    skills = fields.pop("skills", ["motorbike"])
    values: dict[str, Any] = {
        "full_name": name,
        "name_key": search_key(name),
        "phone": phone,
        "availability": Availability.ANY_TIME,
        "consent_version": CONSENT_VERSION,
        "consent_text": str(CONSENT_TEXT),
        "consented_at": timezone.now(),
    }
    values.update(fields)
    volunteer = Volunteer.objects.create(**values)
    volunteer.wards.set(wards if wards is not None else [home_ward(0)])
    VolunteerSkill.objects.bulk_create([VolunteerSkill(volunteer=volunteer, skill=s) for s in skills])
    return volunteer


@pytest.fixture
def sos(db: None) -> HelpRequest:
    """A new request for food in ward A."""
    return make_request()


@pytest.fixture
def volunteer(db: None) -> Volunteer:
    """Giàng A Páo, a volunteer of ward A."""
    return make_volunteer()


@pytest.fixture
def volunteer_user(volunteer: Volunteer) -> User:
    """The citizen account of the volunteer's phone (as the SMS sign-in creates it)."""
    return UserFactory(username="volunteer", role=Role.CITIZEN, phone=volunteer.phone, password=None)


@pytest.fixture
def volunteer_client(volunteer_user: User) -> Client:
    """The volunteer, signed in by SMS code."""
    return signed_in(volunteer_user)
