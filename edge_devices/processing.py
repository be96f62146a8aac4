"""What the snapshot worker does: read the frame, count faces, keep a thumbnail of the
largest, drop the frame (privacy: only the thumbnail the guard compares with the ID stays,
and only ``EDGE_THUMBNAIL_RETENTION_DAYS``)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from edge_devices import faces
from edge_devices.models import Reading, ReadingReceipt
from edge_devices.selectors import link_target
from truyvet.lib.retention import delete_in_batches, purge_before


def snapshot_process(reading_id: int) -> None:
    """Idempotent: a reading processed already is left alone; a worker killed half-way leaves
    the frame in place, and the task's retry does the whole again."""
    reading = Reading.objects.filter(pk=reading_id, processed_at__isnull=True).first()
    if reading is None:
        return
    count: int | None = None
    thumb: bytes | None = None
    if reading.image:
        try:
            with reading.image.open("rb") as stored:
                data = stored.read()
        except FileNotFoundError:
            data = b""
        image = faces.decode(data) if data else None
        if image is not None:
            found = faces.detect(image)
            count = found.count
            if found.largest is not None:
                thumb = faces.thumbnail(image, found.largest)
    frame = reading.image.name
    if thumb is not None:
        reading.thumbnail.save(f"{uuid.uuid4().hex}.jpg", ContentFile(thumb), save=False)
    reading.faces_detected = count
    reading.processed_at = timezone.now()
    reading.image = ""
    if reading.passage_id is None:
        reading.passage_id = link_target(
            checkpoint_id=reading.checkpoint_id, at=reading.captured_at, person_id=reading.person_id
        )
    with transaction.atomic():
        updated = Reading.objects.filter(pk=reading.pk, processed_at__isnull=True).update(
            faces_detected=reading.faces_detected,
            processed_at=reading.processed_at,
            image="",
            thumbnail=reading.thumbnail.name or "",
            passage_id=reading.passage_id,
        )
    if frame:
        reading.image.storage.delete(frame)
    if not updated and reading.thumbnail.name:  # another run finished first
        reading.thumbnail.storage.delete(reading.thumbnail.name)


def thumbnails_purge(*, now: datetime | None = None) -> int:
    """Delete the thumbnails older than the retention (by the reading's time); idempotent."""
    before = (now or timezone.now()) - timedelta(days=settings.EDGE_THUMBNAIL_RETENTION_DAYS)
    rows = list(
        Reading.objects.filter(captured_at__lt=before).exclude(thumbnail="").values_list("pk", "thumbnail")[:5000]
    )
    if not rows:
        return 0
    storage = Reading._meta.get_field("thumbnail").storage
    Reading.objects.filter(pk__in=[pk for pk, _ in rows]).update(thumbnail="")
    for _, name in rows:
        storage.delete(name)
    return len(rows)


def reading_relink_by_id(reading_id: int) -> bool:
    """Link a reading that came before its passage; idempotent (a linked reading is left)."""
    reading = Reading.objects.filter(pk=reading_id, passage__isnull=True).first()
    if reading is None:
        return False
    target = link_target(checkpoint_id=reading.checkpoint_id, at=reading.captured_at, person_id=reading.person_id)
    if target is None:
        return False
    return bool(Reading.objects.filter(pk=reading.pk, passage__isnull=True).update(passage_id=target))


def readings_purge(*, older_than_days: int | None = None, batch: int = 10_000) -> int:
    """Remove readings captured more than ``EDGE_READING_RETENTION_DAYS`` ago: a frame a
    worker never got to is deleted first, then on PostgreSQL the days past the retention are
    dropped whole (partitions) and the rest deleted in batches; then their receipts (a retry
    that old is refused as too old anyway). Returns how many readings went."""
    days = older_than_days if older_than_days is not None else settings.EDGE_READING_RETENTION_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    old = Reading.objects.filter(captured_at__lt=cutoff)
    storage = Reading._meta.get_field("image").storage
    for name in old.exclude(image="").values_list("image", flat=True).iterator():
        storage.delete(name)
    purged = purge_before(old, cutoff=cutoff, batch_size=batch)
    delete_in_batches(ReadingReceipt.objects.filter(captured_at__lt=cutoff), batch_size=batch)
    return purged
