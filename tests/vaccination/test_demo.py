"""The demo seeder: sites with the demo vaccinator, a campaign, doses; a re-run adds nothing."""

from __future__ import annotations

import io

import pytest

from tests.factories import PersonFactory, UserFactory
from truyvet.accounts.models import Role
from vaccination import demo
from vaccination.models import Campaign, Dose, Site

pytestmark = pytest.mark.django_db


def test_the_demo_gives_sites_a_campaign_and_doses_and_a_rerun_adds_nothing() -> None:
    UserFactory(username="vaccinator", role=Role.VACCINATION_STAFF)
    for _ in range(20):
        PersonFactory(is_demo=True)
    demo.seed({"vaccination_sites": 2, "vaccinated": 100}, io.StringIO())
    assert Site.objects.count() == 2 and Campaign.objects.count() == 1
    assert Site.objects.filter(staff__username="vaccinator").exists()
    doses = Dose.objects.count()
    assert Dose.objects.values("person_id").distinct().count() == 20 and doses >= 20
    demo.seed({"vaccination_sites": 2, "vaccinated": 100}, io.StringIO())
    assert Dose.objects.count() == doses and Site.objects.count() == 2


def test_the_demo_registers_and_books_within_capacity_and_a_rerun_adds_nothing() -> None:
    from vaccination.models import Appointment, Employer, Registration, SessionSlot

    UserFactory(username="facility", role=Role.FACILITY_MANAGER)
    for _ in range(200):
        PersonFactory(is_demo=True)
    demo.seed({"vaccination_sites": 2, "vaccinated": 10}, io.StringIO())
    registrations, appointments = Registration.objects.count(), Appointment.objects.count()
    assert registrations > 0 and appointments > 0
    assert Employer.objects.filter(representatives__username="facility").exists()
    assert sum(SessionSlot.objects.values_list("booked", flat=True)) == appointments
    demo.seed({"vaccination_sites": 2, "vaccinated": 10}, io.StringIO())
    assert (Registration.objects.count(), Appointment.objects.count()) == (registrations, appointments)


def test_the_demo_adds_a_few_reactions_one_serious_and_alerted_once() -> None:
    from tests.factories import HealthUnitFactory
    from truyvet.accounts.models import Alert, UnitKind
    from vaccination.models import Reaction

    cdc = HealthUnitFactory(name="CDC", kind=UnitKind.PROVINCE_CDC, whole_province=True)
    for _ in range(10):
        PersonFactory(is_demo=True)
    demo.seed({"vaccination_sites": 1, "vaccinated": 100}, io.StringIO())
    assert Reaction.objects.count() == 4 and Reaction.objects.filter(serious=True).count() == 1
    assert Alert.objects.filter(unit=cdc, kind="vaccination_serious_reaction").count() == 1
    demo.seed({"vaccination_sites": 1, "vaccinated": 100}, io.StringIO())
    assert Reaction.objects.count() == 4 and Alert.objects.filter(unit=cdc).count() == 1
