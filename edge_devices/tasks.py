"""Celery tasks of edge_devices: take ids, call the work below; queued through the outbox, idempotent.

Snapshots go to their own queue (``EDGE_QUEUE``, default ``edge``), which a worker of its
own consumes (``bin/up``, ``docker-compose.yml``): face detection must not hold up SMS and
exposure matching, nor they it.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from edge_devices import alerts, processing
from truyvet.lib import outbox


def queue_processing(reading_id: int) -> None:
    outbox.enqueue(process_snapshot, reading_id, queue=settings.EDGE_QUEUE)


def queue_relink(reading_id: int) -> None:
    """Try the reading's passage again once the guard has had time to scan the traveller
    (a camera fires before the scan): ``EDGE_RELINK_AFTER_SECONDS`` after the commit."""
    outbox.enqueue(relink_reading, reading_id, delay=settings.EDGE_RELINK_AFTER_SECONDS)


def queue_fever_alert(reading_id: int) -> None:
    outbox.enqueue(fever_alert, reading_id)


@shared_task(acks_late=True)
def process_snapshot(reading_id: int) -> None:
    processing.snapshot_process(reading_id)


@shared_task(acks_late=True)
def relink_reading(reading_id: int) -> bool:
    return processing.reading_relink_by_id(reading_id)


@shared_task(acks_late=True)
def fever_alert(reading_id: int) -> int:
    return alerts.fever_alert(reading_id)


@shared_task(acks_late=True)
def purge_thumbnails() -> int:
    return processing.thumbnails_purge()


@shared_task(acks_late=True)
def purge_readings() -> int:
    return processing.readings_purge()
