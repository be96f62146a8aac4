"""Tasks through a real Celery worker process and Redis (the PostgreSQL + Redis CI run)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import PersonFactory
from truyvet.lib.models import DeliveryState, Notification
from truyvet.lib.notify import Recipient, notification_send
from truyvet.lib.tasks import deliver_notifications

ROOT = Path(__file__).resolve().parents[2]

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
    db = connection.settings_dict
    sms_dir = tmp_path / "sms"
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 (closed below)
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SMS_BACKEND": "truyvet.lib.sms.FileBackend",
        "SMS_FILE_PATH": str(sms_dir),
        "DJANGO_ENV": "test",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "truyvet", "worker", "--pool=solo", "--loglevel=WARNING",
         "--without-heartbeat", "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield sms_dir
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        print((tmp_path / "worker.log").read_text()[-3000:])


def wait_for(predicate: object, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


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
    time.sleep(2)
    assert len(sms_lines(worker)) == 1
    assert "Cảnh báo" in sms_lines(worker)[0]
