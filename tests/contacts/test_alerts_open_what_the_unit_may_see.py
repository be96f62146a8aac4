"""An exposure alert opens what the alerted unit may see: the follow-up of its resident,
with the exposure's facts, not the case's page, which lives in another ward."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from contacts.matching import match_case
from contacts.models import FollowUp
from tests.factories import HealthUnitFactory, PersonFactory, UserFactory, home_ward
from truyvet.accounts.models import Alert, HealthUnit, Role, UnitKind
from truyvet.lib.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerted(make_case, venue, stay, station: HealthUnit, other_station: HealthUnit, django_capture_on_commit_callbacks):
    """A case living in ward B met a resident of ward A at a market: ward A's station is alerted."""
    case = make_case(PersonFactory(ward=home_ward(1), full_name="Ca Bệnh Phường B"))
    resident = PersonFactory(ward=home_ward(0), full_name="Người Phường A")
    stay(case.person, venue, 0, 60)
    stay(resident, venue, 0, 60)
    with django_capture_on_commit_callbacks(execute=True):
        match_case(case.pk)
    alert = Alert.objects.get(unit=station, person=resident)
    return case, resident, alert


def test_the_stations_exposure_alert_opens_its_residents_follow_up_with_the_exposures_facts(
    insider_client: Client, alerted
) -> None:
    case, resident, alert = alerted
    follow_up = FollowUp.objects.get(person=resident)
    page = insider_client.get(reverse("accounts:alerts")).content.decode()
    assert f'href="{alert.link}"' in page
    response = insider_client.get(alert.link)
    assert response.status_code == 302 and response["Location"] == reverse(
        "contacts:follow_up_detail", args=[follow_up.pk]
    )
    detail = insider_client.get(response["Location"]).content.decode()
    assert f"F0 #{case.pk}" in detail and "Chợ Trung tâm" in detail
    assert insider_client.get(reverse("contacts:case_detail", args=[case.pk])).status_code == 404, "the case is B's"


def test_the_alerts_page_of_a_case_lists_the_units_residents_it_exposed_and_is_audited(
    insider_client: Client, insider, alerted
) -> None:
    _case, resident, alert = alerted
    response = insider_client.get(alert.url)
    page = response.content.decode()
    assert response.status_code == 200 and "Người Phường A" in page and "Chợ Trung tâm" in page
    assert "Ca Bệnh Phường B" not in page
    assert AuditEvent.objects.filter(action="case.residents", actor=insider, person_id=resident.pk).exists()


def test_a_station_whose_wards_the_case_did_not_reach_gets_a_404(alerted) -> None:
    _case, _resident, alert = alerted
    far = UserFactory(
        role=Role.COMMUNE_STATION, health_unit=HealthUnitFactory(kind=UnitKind.COMMUNE_STATION, wards=[home_ward(5)])
    )
    client = Client()
    client.force_login(far)
    assert client.get(alert.url).status_code == 404
    assert client.get(alert.link).status_code == 404


def test_the_alerts_page_of_a_case_asks_an_anonymous_visitor_to_sign_in(client: Client, alerted) -> None:
    _case, _resident, alert = alerted
    assert client.get(alert.link)["Location"].startswith(reverse("accounts:login"))


def test_a_person_number_too_big_for_the_database_is_no_500(insider_client: Client, alerted) -> None:
    _case, _resident, alert = alerted
    assert insider_client.get(alert.url, {"person": "9" * 30}).status_code == 200
