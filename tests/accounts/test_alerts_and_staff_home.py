from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import HealthUnitFactory, PersonFactory, home_ward
from truyvet.accounts.models import Alert, HealthUnit, UnitKind, User
from truyvet.accounts.services import alert_raise
from truyvet.lib.models import AuditEvent

pytestmark = pytest.mark.django_db


def raise_for_first_ward(key: str = "declaration:1") -> list[Alert]:
    return alert_raise(ward_code=home_ward(0).code, kind="declaration", title="Tờ khai đỏ", dedupe_key=key)


def test_an_alert_reaches_the_station_and_the_centre_of_the_ward_and_no_other(
    station: HealthUnit, other_station: HealthUnit
) -> None:
    centre = HealthUnitFactory(kind=UnitKind.HEALTH_CENTRE, wards=[home_ward(0), home_ward(1)])
    far_centre = HealthUnitFactory(kind=UnitKind.HEALTH_CENTRE, wards=[home_ward(5)])
    alerts = raise_for_first_ward()
    assert {a.unit for a in alerts} == {station, centre}
    assert not Alert.objects.filter(unit__in=[other_station, far_centre]).exists()


def test_raising_the_same_alert_twice_writes_it_once(station: HealthUnit) -> None:
    raise_for_first_ward()
    raise_for_first_ward()
    assert Alert.objects.filter(unit=station).count() == 1


def test_the_alerts_page_lists_the_open_alerts_of_the_users_unit(
    insider_client: Client, outsider_client: Client, station: HealthUnit
) -> None:
    raise_for_first_ward()
    assert "Tờ khai đỏ" in insider_client.get(reverse("accounts:alerts")).content.decode()
    assert "Tờ khai đỏ" not in outsider_client.get(reverse("accounts:alerts")).content.decode()


def test_the_staff_home_asks_an_anonymous_visitor_to_sign_in(client: Client) -> None:
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_acknowledging_closes_the_alert_and_is_audited(insider_client: Client, insider: User) -> None:
    (alert,) = raise_for_first_ward()
    response = insider_client.post(reverse("accounts:alert_ack", args=[alert.pk]))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == insider and alert.acknowledged_at is not None
    assert AuditEvent.objects.filter(action="alert.acknowledge", actor=insider, object_id=str(alert.pk)).exists()
    assert "Tờ khai đỏ" not in insider_client.get(reverse("accounts:alerts")).content.decode()


def test_an_outsider_cannot_acknowledge_another_units_alert(outsider_client: Client, station: HealthUnit) -> None:
    (alert,) = raise_for_first_ward()
    assert outsider_client.post(reverse("accounts:alert_ack", args=[alert.pk])).status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_the_alerts_page_takes_a_fixed_number_of_queries(
    insider_client: Client, django_assert_max_num_queries: object
) -> None:
    person = PersonFactory()
    for i in range(30):
        alert_raise(ward_code=home_ward(0).code, kind="x", title=f"A{i}", dedupe_key=f"k{i}", person_id=person.pk)
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        response = insider_client.get(reverse("accounts:alerts"))
    assert response.content.decode().count("Acknowledge") + response.content.decode().count("Xác nhận") >= 30


def test_a_signed_in_citizen_is_sent_to_their_own_page(client: Client, citizen: User) -> None:
    client.force_login(citizen)
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:me")


def test_staff_cannot_open_the_citizen_page(insider_client: Client) -> None:
    assert insider_client.get(reverse("accounts:me")).status_code == 403


def test_the_navigation_follows_the_role(client: Client, cdc: User, venue_owner: User) -> None:
    client.force_login(cdc)
    cdc_page = client.get(reverse("accounts:home"), follow=True).content.decode()
    client.force_login(venue_owner)
    venue_page = client.get(reverse("accounts:home"), follow=True).content.decode()
    assert reverse("geo:zones") in cdc_page
    assert reverse("geo:zones") not in venue_page


def test_staff_sign_in_with_a_password_lands_on_the_staff_home(client: Client, insider: User) -> None:
    response = client.post(reverse("accounts:login"), {"username": "insider", "password": "pw-for-tests-123"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:home")


def test_a_wrong_password_shows_an_error(client: Client, insider: User) -> None:
    response = client.post(reverse("accounts:login"), {"username": "insider", "password": "nope"})
    assert response.status_code == 200 and "alert-danger" in response.content.decode()
