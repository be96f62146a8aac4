"""The snapshot worker: faces counted on real photographs, the largest kept as a thumbnail,
the frame dropped, thumbnails deleted after the retention."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from edge_devices import faces
from edge_devices.models import Reading
from edge_devices.processing import snapshot_process, thumbnails_purge
from edge_devices.tasks import purge_thumbnails
from tests.edge_devices.conftest import photo, post_reading, reading

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("name", "count"), [("astronaut.jpg", 1), ("three_portraits.jpg", 3), ("coffee.jpg", 0)])
def test_faces_are_counted_on_real_photographs(name: str, count: int) -> None:
    image = faces.decode(photo(name))
    assert image is not None
    assert faces.detect(image).count == count


def test_the_largest_face_is_kept_small_and_the_frame_is_dropped(camera_client: Client, settings) -> None:
    answer = post_reading(camera_client, reading(image=photo("three_portraits.jpg"))).json()
    stored = Reading.objects.get(pk=answer["id"])
    assert stored.processed and stored.faces_detected == 3
    assert not stored.image
    assert not list((Path(settings.MEDIA_ROOT) / "edge" / "frames").glob("*"))
    thumb = faces.decode(stored.thumbnail.read())
    assert thumb is not None and max(thumb.shape[:2]) <= faces.THUMB_SIZE
    assert faces.detect(faces.decode(photo("astronaut.jpg"))).count == 1


def test_a_frame_without_a_face_keeps_no_thumbnail(camera_client: Client) -> None:
    answer = post_reading(camera_client, reading(image=photo("coffee.jpg"))).json()
    stored = Reading.objects.get(pk=answer["id"])
    assert stored.faces_detected == 0 and not stored.thumbnail and not stored.image


def test_a_jpeg_that_cannot_be_decoded_is_processed_with_no_count(camera_client: Client) -> None:
    answer = post_reading(camera_client, reading(image=b"\xff\xd8\xff\xe0broken")).json()
    stored = Reading.objects.get(pk=answer["id"])
    assert stored.processed and stored.faces_detected is None and not stored.image


def test_processing_twice_changes_nothing(camera_client: Client) -> None:
    answer = post_reading(camera_client, reading(image=photo("astronaut.jpg"))).json()
    before = Reading.objects.get(pk=answer["id"])
    snapshot_process(before.pk)
    after = Reading.objects.get(pk=answer["id"])
    assert (after.thumbnail.name, after.processed_at) == (before.thumbnail.name, before.processed_at)


def test_thumbnails_are_deleted_after_the_retention(camera_client: Client, settings) -> None:
    answer = post_reading(camera_client, reading(image=photo("astronaut.jpg"))).json()
    stored = Reading.objects.get(pk=answer["id"])
    path = Path(stored.thumbnail.path)
    assert path.exists()
    assert thumbnails_purge(now=timezone.now() + timedelta(days=6, hours=23)) == 0
    assert thumbnails_purge(now=timezone.now() + timedelta(days=7, minutes=1)) == 1
    assert not path.exists() and not Reading.objects.get(pk=stored.pk).thumbnail
    assert thumbnails_purge(now=timezone.now() + timedelta(days=8)) == 0  # idempotent
    settings.EDGE_THUMBNAIL_RETENTION_DAYS = 1
    assert purge_thumbnails.delay().get() == 0


def test_the_purge_is_scheduled(settings) -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "edge_devices.tasks.purge_thumbnails" in tasks


def test_snapshots_go_to_their_own_queue(camera_client: Client, monkeypatch) -> None:
    from edge_devices import tasks

    sent = []
    monkeypatch.setattr(tasks.process_snapshot, "apply_async", lambda args, queue: sent.append((args, queue)))
    answer = post_reading(camera_client, reading(image=photo("coffee.jpg"))).json()
    assert sent == [((answer["id"],), "edge")]
