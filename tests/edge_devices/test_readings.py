"""Readings: bounds, replay, fever and its grouping, alerts, linking to passages, heartbeats."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client, TestCase
from django.utils import timezone, translation

from checkpoints.models import Direction, Passage, Verdict
from edge_devices.models import Reading
from edge_devices.selectors import devices_offline
from tests.edge_devices.conftest import photo, post_multipart, post_reading, reading
from tests.factories import PersonFactory
from truyvet.accounts.models import Alert
from truyvet.credentials.services import qr_issue

pytestmark = pytest.mark.django_db


def passage_at(checkpoint, seconds_ago: float, person=None) -> Passage:
    return Passage.objects.create(
        client_id=uuid.uuid4(),
        checkpoint=checkpoint,
        person=person,
        direction=Direction.IN,
        verdict=Verdict.ALLOW,
        scanned_at=timezone.now() - timedelta(seconds=seconds_ago),
    )


# --- Bounds ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"temperature_c": 29.9}, "temperature_out_of_range"),
        ({"temperature_c": 45.1}, "temperature_out_of_range"),
        ({"temperature_c": "hot"}, "invalid"),
        ({"captured_at": "2026-01-01T08:00:00"}, "invalid"),
        ({"client_id": "not-a-uuid"}, "invalid"),
        ({"image_jpeg_b64": "!!!"}, "image_base64_invalid"),
        ({"image_jpeg_b64": "iVBORw0KGgo="}, "image_not_jpeg"),  # a PNG's first bytes
    ],
)
def test_a_reading_out_of_bounds_is_a_400_with_its_code(camera_client: Client, fields, code) -> None:
    response = post_reading(camera_client, {**reading(), **fields})
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert not Reading.objects.exists()


def test_a_reading_from_the_future_is_refused(camera_client: Client) -> None:
    response = post_reading(camera_client, reading(seconds_ago=-300))
    assert response.status_code == 400
    assert response.json()["code"] == "captured_in_future"


def test_a_reading_too_old_is_refused(camera_client: Client) -> None:
    response = post_reading(camera_client, reading(seconds_ago=4 * 24 * 3600))
    assert response.json()["code"] == "captured_too_old"


def test_an_image_over_2_mb_is_refused(camera_client: Client, settings) -> None:
    big = b"\xff\xd8\xff" + b"\0" * (settings.EDGE_IMAGE_MAX_BYTES)
    response = post_reading(camera_client, reading(image=big))
    assert response.status_code == 400
    assert response.json()["code"] == "image_too_large"
    response = post_multipart(camera_client, {**reading(), "image": _upload(big)})
    assert response.json()["code"] == "image_too_large"


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("frame.jpg", data, content_type="image/jpeg")


# --- Replay, multipart, reading back ------------------------------------------------------


def test_the_same_client_id_again_answers_the_first_reading(camera_client: Client) -> None:
    body = reading(36.8)
    first = post_reading(camera_client, body)
    again = post_reading(camera_client, {**body, "temperature_c": 39})
    assert first.status_code == 202 and again.status_code == 200
    assert again.json() == first.json() == {"id": first.json()["id"], "fever": False}
    assert Reading.objects.count() == 1


def test_a_multipart_reading_with_an_image_is_processed(camera_client: Client, insider_client: Client) -> None:
    body = {k: str(v) for k, v in reading(36.5).items()}
    response = post_multipart(camera_client, {**body, "image": _upload(photo("astronaut.jpg"))})
    assert response.status_code == 202, response.content
    answer = camera_client.get(f"/api/v1/devices/readings/{response.json()['id']}/").json()
    assert answer["processed"] is True and answer["faces_detected"] == 1 and answer["passage_id"] is None


def test_a_reading_is_read_back_by_its_device_and_overseers_only(
    camera_client: Client, insider_client: Client, outsider_client: Client, client: Client, make_device
) -> None:
    reading_id = post_reading(camera_client, reading()).json()["id"]
    url = f"/api/v1/devices/readings/{reading_id}/"
    assert camera_client.get(url).status_code == 200
    assert insider_client.get(url).json()["id"] == reading_id
    assert outsider_client.get(url).status_code == 404
    assert client.get(url).status_code == 401
    _other, other_key = make_device()
    assert Client(HTTP_AUTHORIZATION=f"Device {other_key}").get(url).status_code == 404
    assert insider_client.get(f"/devices/readings/{reading_id}/").status_code == 200
    assert outsider_client.get(f"/devices/readings/{reading_id}/").status_code == 404


# --- Fever ------------------------------------------------------------------------------


def test_a_fever_is_flagged_and_alerts_the_checkpoint_team_and_overseers(
    camera_client: Client, checkpoint, guard, station
) -> None:
    checkpoint.staff.add(guard)
    response = post_reading(camera_client, reading(37.5))
    assert response.json()["fever"] is True
    units = set(Alert.objects.filter(kind="device_fever").values_list("unit_id", flat=True))
    assert units == {guard.health_unit_id, station.pk}


def test_a_fever_alert_reads_in_the_readers_language(camera_client: Client, checkpoint, station) -> None:
    post_reading(camera_client, reading(38.2))
    alert = Alert.objects.get(kind="device_fever", unit=station)
    with translation.override("vi"):
        assert alert.shown.title == f"Chốt {checkpoint.name}: sốt 38.2 °C"
    with translation.override("en"):
        assert alert.shown.title == f"Checkpoint {checkpoint.name}: fever 38.2 °C"
        assert "seen by" in alert.shown.body


def test_below_the_threshold_is_no_fever(camera_client: Client, settings) -> None:
    assert post_reading(camera_client, reading(37.4)).json()["fever"] is False
    settings.EDGE_FEVER_C = 37.0
    assert post_reading(camera_client, reading(37.2)).json()["fever"] is True


def test_a_repeat_within_minutes_is_grouped_and_not_alerted_twice(camera_client: Client, station) -> None:
    first = post_reading(camera_client, reading(38.1, seconds_ago=60)).json()["id"]
    second = post_reading(camera_client, reading(38.3, seconds_ago=30)).json()["id"]
    third = post_reading(camera_client, reading(38.0, seconds_ago=1)).json()["id"]
    assert Reading.objects.get(pk=second).fever_group_id == first
    assert Reading.objects.get(pk=third).fever_group_id == first
    assert Alert.objects.filter(kind="device_fever", unit=station).count() == 1


def test_a_fever_after_the_grouping_minutes_alerts_again(camera_client: Client, station) -> None:
    post_reading(camera_client, reading(38.1, seconds_ago=600))
    post_reading(camera_client, reading(38.2, seconds_ago=1))
    assert Alert.objects.filter(kind="device_fever", unit=station).count() == 2


# --- Linking ------------------------------------------------------------------------------


def test_a_reading_links_to_the_only_passage_within_the_window(camera_client: Client, checkpoint) -> None:
    passage = passage_at(checkpoint, seconds_ago=10)
    passage_at(checkpoint, seconds_ago=60)  # outside the 20 s window
    answer = post_reading(camera_client, reading(seconds_ago=1)).json()
    assert Reading.objects.get(pk=answer["id"]).passage_id == passage.pk


def test_a_reading_with_no_passage_in_the_window_links_to_none(
    camera_client: Client, checkpoint, other_checkpoint=None
) -> None:
    passage_at(checkpoint, seconds_ago=120)
    answer = post_reading(camera_client, reading(seconds_ago=1)).json()
    assert Reading.objects.get(pk=answer["id"]).passage_id is None


def test_a_reading_with_two_passages_in_the_window_links_to_none(camera_client: Client, checkpoint) -> None:
    passage_at(checkpoint, seconds_ago=5)
    passage_at(checkpoint, seconds_ago=12)
    answer = post_reading(camera_client, reading(seconds_ago=1)).json()
    assert Reading.objects.get(pk=answer["id"]).passage_id is None


def test_a_reading_with_a_qr_token_links_to_that_persons_passage(camera_client: Client, checkpoint) -> None:
    person = PersonFactory()
    token, _expires = qr_issue(person=person, risk_level="green")
    mine = passage_at(checkpoint, seconds_ago=90, person=person)
    passage_at(checkpoint, seconds_ago=2)  # somebody else, closer in time
    answer = post_reading(camera_client, reading(qr_token=token)).json()
    stored = Reading.objects.get(pk=answer["id"])
    assert stored.passage_id == mine.pk and stored.person_id == person.pk


def test_a_reading_before_its_passage_is_linked_when_processed(camera_client: Client, checkpoint) -> None:
    from edge_devices.services import reading_relink

    answer = post_reading(camera_client, reading(seconds_ago=1)).json()
    stored = Reading.objects.get(pk=answer["id"])
    assert stored.passage_id is None
    passage = passage_at(checkpoint, seconds_ago=0)
    assert reading_relink(reading=stored) is True
    assert Reading.objects.get(pk=answer["id"]).passage_id == passage.pk


def test_the_passage_page_shows_the_temperature_and_face(
    camera_client: Client, insider_client: Client, checkpoint
) -> None:
    passage = passage_at(checkpoint, seconds_ago=3)
    post_reading(camera_client, reading(38.4, image=photo("astronaut.jpg")))
    page = insider_client.get(f"/checkpoints/passages/{passage.pk}/").content.decode()
    assert "38.4" in page or "38,4" in page
    assert "face.jpg" in page


# --- Heartbeats -------------------------------------------------------------------------


def test_a_device_silent_for_five_minutes_is_offline(camera, camera_client: Client, checkpoint) -> None:
    device, _key = camera
    assert devices_offline([checkpoint.pk]) == [device]  # never heard
    assert camera_client.post("/api/v1/devices/heartbeat/").status_code == 204
    assert devices_offline([checkpoint.pk]) == []
    later = timezone.now() + timedelta(minutes=5, seconds=1)
    assert devices_offline([checkpoint.pk], now=later) == [device]


def test_the_checkpoint_board_lists_offline_devices(camera, insider_client: Client, outsider_client: Client) -> None:
    device, _key = camera
    page = insider_client.get("/checkpoints/").content.decode()
    assert device.serial in page


def test_a_reading_without_a_snapshot_before_its_passage_is_linked_by_the_later_try(
    camera_client: Client, checkpoint, settings, monkeypatch
) -> None:
    from edge_devices import tasks

    queued: list[tuple[tuple[int, ...], int]] = []
    monkeypatch.setattr(
        tasks.relink_reading, "apply_async", lambda args, countdown: queued.append((tuple(args), countdown))
    )
    answer = post_reading(camera_client, reading(seconds_ago=2)).json()
    assert Reading.objects.get(pk=answer["id"]).passage_id is None
    assert queued == [((answer["id"],), settings.EDGE_RELINK_AFTER_SECONDS)]
    passage = passage_at(checkpoint, seconds_ago=0)  # the guard scans the traveller afterwards
    assert tasks.relink_reading(answer["id"]) is True
    assert Reading.objects.get(pk=answer["id"]).passage_id == passage.pk
    assert tasks.relink_reading(answer["id"]) is False  # once linked, left alone


def test_the_later_try_links_none_when_two_passages_share_the_window(camera_client: Client, checkpoint) -> None:
    from edge_devices import tasks

    answer = post_reading(camera_client, reading(seconds_ago=2)).json()
    passage_at(checkpoint, seconds_ago=0)
    passage_at(checkpoint, seconds_ago=1)
    assert tasks.relink_reading(answer["id"]) is False
    assert Reading.objects.get(pk=answer["id"]).passage_id is None


def test_a_reading_linked_on_arrival_queues_no_later_try(camera_client: Client, checkpoint, monkeypatch) -> None:
    from edge_devices import tasks

    queued: list[object] = []
    monkeypatch.setattr(tasks.relink_reading, "apply_async", lambda *args, **kwargs: queued.append(args))
    passage = passage_at(checkpoint, seconds_ago=3)
    answer = post_reading(camera_client, reading(seconds_ago=1)).json()
    assert Reading.objects.get(pk=answer["id"]).passage_id == passage.pk
    assert queued == []


def test_a_replayed_reading_with_a_snapshot_leaves_no_second_frame(camera_client: Client, checkpoint) -> None:
    from django.conf import settings as django_settings

    body = reading(image=photo("astronaut.jpg"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        first = camera_client.post("/api/v1/devices/readings/", body, content_type="application/json")
    frames = Path(django_settings.MEDIA_ROOT) / "edge" / "frames"
    before = sorted(frames.glob("*.jpg")) if frames.exists() else []
    with TestCase.captureOnCommitCallbacks(execute=True):
        again = camera_client.post("/api/v1/devices/readings/", body, content_type="application/json")
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Reading.objects.count() == 1
    assert (sorted(frames.glob("*.jpg")) if frames.exists() else []) == before
