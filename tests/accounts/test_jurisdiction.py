from __future__ import annotations

import pytest
from django.http import Http404

from tests.factories import HealthUnitFactory, PersonFactory, UserFactory, home_ward
from truyvet.accounts.jurisdiction import covers_ward, get_object_for, jurisdiction_wards, scope_to_jurisdiction
from truyvet.accounts.models import Role, UnitKind, User
from truyvet.people.models import Person

pytestmark = pytest.mark.django_db


def test_an_insider_sees_people_of_their_ward_and_an_outsider_does_not(insider: User, outsider: User) -> None:
    resident = PersonFactory(ward=home_ward(0))
    assert list(scope_to_jurisdiction(Person.objects.all(), insider)) == [resident]
    assert list(scope_to_jurisdiction(Person.objects.all(), outsider)) == []


def test_get_object_for_returns_404_outside_the_jurisdiction(insider: User, outsider: User) -> None:
    resident = PersonFactory(ward=home_ward(0))
    assert get_object_for(insider, Person.objects.all(), pk=resident.pk) == resident
    with pytest.raises(Http404):
        get_object_for(outsider, Person.objects.all(), pk=resident.pk)


def test_get_object_for_returns_404_for_an_absent_object(insider: User) -> None:
    with pytest.raises(Http404):
        get_object_for(insider, Person.objects.all(), pk=987654)


def test_a_health_centre_covers_every_ward_of_its_group() -> None:
    centre = HealthUnitFactory(kind=UnitKind.HEALTH_CENTRE, wards=[home_ward(0), home_ward(1), home_ward(2)])
    user = UserFactory(role=Role.HEALTH_CENTRE, health_unit=centre)
    people = [PersonFactory(ward=home_ward(i)) for i in range(4)]
    assert set(scope_to_jurisdiction(Person.objects.all(), user)) == set(people[:3])
    assert covers_ward(user, home_ward(2).code)
    assert not covers_ward(user, home_ward(3).code)


def test_the_cdc_covers_the_whole_home_province_but_not_other_provinces(cdc: User) -> None:
    assert jurisdiction_wards(cdc).count() == 38
    from truyvet.geo.models import Ward

    hanoi_ward = Ward.objects.filter(province_id=1).first()
    assert hanoi_ward is not None
    assert not covers_ward(cdc, hanoi_ward.code)


def test_a_user_without_a_unit_sees_nothing(venue_owner: User) -> None:
    PersonFactory()
    assert not scope_to_jurisdiction(Person.objects.all(), venue_owner).exists()


def test_an_administrator_sees_everywhere() -> None:
    PersonFactory()
    admin = UserFactory(role=Role.ADMINISTRATOR)
    assert scope_to_jurisdiction(Person.objects.all(), admin).count() == 1


def test_a_deactivated_insider_sees_nothing(insider: User) -> None:
    PersonFactory(ward=home_ward(0))
    insider.is_active = False
    insider.save(update_fields=["is_active"])
    assert not scope_to_jurisdiction(Person.objects.all(), insider).exists()


def test_scoping_is_one_query_whatever_the_number_of_wards(django_assert_num_queries: object) -> None:
    centre = HealthUnitFactory(kind=UnitKind.HEALTH_CENTRE, wards=[home_ward(i) for i in range(10)])
    user = UserFactory(role=Role.HEALTH_CENTRE, health_unit=centre)
    user = User.objects.select_related("health_unit").get(pk=user.pk)
    for i in range(10):
        PersonFactory(ward=home_ward(i))
    with django_assert_num_queries(1):  # type: ignore[operator]
        assert len(list(scope_to_jurisdiction(Person.objects.all(), user))) == 10
