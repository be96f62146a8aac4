from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.factories import PersonFactory, home_ward
from truyvet.accounts.models import User
from truyvet.people.models import Person
from vaccination.models import Site
from vaccination.services import DoseIn


@pytest.fixture
def site(vaccinator: User) -> Site:
    """The vaccinator's site, in ward A."""
    site = Site.objects.create(name="Trạm tiêm phường A", ward=home_ward(0), address="1 Đường Thử")
    site.staff.add(vaccinator)
    return site


@pytest.fixture
def other_site(db: None) -> Site:
    """A site in ward B where nobody of the tests works."""
    return Site.objects.create(name="Trạm tiêm phường B", ward=home_ward(1))


@pytest.fixture
def person(db: None) -> Person:
    return PersonFactory(full_name="Nguyễn Văn An", date_of_birth=date(1990, 5, 17))


def dose_in(person: Person, site: Site, **changes: object) -> DoseIn:
    values: dict[str, object] = {
        "person_id": person.pk,
        "product": "EU/1/20/1528",
        "manufacturer": "ORG-100030215",
        "dose_number": 1,
        "total_doses": 2,
        "administered_on": timezone.localdate() - timedelta(days=60),
        "site_id": site.pk,
        "lot": "FK1234",
    }
    values.update(changes)
    return DoseIn(**values)  # type: ignore[arg-type]
