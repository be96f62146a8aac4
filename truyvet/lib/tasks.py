from __future__ import annotations

from celery import shared_task
from django.conf import settings

from truyvet.lib import outbox
from truyvet.lib.delivery import notification_deliver, notifications_undelivered
from truyvet.lib.postgres.partitions import days_to_keep_ahead, partitions_ensure


@shared_task(acks_late=True)
def deliver_notifications(notification_ids: list[int]) -> int:
    """Idempotent: each row is claimed before it is sent, so a redelivery sends nothing twice."""
    return sum(notification_deliver(pk) for pk in notification_ids)


@shared_task(acks_late=True)
def retry_undelivered_notifications() -> int:
    return sum(notification_deliver(pk) for pk in notifications_undelivered())


@shared_task(acks_late=True)
def relay_outbox() -> int:
    """Beat's safety net beside ``manage.py outbox_relay``: send what the outbox still holds,
    drop what was sent long ago. Safe beside a running relay (rows are claimed, SKIP LOCKED)."""
    sent = outbox.relay(limit=10 * settings.OUTBOX_BATCH).sent
    outbox.purge()
    return sent


@shared_task(acks_late=True)
def partitions_create_ahead() -> int:
    """The day partitions of yesterday .. today + PARTITIONS_DAYS_AHEAD for every table in
    PARTITIONED_TABLES (idempotent: a rerun creates nothing; nothing on SQLite)."""
    first, last = days_to_keep_ahead()
    return sum(len(partitions_ensure(table, first=first, last=last)) for table in settings.PARTITIONED_TABLES)
