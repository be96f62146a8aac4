"""Every device page and endpoint: the overseer who may, an outsider (404), an anonymous visitor."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.edge_devices.conftest import photo, post_reading, reading
from tests.factories import PersonFactory
from truyvet.credentials.services import qr_issue

pytestmark = pytest.mark.django_db


def test_the_readings_page_of_a_checkpoint(
    insider_client: Client, outsider_client: Client, client: Client, checkpoint, camera_client
) -> None:
    post_reading(camera_client, reading(38.0))
    url = f"/devices/checkpoints/{checkpoint.pk}/readings/"
    assert "38.0" in insider_client.get(url).content.decode().replace(",", ".")
    assert outsider_client.get(url).status_code == 404
    assert client.get(url).status_code == 302


def test_the_face_thumbnail_is_for_overseers_only(
    insider_client: Client, outsider_client: Client, client: Client, camera_client
) -> None:
    reading_id = post_reading(camera_client, reading(image=photo("astronaut.jpg"))).json()["id"]
    url = f"/devices/readings/{reading_id}/face.jpg"
    response = insider_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert outsider_client.get(url).status_code == 404
    assert client.get(url).status_code == 302


def test_a_reading_with_a_person_is_audit_logged_when_seen(insider_client: Client, camera_client) -> None:
    from truyvet.lib.models import AuditEvent

    person = PersonFactory()
    token, _expires = qr_issue(person=person, risk_level="green")
    reading_id = post_reading(camera_client, reading(qr_token=token)).json()["id"]
    insider_client.get(f"/devices/readings/{reading_id}/")
    assert AuditEvent.objects.filter(action="edge_device.reading.view", person_id=person.pk).exists()


def test_a_role_that_oversees_no_checkpoint_is_refused(client: Client) -> None:
    from tests.factories import UserFactory
    from truyvet.accounts.models import Role

    owner = UserFactory(username="owner", role=Role.VENUE_OWNER)
    client.force_login(owner)
    assert client.get("/devices/").status_code == 403


def test_the_guards_check_shows_the_cameras_fever_beside_the_verdict(camera_client: Client, checkpoint, guard) -> None:
    checkpoint.staff.add(guard)
    post_reading(camera_client, reading(38.7))
    person = PersonFactory()
    token, _expires = qr_issue(person=person, risk_level="green")
    tablet = Client()
    tablet.force_login(guard)
    answer = tablet.post(
        f"/api/v1/checkpoints/{checkpoint.pk}/check/", {"qr_token": token}, content_type="application/json"
    )
    assert answer.status_code == 200
    (fever,) = answer.json()["device_fevers"]
    assert "38.7" in fever["title"]
