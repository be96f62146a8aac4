"""A flagged traveller reaches the destination's health units through a real Celery worker
(PostgreSQL + Redis run): the tablet's request returns at once, the alert follows within
seconds, and a replayed batch raises nothing more."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from checkpoints.models import Checkpoint
from tests.checkpoints.conftest import scan
from tests.factories import HealthUnitFactory, PersonFactory, home_ward
from tests.workers import queue_drained, start_worker, wait_for
from truyvet.accounts.models import Alert, UnitKind
from truyvet.credentials.services import qr_issue

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("geo_units"),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (tasks run inline without it)"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the workers share the test database on PostgreSQL"),
]


def test_a_denied_traveller_is_on_the_destination_centres_list_within_seconds(
    tmp_path: Path, checkpoint: Checkpoint, guard_client: Client
) -> None:
    destination = home_ward(7)
    centre = HealthUnitFactory(name="TTYT đích", kind=UnitKind.HEALTH_CENTRE, wards=[destination])
    HealthUnitFactory(name="TTYT khác", kind=UnitKind.HEALTH_CENTRE, wards=[home_ward(9)])
    person = PersonFactory(ward=home_ward(9))
    token, _ = qr_issue(person=person, risk_level="red")
    items = [scan(token, destination_ward_code=destination.code)]

    worker = start_worker(tmp_path)
    try:
        for _ in range(2):
            response = guard_client.post(
                f"/api/v1/checkpoints/{checkpoint.pk}/scans/", {"scans": items}, content_type="application/json"
            )
            assert response.status_code == 200
        assert wait_for(lambda: Alert.objects.exists(), timeout=30), "no alert within 30 s"
        assert wait_for(queue_drained), "tasks still queued after 30 s"  # a (wrong) second alert would be in
    finally:
        worker.stop()
    assert list(Alert.objects.values_list("unit_id", "kind", "severity")) == [(centre.pk, "checkpoint", "urgent")]
