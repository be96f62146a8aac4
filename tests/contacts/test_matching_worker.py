"""Matching through real Celery workers: a worker killed mid-way, then a rerun (the
PostgreSQL + Redis CI run)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from contacts.models import Case, Exposure, FollowUp
from contacts.tasks import match_case
from tests.contacts.conftest import T0
from tests.factories import PersonFactory, VenueFactory, home_ward
from tests.workers import start_worker, wait_for
from venues.models import CheckIn

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("geo_units"),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (tasks run inline without it)"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the workers share the test database on PostgreSQL"),
]


def stay(person, venue, start: int, end: int) -> None:
    CheckIn.objects.create(
        venue=venue,
        person=person,
        client_id=uuid.uuid4(),
        checked_in_at=T0 + timedelta(minutes=start),
        ends_at=T0 + timedelta(minutes=end),
    )


def backends(condition: str = "true") -> int:
    """Other sessions on the test database (not this one)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "  # noqa: S608 (fixed SQL)
            f"AND pid <> pg_backend_pid() AND {condition}"
        )
        return int(cursor.fetchone()[0])


def test_a_worker_killed_in_the_middle_of_matching_leaves_nothing_and_the_rerun_warns_each_person_once(
    tmp_path: Path,
) -> None:
    market = VenueFactory(name="Chợ", category="market", address="1")
    shop = VenueFactory(name="Tạp hóa", category="other", address="2")
    patient = PersonFactory(ward=home_ward(0))
    f1s = [PersonFactory(ward=home_ward(0), phone=f"+8491200{i:04d}") for i in range(5)]
    f2s = [PersonFactory(ward=home_ward(0), phone=f"+8491300{i:04d}") for i in range(5)]
    stay(patient, market, 0, 60)
    for i, (f1, f2) in enumerate(zip(f1s, f2s, strict=True)):
        stay(f1, market, 10, 50)
        stay(f1, shop, 300 + 200 * i, 330 + 200 * i)
        stay(f2, shop, 300 + 200 * i, 330 + 200 * i)
    case = Case.objects.create(
        person=patient, ward_id=patient.ward_id, confirmed_at=T0 + timedelta(hours=20), sample_date=T0.date()
    )

    # Sessions opened from here on: the workers' (a browser test run earlier in the same
    # pytest process can leave an idle session of its own behind, which is not our concern).
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        since = cursor.fetchone()[0]

    # Hold the follow-up table: the first worker writes the exposures, then waits there.
    db = connection.settings_dict
    blocker = psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    try:
        blocker.execute("LOCK TABLE contacts_followup IN EXCLUSIVE MODE")
        first = start_worker(tmp_path, "first")
        try:
            match_case.delay(case.pk)
            reached = wait_for(lambda: backends("wait_event_type = 'Lock'") > 0)
        finally:
            first.stop(kill=True)  # lost mid-task, its exposures written but not committed
        assert reached, "the first worker never reached the follow-ups"
    finally:
        blocker.rollback()
        blocker.close()
    # The dead worker's session finds its client gone and rolls back.
    assert wait_for(lambda: backends(f"backend_start >= '{since.isoformat()}'") == 0)
    assert not Exposure.objects.exists() and not FollowUp.objects.exists()
    assert first.sms_lines() == []

    # The rerun (the ten-minute beat task, or a redelivery), twice for good measure.
    second = start_worker(tmp_path, "second")
    try:
        match_case.delay(case.pk)
        match_case.delay(case.pk)
        expected = 10
        assert wait_for(lambda: len(second.sms_lines()) >= expected, timeout=60), second.sms_lines()
        assert wait_for(lambda: Case.objects.filter(pk=case.pk, matching="done").exists())
    finally:
        second.stop()
    levels = {(e.person_id, e.level) for e in Exposure.objects.filter(case=case)}
    assert levels == {(p.pk, 1) for p in f1s} | {(p.pk, 2) for p in f2s}
    assert FollowUp.objects.filter(state="active").count() == 10
    phones = sorted(str(json.loads(line)["to"]) for line in second.sms_lines())
    assert phones == sorted(str(p.phone) for p in f1s + f2s)
