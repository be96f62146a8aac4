"""The checkpoint scanner and the QR verification read the real number of doses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from checkpoints.selectors.facts import people_facts
from tests.factories import PersonFactory
from tests.vaccination.conftest import dose_in
from truyvet.accounts.models import User
from truyvet.people.models import Person
from truyvet.people.status import statuses_for
from vaccination.models import Site
from vaccination.services import dose_record

pytestmark = pytest.mark.django_db


def test_the_checkpoint_facts_count_the_doses_of_each_person(vaccinator: User, site: Site, person: Person) -> None:
    first = dose_record(user=vaccinator, data=dose_in(person, site))
    dose_record(
        user=vaccinator,
        data=dose_in(person, site, dose_number=2, administered_on=first.administered_on + timedelta(days=28)),
    )
    unvaccinated = PersonFactory()
    facts = people_facts([person.pk, unvaccinated.pk], at=timezone.now())
    assert facts[person.pk].vaccine_doses == 2
    assert facts[unvaccinated.pk].vaccine_doses == 0


def test_the_status_of_many_people_takes_one_query_for_the_doses(
    vaccinator: User, site: Site, django_assert_max_num_queries: object
) -> None:
    people = [PersonFactory() for _ in range(5)]
    for somebody in people:
        dose_record(user=vaccinator, data=dose_in(somebody, site))
    with django_assert_max_num_queries(3):  # type: ignore[operator]  # tracing's two, ours one
        statuses = statuses_for([p.pk for p in people])
    assert {s.vaccine_doses for s in statuses.values()} == {1}
