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


def test_the_status_carries_the_day_of_the_last_dose(vaccinator: User, site: Site, person: Person) -> None:
    first = dose_record(user=vaccinator, data=dose_in(person, site))
    second = dose_record(
        user=vaccinator,
        data=dose_in(person, site, dose_number=2, administered_on=first.administered_on + timedelta(days=28)),
    )
    unvaccinated = PersonFactory()
    statuses = statuses_for([person.pk, unvaccinated.pk])
    assert statuses[person.pk].last_dose_on == second.administered_on
    assert statuses[unvaccinated.pk].last_dose_on is None
    facts = people_facts([person.pk], at=timezone.now())
    assert facts[person.pk].last_dose_on == second.administered_on


def test_the_qr_verification_answers_the_day_of_the_last_dose(vaccinator: User, site: Site, guard: User) -> None:
    import json

    from django.test import Client

    from tests.factories import home_ward

    body = {
        "kind": "daily",
        "person": {"full_name": "Lê Văn Cường", "id_number": "012090654321", "date_of_birth": "1990-03-02",
                   "gender": "male", "phone": "0912 000 111", "ward_code": home_ward(0).code, "address": "1 Phố"},
        "symptoms": [],
        "exposures": {"case_contact": False, "outbreak_zone": False, "abroad_14d": False},
    }  # fmt: skip
    client = Client()
    declared = client.post("/api/v1/declarations/", json.dumps(body), content_type="application/json")
    assert declared.status_code == 201, declared.json()
    token = declared.json()["qr_token"]
    person = Person.objects.get(id_number="012090654321")
    client.force_login(guard)
    assert client.get("/api/v1/qr/verify/", {"token": token}).json()["last_dose_on"] is None
    dose = dose_record(user=vaccinator, data=dose_in(person, site))
    answer = client.get("/api/v1/qr/verify/", {"token": token}).json()
    assert answer["vaccine_doses"] == 1 and answer["last_dose_on"] == dose.administered_on.isoformat()
