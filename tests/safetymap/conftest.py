"""The safety map's cast: a facility manager (Lê Thị Thu) who runs a school in ward A, and a
second manager who runs a market in ward B. Ward A's station moderates the school's reports."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import pytest
from django.test import Client

from safetymap.models import Criterion, Facility, FacilityType
from safetymap.selectors import checklist_current
from safetymap.services import assessment_submit
from tests.conftest import signed_in
from tests.factories import UserFactory, home_ward
from truyvet.accounts.models import Role, User
from truyvet.people.normalize import search_key


def make_facility(name: str = "Trường Tiểu học Thử", *, type: str = FacilityType.SCHOOL, ward_index: int = 0,
                  managers: Iterable[User] = ()) -> Facility:  # fmt: skip
    facility = Facility.objects.create(
        name=name,
        name_key=search_key(name),
        type=type,
        ward=home_ward(ward_index),
        latitude=Decimal("22.390000"),
        longitude=Decimal("103.460000"),
    )
    facility.managers.set(list(managers))
    return facility


def criteria_of(facility: Facility) -> list[Criterion]:
    checklist = checklist_current(facility.type)
    assert checklist is not None
    return list(checklist.criteria.all())


def assess(facility: Facility, manager: User, *, failing: Iterable[str] = (), **kwargs: object) -> str:
    """Assess with every criterion met but those whose Vietnamese text starts with one of
    ``failing``; the status written."""
    checklist = checklist_current(facility.type)
    assert checklist is not None
    met = [c.pk for c in checklist.criteria.all() if not any(c.text.startswith(f) for f in failing)]
    assessment = assessment_submit(user=manager, facility=facility, checklist_id=checklist.pk, met=met, **kwargs)  # type: ignore[arg-type]
    return assessment.status


@pytest.fixture
def manager(db: None) -> User:
    """Lê Thị Thu, who manages the school of ward A."""
    return UserFactory(username="thu", role=Role.FACILITY_MANAGER, first_name="Thu", last_name="Lê Thị")


@pytest.fixture
def manager_client(manager: User) -> Client:
    return signed_in(manager)


@pytest.fixture
def other_manager(db: None) -> User:
    """The manager of a market in ward B: an outsider to the school."""
    return UserFactory(username="cho", role=Role.FACILITY_MANAGER)


@pytest.fixture
def other_manager_client(other_manager: User) -> Client:
    return signed_in(other_manager)


@pytest.fixture
def school(manager: User) -> Facility:
    return make_facility(managers=[manager])


@pytest.fixture
def market(other_manager: User) -> Facility:
    return make_facility("Chợ Thử", type=FacilityType.MARKET, ward_index=1, managers=[other_manager])
