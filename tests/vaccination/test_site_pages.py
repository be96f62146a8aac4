"""The site's pages: the day list, opening a person by their QR or id number, screening and
recording the dose, the observation list; and who may open them."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import signed_in
from tests.factories import UserFactory
from truyvet.accounts.models import Role
from truyvet.credentials.services import qr_issue
from truyvet.people.models import Person
from vaccination.models import Dose, Screening, ScreeningOutcome, Site

pytestmark = pytest.mark.django_db


def test_the_vaccinator_home_opens_their_site(vaccinator_client: Client, site: Site) -> None:
    response = vaccinator_client.get("/vaccination/sites/")
    assert response.status_code == 302 and response["Location"] == f"/vaccination/sites/{site.pk}/"
    page = vaccinator_client.get(response["Location"])
    assert page.status_code == 200 and site.name in page.content.decode()


def test_a_typed_id_number_opens_the_person(vaccinator_client: Client, site: Site, person: Person) -> None:
    response = vaccinator_client.post(f"/vaccination/sites/{site.pk}/", {"code": person.id_number})
    assert response["Location"] == f"/vaccination/sites/{site.pk}/people/{person.pk}/"
    unknown = vaccinator_client.post(f"/vaccination/sites/{site.pk}/", {"code": "000000000000"})
    assert unknown.status_code == 200 and 'role="alert"' in unknown.content.decode()


def test_a_scanned_personal_qr_opens_the_person(vaccinator_client: Client, site: Site, person: Person) -> None:
    token, _expires = qr_issue(person=person, risk_level="green")
    response = vaccinator_client.post(f"/vaccination/sites/{site.pk}/", {"code": token})
    assert response["Location"] == f"/vaccination/sites/{site.pk}/people/{person.pk}/"


def test_screening_then_vaccinating_records_both_and_lists_the_person_under_observation(
    vaccinator_client: Client, site: Site, person: Person
) -> None:
    url = f"/vaccination/sites/{site.pk}/people/{person.pk}/"
    assert vaccinator_client.get(url).status_code == 200
    response = vaccinator_client.post(
        url, {"outcome": "vaccinate", "product": "EU/1/20/1528", "lot": "FK1", "dose_number": 1, "total_doses": 2}
    )
    assert response.status_code == 302
    dose = Dose.objects.get(person=person)
    assert (dose.manufacturer, dose.site_id) == ("ORG-100030215", site.pk)
    assert Screening.objects.get(person=person).outcome == ScreeningOutcome.VACCINATE
    day = vaccinator_client.get(f"/vaccination/sites/{site.pk}/").content.decode()
    assert person.full_name in day and "data-seconds" in day


def test_a_postponed_person_gets_no_dose(vaccinator_client: Client, site: Site, person: Person) -> None:
    url = f"/vaccination/sites/{site.pk}/people/{person.pk}/"
    response = vaccinator_client.post(
        url, {"q_acute_illness": "on", "outcome": "postpone", "dose_number": 1, "total_doses": 2}
    )
    assert response.status_code == 302
    assert not Dose.objects.exists()
    assert Screening.objects.get(person=person).answers["acute_illness"] is True


def test_vaccinating_without_a_vaccine_is_a_form_error_and_records_nothing(
    vaccinator_client: Client, site: Site, person: Person
) -> None:
    url = f"/vaccination/sites/{site.pk}/people/{person.pk}/"
    response = vaccinator_client.post(url, {"outcome": "vaccinate", "dose_number": 1, "total_doses": 2})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert not Screening.objects.exists()


def test_another_vaccinator_gets_404_and_anonymous_visitors_sign_in(client: Client, site: Site, person: Person) -> None:
    stranger = UserFactory(role=Role.VACCINATION_STAFF)
    outsider = signed_in(stranger)
    assert outsider.get(f"/vaccination/sites/{site.pk}/").status_code == 404
    assert outsider.get(f"/vaccination/sites/{site.pk}/people/{person.pk}/").status_code == 404
    assert client.get(f"/vaccination/sites/{site.pk}/").status_code == 302


def test_health_staff_without_the_role_may_not_open_the_site_pages(insider_client: Client, site: Site) -> None:
    assert insider_client.get(f"/vaccination/sites/{site.pk}/").status_code == 403


def test_a_dose_of_an_earlier_day_entered_now_puts_nobody_under_observation(site: Site, person: Person) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from vaccination.selectors import under_observation

    now = timezone.now()
    Dose.objects.create(
        person=person,
        site=site,
        product="EU/1/20/1528",
        manufacturer="ORG-100030215",
        prophylaxis="J07BX03",
        dose_number=1,
        total_doses=2,
        administered_on=timezone.localdate(now) - timedelta(days=30),
    )
    assert under_observation(site, now=now) == []
