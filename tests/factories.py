"""factory_boy factories shared by every test folder."""

from __future__ import annotations

from datetime import date
from typing import Any

import factory
from django.conf import settings

from truyvet.accounts.models import HealthUnit, Role, UnitKind, User
from truyvet.geo.models import Ward
from truyvet.people.models import Person
from truyvet.people.normalize import search_key


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
