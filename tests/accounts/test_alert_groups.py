"""A big case puts thousands of alike alerts on a station's list: the staff home sums them
up per kind, page and severity, and staff acknowledge a group at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PersonFactory, home_ward
from truyvet.accounts.models import Alert, AlertSeverity, HealthUnit, User
from truyvet.accounts.services import alert_raise
from truyvet.lib.models import AuditEvent

pytestmark = pytest.mark.django_db

CASE_PAGE = "/contacts/cases/7/"


def exposure_alerts(count: int, *, severity: str = AlertSeverity.WARNING, url: str = CASE_PAGE) -> list[Alert]:
    alerts: list[Alert] = []
    for _ in range(count):
        person = PersonFactory(ward=home_ward(0))
        alerts += alert_raise(
            ward_code=home_ward(0).code,
            kind="exposure",
            severity=severity,
            title=f"F2: {person.full_name} (F0 #7)",
            dedupe_key=f"exposure:7:{person.pk}:2:{url}",
            url=url,
            person_id=person.pk,
        )
    return alerts


def group_form(client: Client) -> dict[str, str]:
    (group,) = client.get(reverse("accounts:alerts")).context["groups"]
    return {
        "kind": group["kind"],
        "url": group["url"],
        "severity": group["severity"],
        "until": group["last_at"].isoformat(),
    }


def test_many_alike_alerts_of_one_case_show_as_one_line_with_their_count(
    insider_client: Client, station: HealthUnit
) -> None:
    exposure_alerts(12)
    exposure_alerts(3, severity=AlertSeverity.URGENT)  # too few to sum up
    response = insider_client.get(reverse("accounts:alerts"))
    groups = response.context["groups"]
    assert [(g["kind"], g["url"], g["severity"], g["count"]) for g in groups] == [
        ("exposure", CASE_PAGE, "warning", 12)
    ]
    page = response.content.decode()
    assert "người tiếp xúc (F2) của một ca bệnh" in page and "Xác nhận cả 12" in page


def test_acknowledging_a_group_closes_its_alerts_up_to_the_newest_shown_and_audits_each(
    insider_client: Client, insider: User, station: HealthUnit
) -> None:
    shown = exposure_alerts(6)
    other_case = exposure_alerts(6, url="/contacts/cases/8/")
    Alert.objects.filter(pk__in=[a.pk for a in other_case]).update(created_at=timezone.now() - timedelta(hours=1))
    form = next(
        {"kind": g["kind"], "url": g["url"], "severity": g["severity"], "until": g["last_at"].isoformat()}
        for g in insider_client.get(reverse("accounts:alerts")).context["groups"]
        if g["url"] == CASE_PAGE
    )
    (late,) = exposure_alerts(1)  # came in after the page was drawn
    Alert.objects.filter(pk=late.pk).update(created_at=timezone.now() + timedelta(seconds=5))

    response = insider_client.post(reverse("accounts:alert_ack_group"), form, follow=True)

    assert response.status_code == 200
    closed = set(Alert.objects.filter(acknowledged_by=insider).values_list("pk", flat=True))
    assert closed == {a.pk for a in shown}
    events = AuditEvent.objects.filter(action="alert.acknowledge", actor=insider)
    assert {e.object_id for e in events} == {str(a.pk) for a in shown}
    assert {e.person_id for e in events} == {a.person_id for a in shown}
    assert Alert.objects.filter(acknowledged_at__isnull=True).count() == 6 + 1


def test_an_outsider_posting_a_group_acknowledges_nothing_of_another_unit(
    insider_client: Client, outsider_client: Client, station: HealthUnit
) -> None:
    exposure_alerts(6)
    form = group_form(insider_client)
    assert outsider_client.get(reverse("accounts:alerts")).context["groups"] == []
    outsider_client.post(reverse("accounts:alert_ack_group"), form)
    assert not Alert.objects.filter(acknowledged_at__isnull=False).exists()


@pytest.mark.parametrize("until", ["", "yesterday", "2026-12-01T10:00", "0001-01-01T00:00+07:00"])
def test_a_bad_group_form_is_a_message_and_acknowledges_nothing(
    insider_client: Client, station: HealthUnit, until: str
) -> None:
    exposure_alerts(6)
    form = {**group_form(insider_client), "until": until}
    response = insider_client.post(reverse("accounts:alert_ack_group"), form, follow=True)
    assert response.status_code == 200
    assert "tải lại trang" in response.content.decode()
    assert not Alert.objects.filter(acknowledged_at__isnull=False).exists()


def test_acknowledging_a_group_needs_a_signed_in_user_and_a_post(client: Client, insider_client: Client) -> None:
    assert client.post(reverse("accounts:alert_ack_group"), {}).status_code == 302
    assert insider_client.get(reverse("accounts:alert_ack_group")).status_code == 405
