"""Registering devices: the key shown once and stored hashed, rotation, withdrawal, who may."""

from __future__ import annotations

import pytest
from django.test import Client

from edge_devices.keys import key_digest
from edge_devices.models import Device
from tests.edge_devices.conftest import post_reading, reading
from truyvet.lib.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_an_overseer_registers_a_device_and_gets_its_key_once(insider_client: Client, checkpoint) -> None:
    response = insider_client.post(
        "/api/v1/devices/",
        {"kind": "thermal_camera", "checkpoint_id": checkpoint.pk, "serial": "DS-2TD2617", "mac": "aa-bb-cc-dd-ee-ff"},
        content_type="application/json",
    )
    assert response.status_code == 201
    key = response.json()["key"]
    device = Device.objects.get(pk=response.json()["id"])
    assert device.mac == "AA:BB:CC:DD:EE:FF"
    assert key not in device.key_hash and device.key_hash == key_digest(key)
    assert AuditEvent.objects.filter(action="edge_device.register", object_id=str(device.pk)).exists()
    assert Client(HTTP_AUTHORIZATION=f"Device {key}").post("/api/v1/devices/heartbeat/").status_code == 204


def test_an_outsider_cannot_register_a_device_at_a_checkpoint_they_do_not_oversee(
    outsider_client: Client, checkpoint
) -> None:
    response = outsider_client.post(
        "/api/v1/devices/",
        {"kind": "thermal_camera", "checkpoint_id": checkpoint.pk, "serial": "X1"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not Device.objects.exists()


def test_an_anonymous_caller_cannot_register_a_device(client: Client, checkpoint) -> None:
    response = client.post(
        "/api/v1/devices/",
        {"kind": "face_kiosk", "checkpoint_id": checkpoint.pk, "serial": "X1"},
        content_type="application/json",
    )
    assert response.status_code == 401


def test_a_serial_in_service_cannot_be_registered_twice(insider_client: Client, checkpoint, make_device) -> None:
    make_device(serial="SAME")
    response = insider_client.post(
        "/api/v1/devices/",
        {"kind": "thermal_camera", "checkpoint_id": checkpoint.pk, "serial": "SAME"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "serial_taken"


def test_a_bad_mac_is_refused_with_its_code(insider_client: Client, checkpoint) -> None:
    response = insider_client.post(
        "/api/v1/devices/",
        {"kind": "thermal_camera", "checkpoint_id": checkpoint.pk, "serial": "S", "mac": "nope"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "mac_invalid"


def test_a_rotated_key_replaces_the_old_one(insider_client: Client, camera) -> None:
    device, old_key = camera
    page = insider_client.post(f"/devices/{device.pk}/rotate/")
    assert page.status_code == 200
    new_key = page.context["key"]
    assert new_key != old_key and new_key in page.content.decode()
    assert post_reading(Client(HTTP_AUTHORIZATION=f"Device {old_key}"), reading()).status_code == 401
    assert post_reading(Client(HTTP_AUTHORIZATION=f"Device {new_key}"), reading()).status_code == 202
    assert AuditEvent.objects.filter(action="edge_device.rotate_key").exists()


def test_a_withdrawn_device_is_refused(insider_client: Client, camera, camera_client: Client) -> None:
    device, _key = camera
    assert insider_client.post(f"/devices/{device.pk}/withdraw/").status_code == 302
    assert post_reading(camera_client, reading()).status_code == 401
    assert AuditEvent.objects.filter(action="edge_device.revoke").exists()


def test_an_outsider_cannot_rotate_or_withdraw_a_device(outsider_client: Client, camera) -> None:
    device, _key = camera
    assert outsider_client.post(f"/devices/{device.pk}/rotate/").status_code == 404
    assert outsider_client.post(f"/devices/{device.pk}/withdraw/").status_code == 404
    device.refresh_from_db()
    assert device.revoked_at is None


def test_the_device_pages_list_only_the_users_checkpoints(
    insider_client: Client, outsider_client: Client, client: Client, camera
) -> None:
    device, _key = camera
    assert device.serial in insider_client.get("/devices/").content.decode()
    assert device.serial not in outsider_client.get("/devices/").content.decode()
    assert client.get("/devices/").status_code == 302


def test_the_register_page_shows_the_key_once(insider_client: Client, outsider_client: Client, checkpoint) -> None:
    assert outsider_client.get(f"/devices/checkpoints/{checkpoint.pk}/new/").status_code == 404
    page = insider_client.post(
        f"/devices/checkpoints/{checkpoint.pk}/new/",
        {"kind": "face_kiosk", "serial": "K-1", "mac": "", "label": "Làn 1"},
    )
    assert page.status_code == 200
    key = page.context["key"]
    assert key.startswith("tvd_") and key in page.content.decode()
    assert key not in insider_client.get("/devices/").content.decode()


def test_a_wrong_key_is_a_401(client: Client, camera) -> None:
    bad = Client(HTTP_AUTHORIZATION="Device tvd_00000000_nothing")
    assert post_reading(bad, reading()).status_code == 401
    assert post_reading(client, reading()).status_code == 401


def test_a_remembered_key_is_refused_at_once_after_a_rotation_or_withdrawal(
    insider_client: Client, camera, camera_client: Client, settings, django_assert_num_queries
) -> None:
    settings.EDGE_KEY_CACHE_SECONDS = 60
    device, old_key = camera
    assert post_reading(camera_client, reading()).status_code == 202
    from edge_devices.selectors import device_by_key

    with django_assert_num_queries(0):  # accepted a moment ago: no query for the key
        assert device_by_key(old_key) is not None
    new_key = insider_client.post(f"/devices/{device.pk}/rotate/").context["key"]
    assert post_reading(Client(HTTP_AUTHORIZATION=f"Device {old_key}"), reading()).status_code == 401
    new_client = Client(HTTP_AUTHORIZATION=f"Device {new_key}")
    assert post_reading(new_client, reading()).status_code == 202
    assert insider_client.post(f"/devices/{device.pk}/withdraw/").status_code == 302
    assert post_reading(new_client, reading()).status_code == 401
