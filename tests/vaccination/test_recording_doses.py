"""Recording a dose: the value sets, the numbers, the dates, the site, duplicates, the
interval between doses, expired lots, and replays by client id."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.factories import PersonFactory
from tests.vaccination.conftest import dose_in
from truyvet.accounts.models import User
from truyvet.lib.audit import AuditEvent
from truyvet.lib.errors import DomainError
from truyvet.people.models import Person
from vaccination.errors import VaccinationError
from vaccination.models import Campaign, CampaignProduct, Dose, Site, StockLot
from vaccination.services import dose_record

pytestmark = pytest.mark.django_db


def refused(user: User, data: object) -> str:
    with pytest.raises(DomainError) as caught:
        dose_record(user=user, data=data)  # type: ignore[arg-type]
    return caught.value.code


def test_a_dose_is_recorded_with_its_prophylaxis_from_the_value_set_and_audited(
    vaccinator: User, site: Site, person: Person
) -> None:
    dose = dose_record(user=vaccinator, data=dose_in(person, site))
    assert (dose.product, dose.manufacturer, dose.prophylaxis) == ("EU/1/20/1528", "ORG-100030215", "1119349007")
    assert dose.vaccinator == vaccinator
    assert AuditEvent.objects.filter(action="vaccination.dose_record", person_id=person.pk).count() == 1


def test_codes_outside_the_eu_value_sets_are_refused(vaccinator: User, site: Site, person: Person) -> None:
    assert refused(vaccinator, dose_in(person, site, product="EU/9/99/9999")) == VaccinationError.UNKNOWN_PRODUCT
    assert refused(vaccinator, dose_in(person, site, manufacturer="ORG-1")) == VaccinationError.UNKNOWN_MANUFACTURER
    assert refused(vaccinator, dose_in(person, site, prophylaxis="123")) == VaccinationError.UNKNOWN_PROPHYLAXIS


def test_a_campaign_that_does_not_exist_is_refused_and_nothing_is_written(
    vaccinator: User, site: Site, person: Person
) -> None:
    assert refused(vaccinator, dose_in(person, site, campaign_id=987654)) == "unknown_campaign"
    assert not Dose.objects.filter(person=person).exists()


def test_a_booster_above_the_series_total_is_legal(vaccinator: User, site: Site, person: Person) -> None:
    dose = dose_record(user=vaccinator, data=dose_in(person, site, dose_number=3, total_doses=2))
    assert (dose.dose_number, dose.total_doses) == (3, 2)


def test_dose_numbers_outside_one_to_nine_are_refused(vaccinator: User, site: Site, person: Person) -> None:
    assert refused(vaccinator, dose_in(person, site, dose_number=0)) == VaccinationError.BAD_DOSE_NUMBER
    assert refused(vaccinator, dose_in(person, site, total_doses=10)) == VaccinationError.BAD_DOSE_NUMBER


def test_a_date_in_the_future_or_before_birth_is_refused(vaccinator: User, site: Site, person: Person) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert refused(vaccinator, dose_in(person, site, administered_on=tomorrow)) == VaccinationError.DATE_IN_FUTURE
    before = date(1989, 1, 1)
    assert refused(vaccinator, dose_in(person, site, administered_on=before)) == VaccinationError.BEFORE_BIRTH


def test_a_site_not_of_the_vaccinator_is_refused(vaccinator: User, other_site: Site, person: Person) -> None:
    assert refused(vaccinator, dose_in(person, other_site)) == VaccinationError.UNKNOWN_SITE


def test_an_unknown_person_is_refused(vaccinator: User, site: Site, person: Person) -> None:
    data = dose_in(person, site, person_id=person.pk + 1000)
    assert refused(vaccinator, data) == VaccinationError.UNKNOWN_PERSON


def test_the_same_dose_number_or_day_twice_is_a_duplicate(vaccinator: User, site: Site, person: Person) -> None:
    first = dose_record(user=vaccinator, data=dose_in(person, site))
    later = first.administered_on + timedelta(days=30)
    assert refused(vaccinator, dose_in(person, site, administered_on=later)) == VaccinationError.DUPLICATE_DOSE
    assert refused(vaccinator, dose_in(person, site, dose_number=2)) == VaccinationError.DUPLICATE_DOSE


def test_a_second_dose_before_the_minimum_interval_is_too_soon(vaccinator: User, site: Site, person: Person) -> None:
    first = dose_record(user=vaccinator, data=dose_in(person, site))
    early = first.administered_on + timedelta(days=20)
    assert refused(vaccinator, dose_in(person, site, dose_number=2, administered_on=early)) == VaccinationError.TOO_SOON
    on_time = first.administered_on + timedelta(days=21)
    assert dose_record(user=vaccinator, data=dose_in(person, site, dose_number=2, administered_on=on_time)).pk


def test_the_campaign_sets_the_interval_of_its_product(vaccinator: User, site: Site, person: Person) -> None:
    today = timezone.localdate()
    campaign = Campaign.objects.create(name="Đợt 1", starts_on=today - timedelta(days=100), ends_on=today)
    CampaignProduct.objects.create(
        campaign=campaign, product="EU/1/21/1529", manufacturer="ORG-100001699", min_interval_days=56
    )
    az = {"product": "EU/1/21/1529", "manufacturer": "ORG-100001699"}
    first = dose_record(user=vaccinator, data=dose_in(person, site, **az))
    day_30 = first.administered_on + timedelta(days=30)
    data = dose_in(person, site, dose_number=2, administered_on=day_30, **az)
    assert refused(vaccinator, data) == VaccinationError.TOO_SOON


def test_a_late_dose_beyond_the_maximum_interval_is_recorded(vaccinator: User, site: Site, person: Person) -> None:
    first = dose_record(
        user=vaccinator, data=dose_in(person, site, administered_on=timezone.localdate() - timedelta(days=300))
    )
    late = first.administered_on + timedelta(days=200)
    assert dose_record(user=vaccinator, data=dose_in(person, site, dose_number=2, administered_on=late)).pk


def test_an_expired_lot_is_refused_and_a_good_one_is_counted_down(vaccinator: User, site: Site, person: Person) -> None:
    day = timezone.localdate() - timedelta(days=10)
    StockLot.objects.create(
        site=site,
        product="EU/1/20/1528",
        manufacturer="ORG-100030215",
        lot="OLD",
        expires_on=day - timedelta(days=1),
        doses_left=5,
    )
    StockLot.objects.create(
        site=site,
        product="EU/1/20/1528",
        manufacturer="ORG-100030215",
        lot="NEW",
        expires_on=day + timedelta(days=90),
        doses_left=5,
    )
    assert refused(vaccinator, dose_in(person, site, lot="OLD", administered_on=day)) == VaccinationError.LOT_EXPIRED
    dose_record(user=vaccinator, data=dose_in(person, site, lot="NEW", administered_on=day))
    assert StockLot.objects.get(lot="NEW").doses_left == 4


def test_a_replay_with_the_same_client_id_records_nothing_new(vaccinator: User, site: Site, person: Person) -> None:
    client_id = uuid.uuid4()
    first = dose_record(user=vaccinator, data=dose_in(person, site, client_id=client_id))
    again = dose_record(user=vaccinator, data=dose_in(person, site, client_id=client_id))
    assert again.pk == first.pk
    assert Dose.objects.count() == 1


def test_a_client_id_reused_for_another_person_is_a_conflict(vaccinator: User, site: Site, person: Person) -> None:
    from tests.factories import PersonFactory

    client_id = uuid.uuid4()
    dose_record(user=vaccinator, data=dose_in(person, site, client_id=client_id))
    other = PersonFactory()
    assert refused(vaccinator, dose_in(other, site, client_id=client_id)) == VaccinationError.CLIENT_ID_REUSED


def test_a_dose_takes_four_statements_on_postgresql_the_lots_stock_last(
    vaccinator: User, site: Site, person: Person, django_assert_num_queries
) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the one-statement write is PostgreSQL's")
    day = timezone.localdate() - timedelta(days=10)
    StockLot.objects.create(
        site=site, product="EU/1/20/1528", manufacturer="ORG-100030215", lot="NEW", expires_on=day, doses_left=1
    )
    # The person locked with the site check, their doses, one statement writing the dose, its
    # audit entry and the stock; the savepoint of the test's transaction around them.
    with django_assert_num_queries(5) as queries:
        dose = dose_record(user=vaccinator, data=dose_in(person, site, lot="NEW", administered_on=day))
    last = [q["sql"] for q in queries.captured_queries if "RELEASE" not in q["sql"] and "SAVEPOINT" not in q["sql"]]
    assert last[-1].lstrip().startswith("WITH") and "vaccination_stocklot" in last[-1]
    assert AuditEvent.objects.filter(action="vaccination.dose_record", object_id=str(dose.pk)).exists()
    assert StockLot.objects.get(lot="NEW").doses_left == 0
    other = PersonFactory()
    dose_record(user=vaccinator, data=dose_in(other, site, lot="NEW", administered_on=day))
    assert StockLot.objects.get(lot="NEW").doses_left == 0  # never below zero
