"""Check-ins partitioned by day on PostgreSQL (plain on SQLite): a client_id is one stay
across a day boundary, rows land in their day, retention drops whole days, and the task
that makes the days ahead is harmless to rerun."""

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
from django.test import Client
from django.utils import timezone

from tests.factories import PersonFactory
from tests.venues.test_checkin_api import body_for, checkin, make_venue
from truyvet.lib.postgres.partitions import partition_name, partitions_ensure, partitions_of
from truyvet.lib.tasks import partitions_create_ahead
from venues.models import CheckIn, CheckInReceipt, Venue
from venues.services import checkin_record, checkins_purge, checkins_record_for_household

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")

TABLE = "venues_checkin"


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
    with mock.patch("venues.services.timezone.now", return_value=timezone.now()) as now:
        yield now


def partition_of(checkin_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [checkin_id])  # noqa: S608
        return str(cursor.fetchone()[0])


# --- the client_id across midnight (both databases) ----------------------------------------


def test_a_check_in_at_23_59_58_replayed_at_00_00_05_answers_the_first(
    midnight: tuple[datetime, datetime], clock: mock.MagicMock
) -> None:
    venue, person, client_id = make_venue(), PersonFactory(), uuid.uuid4()
    clock.return_value = midnight[0]
    first, created = checkin_record(venue=venue, person=person, client_id=client_id)
    assert created
    CheckIn.objects.filter(pk=first.pk).update(checked_out_at=midnight[0], ends_at=midnight[0])  # left at once
    clock.return_value = midnight[1]
    again, created = checkin_record(venue=venue, person=person, client_id=client_id)
    assert not created
    assert again.pk == first.pk
    assert again.checked_in_at == midnight[0]
    assert CheckIn.objects.count() == 1
    assert CheckInReceipt.objects.get().checkin_id == first.pk


def test_the_api_replay_after_midnight_answers_the_first_stay(
    midnight: tuple[datetime, datetime], clock: mock.MagicMock
) -> None:
    venue = make_venue()
    body = body_for(venue)
    clock.return_value = midnight[0]
    first = checkin(Client(), **body)
    assert first.status_code == 201, first.content
    CheckIn.objects.update(checked_out_at=midnight[0], ends_at=midnight[0])
    clock.return_value = midnight[1]
    again = checkin(Client(), **body)
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert CheckIn.objects.count() == 1


def test_a_client_id_replayed_for_another_venue_after_midnight_is_a_conflict(
    midnight: tuple[datetime, datetime], clock: mock.MagicMock
) -> None:
    person, client_id = PersonFactory(), uuid.uuid4()
    clock.return_value = midnight[0]
    checkin_record(venue=make_venue(), person=person, client_id=client_id)
    clock.return_value = midnight[1]
    with pytest.raises(Exception) as raised:
        checkin_record(venue=make_venue("Quán Cơm"), person=person, client_id=client_id)
    assert getattr(raised.value, "code", None) == "client_id_conflict"
    assert CheckIn.objects.count() == 1


def test_a_household_tapped_twice_across_midnight_is_checked_in_once(
    midnight: tuple[datetime, datetime], clock: mock.MagicMock
) -> None:
    venue, people, base = make_venue(), [PersonFactory(), PersonFactory()], uuid.uuid4()
    clock.return_value = midnight[0]
    first = checkins_record_for_household(venue=venue, people=people, base_client_id=base)
    CheckIn.objects.update(checked_out_at=midnight[0], ends_at=midnight[0])
    clock.return_value = midnight[1]
    again = checkins_record_for_household(venue=venue, people=people, base_client_id=base)
    assert sorted(c.pk for c in again.checked_in) == sorted(c.pk for c in first.checked_in)
    assert CheckIn.objects.count() == 2


def test_a_client_id_whose_stay_is_gone_checks_in_anew(venue_and_person: tuple[Venue, Any]) -> None:
    venue, person = venue_and_person
    client_id = uuid.uuid4()
    first, _created = checkin_record(venue=venue, person=person, client_id=client_id)
    CheckIn.objects.filter(pk=first.pk).delete()  # its receipt is left behind
    again, created = checkin_record(venue=venue, person=person, client_id=client_id)
    assert created
    assert CheckInReceipt.objects.get().checkin_id == again.pk


@pytest.fixture
def venue_and_person() -> tuple[Venue, Any]:
    return make_venue(), PersonFactory()


# --- partitions (PostgreSQL) ----------------------------------------------------------------


@postgresql_only
def test_check_ins_are_range_partitioned_by_day_with_a_default_partition() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pt.partstrat FROM pg_partitioned_table pt WHERE pt.partrelid = %s::regclass", [TABLE])
        assert cursor.fetchone() == ("r",)
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
            [TABLE],
        )
        assert cursor.fetchone() == ("PRIMARY KEY (id, checked_in_at)",)
    names = partitions_of(TABLE) or []
    assert f"{TABLE}_default" in names
    assert partition_name(TABLE, timezone.localdate()) in names or partitions_create_ahead() > 0


@postgresql_only
def test_a_check_in_lands_in_the_partition_of_its_local_day(midnight: tuple[datetime, datetime]) -> None:
    partitions_create_ahead()
    venue = make_venue()
    before, after = (
        CheckIn.objects.create(
            venue=venue, person=PersonFactory(), client_id=uuid.uuid4(), checked_in_at=at, ends_at=at
        )
        for at in midnight
    )
    assert partition_of(before.pk) == partition_name(TABLE, midnight[0].date())
    assert partition_of(after.pk) == partition_name(TABLE, midnight[1].date())
    assert CheckIn.objects.get(pk=before.pk).checked_in_at == midnight[0]  # a look-up by id alone


@postgresql_only
def test_the_task_that_makes_the_days_ahead_is_idempotent() -> None:
    partitions_create_ahead()
    names = partitions_of(TABLE)
    assert partitions_create_ahead() == 0
    assert partitions_of(TABLE) == names
    today = timezone.localdate()
    for n in range(settings.PARTITIONS_DAYS_AHEAD + 1):
        assert partition_name(TABLE, today + timedelta(days=n)) in (names or [])


@postgresql_only
def test_a_day_caught_by_the_default_partition_moves_to_its_own_when_it_is_made() -> None:
    day = timezone.localdate() + timedelta(days=settings.PARTITIONS_DAYS_AHEAD + 5)
    at = local(day, 9, 0, 0)
    row = CheckIn.objects.create(
        venue=make_venue(), person=PersonFactory(), client_id=uuid.uuid4(), checked_in_at=at, ends_at=at
    )
    assert partition_of(row.pk) == f"{TABLE}_default"
    assert partitions_ensure(TABLE, first=day, last=day) == [partition_name(TABLE, day)]
    assert partition_of(row.pk) == partition_name(TABLE, day)


@postgresql_only
def test_retention_drops_the_days_past_it_and_keeps_the_recent_ones(clock: mock.MagicMock) -> None:
    today = timezone.localdate()
    partitions_ensure(TABLE, first=today - timedelta(days=25), last=today)
    venue = make_venue()
    for days_ago in (24, 22, 20, 1):
        at = local(today - timedelta(days=days_ago), 12, 0, 0)
        CheckIn.objects.create(
            venue=venue, person=PersonFactory(), client_id=uuid.uuid4(), checked_in_at=at, ends_at=at
        )
    clock.return_value = local(today, 0, 30, 0)
    assert checkins_purge() == 2
    names = partitions_of(TABLE) or []
    for days_ago in (25, 24, 22):
        assert partition_name(TABLE, today - timedelta(days=days_ago)) not in names
    for days_ago in (20, 1):
        assert partition_name(TABLE, today - timedelta(days=days_ago)) in names
    assert CheckIn.objects.count() == 2
    # A month later the rest goes too, whatever partitions exist then.
    clock.return_value = local(today + timedelta(days=30), 0, 30, 0)
    assert checkins_purge() == 2
    assert not CheckIn.objects.exists()


@postgresql_only
def test_the_part_of_the_straddling_day_past_the_cut_off_is_deleted_row_by_row(clock: mock.MagicMock) -> None:
    today = timezone.localdate()
    day = today - timedelta(days=21)
    partitions_ensure(TABLE, first=day, last=day)
    venue = make_venue()
    early, late = (
        CheckIn.objects.create(
            venue=venue, person=PersonFactory(), client_id=uuid.uuid4(), checked_in_at=at, ends_at=at
        )
        for at in (local(day, 0, 10, 0), local(day, 23, 0, 0))
    )
    clock.return_value = local(today, 2, 7, 0)
    assert checkins_purge() == 1
    assert list(CheckIn.objects.values_list("pk", flat=True)) == [late.pk]
    assert partition_name(TABLE, day) in (partitions_of(TABLE) or [])
    assert early.pk != late.pk


def test_on_sqlite_the_tables_stay_plain_and_the_task_makes_nothing() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("SQLite's behaviour")
    assert partitions_of(TABLE) is None
    assert partitions_create_ahead() == 0


@postgresql_only
def test_a_bulk_load_of_the_demo_keeps_every_index_on_every_partition() -> None:
    from venues.demo import BULK_LOAD_ROWS, bulk_load

    with bulk_load(TABLE, rows=BULK_LOAD_ROWS):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_index WHERE indrelid = %s::regclass AND NOT indisvalid", [TABLE])
        assert cursor.fetchone() == (0,)
        cursor.execute(
            """SELECT c.relname, count(x.indexrelid) FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
               LEFT JOIN pg_index x ON x.indrelid = c.oid WHERE h.inhparent = %s::regclass GROUP BY 1""",
            [TABLE],
        )
        counts = dict(cursor.fetchall())
        cursor.execute("SELECT count(*) FROM pg_index WHERE indrelid = %s::regclass", [TABLE])
        (on_the_table,) = cursor.fetchone()
    assert counts and set(counts.values()) == {on_the_table}
