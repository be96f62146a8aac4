"""Tasks through a real Celery worker process and Redis (the PostgreSQL + Redis CI run)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import PersonFactory
from tests.workers import queue_drained, start_worker, wait_for
from truyvet.lib.models import DeliveryState, Notification
from truyvet.lib.notify import Recipient, notification_send
from truyvet.lib.tasks import deliver_notifications

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("geo_units"),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (tasks run inline without it)"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker shares the test database on PostgreSQL"),
]


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Path]:
    """A real `celery worker` process on the test database; yields its SMS file folder."""
    running = start_worker(tmp_path)
    try:
        yield running.sms_dir
    finally:
        running.stop()


def sms_lines(folder: Path) -> list[str]:
    return [line for path in folder.glob("*.jsonl") for line in path.read_text().splitlines()]


def test_a_real_worker_delivers_an_sms_exactly_once_even_when_the_task_is_sent_twice(worker: Path) -> None:
    person = PersonFactory(phone="+84912345678")
    rows = notification_send(
        recipient=Recipient(person_id=person.pk, phone=person.phone),
        title="Cảnh báo",
        body="Bạn đã tiếp xúc gần.",
        dedupe_key="worker-test",
    )
    sms_row = next(r for r in rows if r.channel == "sms")
    sent = wait_for(lambda: Notification.objects.get(pk=sms_row.pk).state == DeliveryState.SENT)
    assert sent, Notification.objects.values("state", "attempts", "last_error").get(pk=sms_row.pk)
    deliver_notifications.delay([sms_row.pk])  # a redelivery, as after a lost ack
    assert wait_for(queue_drained), "the redelivery was not run within 30 s"
    assert len(sms_lines(worker)) == 1
    assert "Cảnh báo" in sms_lines(worker)[0]
