"""Snapshots go to the edge queue: the default worker leaves them, the edge worker processes
them (PostgreSQL + Redis run, real workers)."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client

from edge_devices.models import Reading
from tests.edge_devices.conftest import photo, reading
from tests.workers import queue_drained, start_worker, wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("geo_units"),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (tasks run inline without it)"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the workers share the test database on PostgreSQL"),
]


def test_only_the_edge_worker_processes_snapshots(tmp_path: Path, camera_client: Client, monkeypatch) -> None:
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    default = start_worker(tmp_path, "default")
    try:
        response = camera_client.post(
            "/api/v1/devices/readings/", reading(image=photo("astronaut.jpg")), content_type="application/json"
        )
        assert response.status_code == 202
        stored = Reading.objects.get(pk=response.json()["id"])
        assert stored.image and stored.processed_at is None
        # The task waits on the edge queue, not on the default worker's.
        broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        assert broker.llen(settings.EDGE_QUEUE) == 1
        assert wait_for(queue_drained)
    finally:
        default.stop()
    edge = start_worker(tmp_path, "edge", queues=settings.EDGE_QUEUE)
    try:
        assert wait_for(lambda: Reading.objects.filter(processed_at__isnull=False).exists(), timeout=60)
    finally:
        edge.stop()
    stored.refresh_from_db()
    assert stored.faces_detected == 1 and stored.thumbnail and not stored.image
    assert not (Path(settings.MEDIA_ROOT) / "edge" / "frames").exists() or not any(
        (Path(settings.MEDIA_ROOT) / "edge" / "frames").iterdir()
    )
