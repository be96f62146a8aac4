"""Celery tasks of the IOC feed: collecting the events (beat), sending what is due (beat and
after each write). Both idempotent: a delivery is claimed before it is sent, and what a lost
task leaves pending the next sweep sends."""

from __future__ import annotations

from celery import shared_task

from ioc import delivery, feed
from truyvet.lib import outbox


def queue_delivery() -> None:
    outbox.enqueue(deliver_due)


@shared_task(acks_late=True)
def collect_events() -> int:
    new = feed.events_collect()
    if new:
        deliver_due.delay()
    return new


@shared_task(acks_late=True)
def deliver_due() -> int:
    return delivery.deliver_due()
