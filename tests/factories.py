"""factory_boy factories shared by every test folder."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import factory
from django.conf import settings
from django.utils import timezone

from checkpoints.models import BusTrip, Checkpoint
from contacts.models import Case
from truyvet.accounts.models import HealthUnit, Role, UnitKind, User
from truyvet.geo.models import Ward
from truyvet.people.models import Person
from truyvet.people.normalize import search_key
from venues.models import CheckIn, CheckInReceipt, Venue


def home_ward(index: int = 0) -> Ward:
    """The index-th ward (by code) of the home province; the geo migration loads them."""
    return Ward.objects.filter(province_id=settings.PROVINCE_CODE).order_by("code")[index]


class HealthUnitFactory(factory.django.DjangoModelFactory[HealthUnit]):
    class Meta:
        model = HealthUnit
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Trạm Y tế thử {n}")
    kind = UnitKind.COMMUNE_STATION

    @factory.post_generation
    def wards(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.wards.set(extracted)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"staff{n}")
    role = Role.COMMUNE_STATION
    password = factory.django.Password("pw-for-tests-123")


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person

    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    name_key = factory.LazyAttribute(lambda o: search_key(o.full_name))
    id_number = factory.Sequence(lambda n: f"012090{n:06d}")
    date_of_birth = date(1990, 5, 17)
    gender = "male"
    phone = factory.Sequence(lambda n: f"+8491{n:07d}")
    ward = factory.LazyFunction(home_ward)


class VenueFactory(factory.django.DjangoModelFactory[Venue]):
    """A venue in ward A, with no owner unless given one (as venues registered by staff)."""

    class Meta:
        model = Venue

    class Params:
        owned = factory.Trait(owner=factory.SubFactory("tests.factories.UserFactory", role=Role.VENUE_OWNER))

    name = factory.Sequence(lambda n: f"Quán thử {n}")
    category = "market"
    address = factory.Sequence(lambda n: f"{n + 1} Lê Lợi")
    ward = factory.LazyFunction(home_ward)


class CheckInFactory(factory.django.DjangoModelFactory[CheckIn]):
    """A stay of an hour that began an hour ago, at a new venue unless given one."""

    class Meta:
        model = CheckIn
        skip_postgeneration_save = True

    venue = factory.SubFactory(VenueFactory)
    person = factory.SubFactory(PersonFactory)
    client_id = factory.LazyFunction(uuid.uuid4)
    checked_in_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    ends_at = factory.LazyAttribute(lambda o: o.checked_in_at + timedelta(hours=1))

    @factory.post_generation
    def receipt(obj: CheckIn, create: bool, extracted: object, **kwargs: object) -> None:
        """Its client_id's receipt, as the services write it."""
        if create:
            CheckInReceipt.objects.create(client_id=obj.client_id, checkin_id=obj.pk, checked_in_at=obj.checked_in_at)


class CaseFactory(factory.django.DjangoModelFactory[Case]):
    """A confirmed case confirmed now, in its person's ward (no matching is queued)."""

    class Meta:
        model = Case

    person = factory.SubFactory(PersonFactory)
    ward_id = factory.LazyAttribute(lambda o: o.person.ward_id)
    classification = "confirmed"
    confirmed_at = factory.LazyFunction(timezone.now)


class CheckpointFactory(factory.django.DjangoModelFactory[Checkpoint]):
    """A checkpoint in ward A with no staff (add them with ``checkpoint.staff.add``)."""

    class Meta:
        model = Checkpoint

    name = factory.Sequence(lambda n: f"Chốt thử {n}")
    ward = factory.LazyFunction(home_ward)


class BusTripFactory(factory.django.DjangoModelFactory[BusTrip]):
    """A bus trip leaving now, with no operator account unless given one."""

    class Meta:
        model = BusTrip

    route = "Hà Nội - Lai Châu"
    vehicle_plate = factory.Sequence(lambda n: f"29B-{n:05d}")
    departure_at = factory.LazyFunction(timezone.now)
