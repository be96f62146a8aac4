"""The Hikvision adapter, fed the sample event kept beside this file."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client, TestCase
from django.utils import timezone

from edge_devices.models import Reading

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "hikvision" / "thermometry_alarm.multipart"
CONTENT_TYPE = "multipart/form-data; boundary=MIME_boundary"
RECORDED_AT = b"2021-08-12T09:41:07+07:00"


def sample(**replace: bytes) -> bytes:
    body = SAMPLE.read_bytes()
    now = (timezone.now() - timedelta(seconds=5)).isoformat(timespec="seconds").encode()
    body = body.replace(RECORDED_AT, now)
    for old, new in replace.items():
        body = body.replace(old.encode(), new)
    return body


def post(client: Client, body: bytes):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.generic("POST", "/api/v1/devices/hikvision/", body, content_type=CONTENT_TYPE)


def test_the_cameras_event_becomes_a_fever_reading_with_its_face(camera_client: Client) -> None:
    response = post(camera_client, sample())
    assert response.status_code == 202, response.content
    assert response.json()["fever"] is True
    reading = Reading.objects.get(pk=response.json()["id"])
    assert str(reading.temperature_c) == "38.2"
    assert reading.source == "hikvision"
    assert reading.faces_detected == 1 and reading.thumbnail and not reading.image


def test_the_same_event_sent_again_is_the_same_reading(camera_client: Client) -> None:
    body = sample()
    first = post(camera_client, body).json()
    again = post(camera_client, body)
    assert again.status_code == 200 and again.json() == first
    assert Reading.objects.count() == 1


def test_a_camera_may_send_its_key_by_basic_authentication(camera) -> None:
    _device, key = camera
    basic = base64.b64encode(f"admin:{key}".encode()).decode()
    assert post(Client(HTTP_AUTHORIZATION=f"Basic {basic}"), sample()).status_code == 202


def test_fahrenheit_is_read_as_celsius(camera_client: Client) -> None:
    body = sample(
        **{
            '"thermometryUnit": "celsius"': b'"thermometryUnit": "fahrenheit"',
            '"currTemperature": 38.2': b'"currTemperature": 100.4',
        }
    )
    response = post(camera_client, body)
    assert str(Reading.objects.get(pk=response.json()["id"]).temperature_c) == "38.0"


def test_an_event_without_a_temperature_is_refused_with_its_code(camera_client: Client) -> None:
    response = post(camera_client, sample(**{'"currTemperature"': b'"otherTemperature"'}))
    assert response.status_code == 400
    assert response.json()["code"] == "event_not_thermal"


def test_an_unreadable_event_is_refused_with_its_code(camera_client: Client) -> None:
    response = post(
        camera_client, b"--MIME_boundary\r\nContent-Type: application/json\r\n\r\n{oops\r\n--MIME_boundary--\r\n"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "event_unreadable"


def test_a_temperature_out_of_bounds_is_refused(camera_client: Client) -> None:
    response = post(camera_client, sample(**{'"currTemperature": 38.2': b'"currTemperature": 52.0'}))
    assert response.json()["code"] == "temperature_out_of_range"


def test_a_heartbeat_marks_the_device_seen(camera, camera_client: Client) -> None:
    device, _key = camera
    body = sample(**{'"eventType": "TMPA"': b'"eventType": "heartBeat"'})
    assert post(camera_client, body).json() == {"heartbeat": True}
    device.refresh_from_db()
    assert device.last_seen_at is not None
    assert not Reading.objects.exists()


def test_an_event_without_a_key_is_a_401(client: Client) -> None:
    assert post(client, sample()).status_code == 401
