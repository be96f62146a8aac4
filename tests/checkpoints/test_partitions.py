"""Passages partitioned by day on PostgreSQL (plain on SQLite): a batch item is one passage
across a day boundary (its receipt answers the replay), a reused client_id is still a
conflict, racing batches write once, retention drops whole days, the days ahead are made
for passages too, and the migration converts a table with rows in place and back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from checkpoints.models import Checkpoint, Passage, PassageReceipt
from checkpoints.services.passage_store import passage_first_scanned_at, passages_stored, receipt_for
from checkpoints.services.scans import ScanItem, scans_ingest
from checkpoints.tasks import purge_old_passages
from truyvet.accounts.models import User
from truyvet.lib.postgres.partitions import partition_name, partitions_ensure, partitions_of
from truyvet.lib.tasks import partitions_create_ahead

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")

TABLE = "checkpoints_passage"


def local(day: date, hour: int, minute: int, second: int) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture
def midnight() -> tuple[datetime, datetime]:
    """Two seconds before and five after the last midnight (local time)."""
    today = timezone.localdate()
    return local(today - timedelta(days=1), 23, 59, 58), local(today, 0, 0, 5)


@pytest.fixture
def clock() -> Iterator[mock.MagicMock]:
    """django.utils.timezone.now, set by the test (the real time until then)."""
    with mock.patch("checkpoints.services.scans.timezone.now", return_value=timezone.now()) as now:
        yield now


def typed(client_id: uuid.UUID, at: datetime, direction: str = "in") -> ScanItem:
    """A batch item whose traveller staff typed (an id number nobody has)."""
    return ScanItem(client_id=client_id, direction=direction, scanned_at=at, id_number="001090000001")


def partition_of(passage_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [passage_id])  # noqa: S608
        return str(cursor.fetchone()[0])


def passage_at(checkpoint: Checkpoint, at: datetime, seq: int = 0, client_id: uuid.UUID | None = None) -> Passage:
    """A passage and its receipt, written directly (older than a tablet may send)."""
    passage = Passage.objects.create(
        client_id=client_id or uuid.uuid4(),
        seq=seq,
        checkpoint=checkpoint,
        direction="in",
        verdict="allow",
        scanned_at=at,
    )
    receipt_for(passage, "f" * 32).save(force_insert=True)
    return passage


# --- the client_id across midnight (both databases) ----------------------------------------


def test_an_item_scanned_at_23_59_58_and_replayed_at_00_00_05_answers_the_first_passage(
    checkpoint: Checkpoint, guard: User, midnight: tuple[datetime, datetime], clock: mock.MagicMock
) -> None:
    client_id = uuid.uuid4()
    clock.return_value = midnight[0] + timedelta(seconds=1)
    [first] = scans_ingest(checkpoint=checkpoint, user=guard, items=[typed(client_id, midnight[0])])
    assert first.status == "created"
    clock.return_value = midnight[1]
    [again] = scans_ingest(checkpoint=checkpoint, user=guard, items=[typed(client_id, midnight[0])])
    assert (again.status, again.passage_ids, again.verdict) == ("duplicate", first.passage_ids, first.verdict)
    assert Passage.objects.count() == 1
    receipt = PassageReceipt.objects.get()
    assert (receipt.passage_id, receipt.scanned_at) == (first.passage_ids[0], midnight[0])
    if connection.vendor == "postgresql":
        assert partition_of(first.passage_ids[0]) == partition_name(TABLE, midnight[0].date())


def test_the_api_replay_of_a_batch_after_midnight_changes_nothing(
    guard_client: Client, checkpoint: Checkpoint, midnight: tuple[datetime, datetime], clock: mock.MagicMock
) -> None:
    items = [
        {"client_id": str(uuid.uuid4()), "direction": "in", "scanned_at": midnight[0].isoformat(), "id_number": n}
        for n in ("001090000001", "001090000002")
    ]
    url = f"/api/v1/checkpoints/{checkpoint.pk}/scans/"
    clock.return_value = midnight[0] + timedelta(seconds=1)
    first = guard_client.post(url, {"scans": items}, content_type="application/json").json()["results"]
    assert [r["status"] for r in first] == ["created", "created"]
    clock.return_value = midnight[1]
    again = guard_client.post(url, {"scans": items}, content_type="application/json").json()["results"]
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]
    assert [r["passage_ids"] for r in again] == [r["passage_ids"] for r in first]
    assert Passage.objects.count() == 2


def test_a_client_id_reused_with_another_body_after_midnight_is_rejected_as_a_conflict(
    checkpoint: Checkpoint, guard: User, midnight: tuple[datetime, datetime], clock: mock.MagicMock
) -> None:
    client_id = uuid.uuid4()
    clock.return_value = midnight[0] + timedelta(seconds=1)
    scans_ingest(checkpoint=checkpoint, user=guard, items=[typed(client_id, midnight[0])])
    clock.return_value = midnight[1]
    [other] = scans_ingest(checkpoint=checkpoint, user=guard, items=[typed(client_id, midnight[1], "out")])
    assert (other.status, other.reason, other.http_status) == ("rejected", "client_id_reused", 409)
    assert Passage.objects.count() == 1


def test_a_batch_that_raced_an_identical_one_is_answered_as_replays_and_writes_nothing(
    checkpoint: Checkpoint, guard: User
) -> None:
    items = [typed(uuid.uuid4(), timezone.now() - timedelta(minutes=m)) for m in (1, 2)]
    first = scans_ingest(checkpoint=checkpoint, user=guard, items=items)
    stored = passages_stored([i.client_id for i in items])
    # The second request read the receipts before the first one committed: it saw none, and
    # its write conflicts with the receipts; it reads them again and answers replays.
    with mock.patch("checkpoints.services.scans.passages_stored", side_effect=[{}, stored]):
        second = scans_ingest(checkpoint=checkpoint, user=guard, items=items)
    assert [r.status for r in second] == ["duplicate", "duplicate"]
    assert [r.passage_ids for r in second] == [r.passage_ids for r in first]
    assert Passage.objects.count() == 2
    assert PassageReceipt.objects.count() == 2


def test_the_first_scan_time_of_an_item_sent_again_comes_from_its_receipt(
    checkpoint: Checkpoint, guard: User, midnight: tuple[datetime, datetime], clock: mock.MagicMock
) -> None:
    client_id = uuid.uuid4()
    clock.return_value = midnight[0]
    scans_ingest(checkpoint=checkpoint, user=guard, items=[typed(client_id, midnight[0])])
    assert passage_first_scanned_at(client_id) == midnight[0]
    assert passage_first_scanned_at(uuid.uuid4()) is None


# --- retention (both databases; partitions on PostgreSQL) ----------------------------------


def test_the_default_retention_is_21_days_and_the_purge_runs_every_night() -> None:
    assert settings.PASSAGE_RETENTION_DAYS == 21
    assert settings.CELERY_BEAT_SCHEDULE["purge-old-passages"]["task"] == purge_old_passages.name
    assert purge_old_passages.name == "checkpoints.tasks.purge_old_passages"


def test_retention_drops_the_days_past_it_and_keeps_the_recent_ones(checkpoint: Checkpoint) -> None:
    today = timezone.localdate()
    partitions_ensure(TABLE, first=today - timedelta(days=25), last=today)
    kept = {days: passage_at(checkpoint, local(today - timedelta(days=days), 12, 0, 0)) for days in (24, 22, 20, 1)}
    with mock.patch("checkpoints.upkeep.timezone.now", return_value=local(today, 0, 30, 0)):
        assert purge_old_passages.delay().get() == 2
        assert purge_old_passages.delay().get() == 0  # a rerun finds nothing
    assert sorted(Passage.objects.values_list("pk", flat=True)) == sorted([kept[20].pk, kept[1].pk])
    assert sorted(PassageReceipt.objects.values_list("passage_id", flat=True)) == sorted([kept[20].pk, kept[1].pk])
    if connection.vendor == "postgresql":
        names = partitions_of(TABLE) or []
        for days_ago in (25, 24, 22):
            assert partition_name(TABLE, today - timedelta(days=days_ago)) not in names
        for days_ago in (20, 1, 0):
            assert partition_name(TABLE, today - timedelta(days=days_ago)) in names


@postgresql_only
def test_the_part_of_the_straddling_day_past_the_cut_off_is_deleted_row_by_row(checkpoint: Checkpoint) -> None:
    today = timezone.localdate()
    day = today - timedelta(days=21)
    partitions_ensure(TABLE, first=day, last=day)
    early, late = (passage_at(checkpoint, at) for at in (local(day, 0, 10, 0), local(day, 23, 0, 0)))
    with mock.patch("checkpoints.upkeep.timezone.now", return_value=local(today, 2, 17, 0)):
        assert purge_old_passages.delay().get() == 1
    assert list(Passage.objects.values_list("pk", flat=True)) == [late.pk]
    assert list(PassageReceipt.objects.values_list("passage_id", flat=True)) == [late.pk]
    assert partition_name(TABLE, day) in (partitions_of(TABLE) or [])
    assert early.pk != late.pk


# --- partitions (PostgreSQL) ----------------------------------------------------------------


def test_passages_are_a_table_the_hourly_task_keeps_days_ahead_for() -> None:
    assert TABLE in settings.PARTITIONED_TABLES
    if connection.vendor != "postgresql":
        assert partitions_of(TABLE) is None
        assert partitions_create_ahead() == 0
        return
    partitions_create_ahead()
    names = partitions_of(TABLE) or []
    assert partitions_create_ahead() == 0
    today = timezone.localdate()
    for n in range(-1, settings.PARTITIONS_DAYS_AHEAD + 1):
        assert partition_name(TABLE, today + timedelta(days=n)) in names


@postgresql_only
def test_passages_are_range_partitioned_by_day_on_scanned_at_with_a_default_partition() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT pt.partstrat, a.attname FROM pg_partitioned_table pt
               JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
               WHERE pt.partrelid = %s::regclass""",
            [TABLE],
        )
        assert cursor.fetchone() == ("r", "scanned_at")
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
            [TABLE],
        )
        assert cursor.fetchone() == ("PRIMARY KEY (id, scanned_at)",)
    names = partitions_of(TABLE) or []
    assert f"{TABLE}_default" in names
    # Scans up to CHECKPOINT_SCAN_MAX_AGE late have their days.
    week_ago = timezone.localdate() - timedelta(days=7)
    assert partition_name(TABLE, week_ago) in names


def _indexes() -> dict[str, str]:
    """The passages' indexes, name -> definition (as on a plain table)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x
               JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass""",
            [TABLE],
        )
        return {name: definition.replace(" ON ONLY ", " ON ") for name, definition in cursor.fetchall()}


def _rows() -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, client_id, seq, scanned_at, verdict FROM {TABLE} ORDER BY id")  # noqa: S608
        return cursor.fetchall()


# The checkpoints' newest migration: the passages partitioned, without the fingerprint column.
LATEST = "0330_remove_passage_fingerprint"


def _migrate(target: str) -> None:
    MigrationExecutor(connection).migrate([("checkpoints", target)])


@postgresql_only
def test_the_migration_converts_a_table_with_rows_keeping_their_ids_and_the_indexes_and_back(
    checkpoint: Checkpoint,
) -> None:
    partitioned = _indexes()
    _migrate("0002_passage_log_keys")
    assert partitions_of(TABLE) is None
    plain = _indexes()
    assert set(plain) == set(partitioned) | {"checkpoints_passage_once"}
    today = timezone.localdate()
    times = [local(today - timedelta(days=3), 9, 0, 0), local(today - timedelta(days=1), 23, 59, 58), timezone.now()]
    trip = uuid.uuid4()
    with connection.cursor() as cursor:
        for n, at in enumerate([*times, times[-1]]):
            cursor.execute(
                f"INSERT INTO {TABLE} (client_id, seq, fingerprint, checkpoint_id, identifier, direction,"  # noqa: S608
                " vehicle_plate, vehicle_type, verdict, risk_level, reasons, scanned_at, tablet_id, created_at)"
                " VALUES (%s, %s, 'f', %s, '', 'in', '', '', 'allow', '', '[]', %s, '', now())",
                [trip if n >= 2 else uuid.uuid4(), n - 2 if n >= 2 else 0, checkpoint.pk, at],
            )
    before = _rows()

    _migrate(LATEST)
    assert _rows() == before
    assert _indexes() == partitioned
    for passage_id, _client, _seq, scanned_at, _verdict in before:
        assert partition_of(passage_id) == partition_name(TABLE, timezone.localdate(scanned_at))
    receipts = PassageReceipt.objects.order_by("passage_id")
    assert [(r.passage_id, r.client_id, r.seq, r.scanned_at) for r in receipts] == [row[:4] for row in before]
    newer = passage_at(checkpoint, timezone.now())
    assert newer.pk > before[-1][0]  # the id sequence goes on

    _migrate("0002_passage_log_keys")
    assert partitions_of(TABLE) is None
    assert _rows() == [*before, (newer.pk, newer.client_id, 0, newer.scanned_at, "allow")]
    assert _indexes() == plain
    with connection.cursor() as cursor:  # the fingerprint column back, filled from the receipts
        cursor.execute(f"SELECT fingerprint FROM {TABLE} WHERE id = %s", [newer.pk])  # noqa: S608
        assert cursor.fetchone() == ("f" * 32,)
    _migrate(LATEST)
    assert partitions_of(TABLE) is not None
