"""A worker killed while it sends loses no delivery (PostgreSQL + Redis run, real workers):
its claim lapses and the next worker sends it; the receiver can deduplicate by webhook-id."""

from __future__ import annotations

import os
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from checkpoints.models import Direction, Passage, Verdict
from ioc.feed import events_collect
from ioc.models import Delivery, DeliveryStatus, IocEvent
from ioc.services import endpoint_create
from ioc.tasks import deliver_due
from tests.factories import CheckpointFactory, UserFactory
from tests.workers import start_worker, wait_for
from truyvet.accounts.models import Role

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("geo_units"),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (tasks run inline without it)"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the workers share the test database on PostgreSQL"),
]


def test_a_worker_killed_mid_send_loses_no_delivery(tmp_path: Path, receiver, monkeypatch) -> None:
    monkeypatch.setenv("IOC_CLAIM_SECONDS", "3")
    admin = UserFactory(username="ioc_admin", role=Role.ADMINISTRATOR)
    endpoint_create(user=admin, url=receiver.url)
    checkpoint = CheckpointFactory()
    Passage.objects.bulk_create(
        Passage(client_id=uuid.uuid4(), checkpoint=checkpoint, direction=Direction.IN,
                verdict=Verdict.ALLOW, scanned_at=timezone.now() - timedelta(hours=hours))
        for hours in range(2, 6)
    )  # fmt: skip
    receiver.delay = 5.0  # the first call hangs: the worker is killed while it waits
    assert events_collect() == 4
    first = start_worker(tmp_path, "first")
    try:
        deliver_due.delay()
        assert wait_for(lambda: receiver.calls >= 1, timeout=30), "the first worker sent nothing"
    finally:
        first.stop(kill=True)
    assert Delivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists()
    receiver.delay = 0.0
    time.sleep(3.5)  # the dead worker's claim lapses
    second = start_worker(tmp_path, "second")
    try:
        deliver_due.delay()
        assert wait_for(lambda: not Delivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists(), timeout=60), (
            "deliveries still pending"
        )
    finally:
        second.stop()
    received = {r["event"]["id"] for r in receiver.received}
    assert received == set(IocEvent.objects.values_list("event_id", flat=True))
    assert os.environ["IOC_CLAIM_SECONDS"] == "3"
