"""Readings partitioned by day on PostgreSQL (plain on SQLite): a device's client_id is one
reading across a day boundary (the receipt), rows land in their day, and the retention
drops whole days with their receipts."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from edge_devices.models import Device, Reading, ReadingReceipt
from edge_devices.processing import readings_purge
from tests.edge_devices.conftest import post_reading, reading
from truyvet.lib.postgres.partitions import partition_name, partitions_ensure, partitions_of
from truyvet.lib.tasks import partitions_create_ahead

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")

TABLE = "edge_devices_reading"


def local(day: date, hour: int, minute: int, second: int) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=ZoneInfo(settings.TIME_ZONE))


def partition_of(reading_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [reading_id])  # noqa: S608
        return str(cursor.fetchone()[0])


def old_reading(device: Device, captured_at: datetime) -> Reading:
    """A reading written as the service would (with its receipt), at any time."""
    row = Reading.objects.create(
        device=device,
        checkpoint_id=device.checkpoint_id,
        client_id=uuid.uuid4(),
        captured_at=captured_at,
        temperature_c=Decimal("36.6"),
        processed_at=captured_at,
    )
    ReadingReceipt.objects.create(device=device, client_id=row.client_id, reading_id=row.pk, captured_at=captured_at)
    return row


def test_a_reading_at_23_59_58_retried_at_00_00_05_answers_the_first_reading(camera_client: Client) -> None:
    today = timezone.localdate()
    before, after = local(today - timedelta(days=1), 23, 59, 58), local(today, 0, 0, 5)
    if after > timezone.now():  # the first seconds of the day: nothing to cross yet
        pytest.skip("run within five seconds after midnight")
    body = reading(36.9, captured_at=before.isoformat())
    first = post_reading(camera_client, body)
    # A camera that stamps its retry anew: the retry's time is in the next day.
    again = post_reading(camera_client, {**body, "captured_at": after.isoformat()})
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json() == first.json()
    assert Reading.objects.count() == 1 and ReadingReceipt.objects.count() == 1
    receipt = ReadingReceipt.objects.get()
    assert (receipt.reading_id, receipt.captured_at) == (first.json()["id"], before)


@postgresql_only
def test_readings_land_in_the_partition_of_their_day(camera_client: Client) -> None:
    assert partitions_of(TABLE) is not None
    today = timezone.localdate()
    yesterday = local(today - timedelta(days=1), 23, 59, 58)
    answer = post_reading(camera_client, reading(captured_at=yesterday.isoformat())).json()
    assert partition_of(answer["id"]) == partition_name(TABLE, today - timedelta(days=1))
    answer = post_reading(camera_client, reading()).json()
    assert partition_of(answer["id"]) == partition_name(TABLE, timezone.localdate())


@postgresql_only
def test_the_days_ahead_are_made_for_readings_too() -> None:
    partitions_create_ahead()
    names = partitions_of(TABLE) or []
    last = timezone.localdate() + timedelta(days=settings.PARTITIONS_DAYS_AHEAD)
    assert partition_name(TABLE, last) in names
    assert partitions_create_ahead() == 0  # idempotent


def test_the_retention_drops_old_readings_with_their_receipts_and_frames(camera, settings, tmp_path) -> None:
    device, _key = camera
    old_day = timezone.localdate() - timedelta(days=settings.EDGE_READING_RETENTION_DAYS + 2)
    partitions_ensure(TABLE, first=old_day, last=old_day)  # nothing on SQLite
    old = old_reading(device, local(old_day, 10, 0, 0))
    frames = tmp_path / "media" / "edge" / "frames"
    frames.mkdir(parents=True)
    (frames / "never-processed.jpg").write_bytes(b"\xff\xd8\xff")
    Reading.objects.filter(pk=old.pk).update(image="edge/frames/never-processed.jpg", processed_at=None)
    recent = old_reading(device, timezone.now() - timedelta(hours=1))
    assert readings_purge() == 1
    assert list(Reading.objects.values_list("pk", flat=True)) == [recent.pk]
    assert list(ReadingReceipt.objects.values_list("reading_id", flat=True)) == [recent.pk]
    assert not (frames / "never-processed.jpg").exists()
    if connection.vendor == "postgresql":
        assert partition_name(TABLE, old_day) not in (partitions_of(TABLE) or [])
    assert readings_purge() == 0  # idempotent


def test_the_readings_purge_is_scheduled(settings) -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "edge_devices.tasks.purge_readings" in tasks
    assert TABLE in settings.PARTITIONED_TABLES
