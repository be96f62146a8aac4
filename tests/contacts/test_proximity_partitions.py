"""Proximity contacts partitioned by day on ``first_seen`` (PostgreSQL; a plain table on
SQLite): long encounters are stored in pieces of at most TRACING_PROXIMITY_MAX_ENCOUNTER,
matching bounds its queries by ``first_seen`` and reads only the days it needs, and the
retention drops a day once its longest possible encounter is past it."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone

from contacts import matching
from contacts.matching import close_encounters
from contacts.models import Case, Exposure, ProximityContact, ProximityDevice
from contacts.services.proximity import encounter_pieces, proximity_upload, upload_code_issue
from contacts.tasks import purge_old_proximity_contacts
from contacts.upkeep import proximity_contacts_cutoff, proximity_contacts_purge
from tests.factories import CaseFactory, PersonFactory
from truyvet.lib.errors import DomainError
from truyvet.lib.postgres.partitions import partition_name, partitions_ensure, partitions_of
from truyvet.lib.tasks import partitions_create_ahead

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")

TABLE = "contacts_proximitycontact"
MIGRATION = importlib.import_module("contacts.migrations.0200_partition_proximity_contacts")
HOUR = timedelta(hours=1)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(settings.TIME_ZONE))


def today() -> date:
    return timezone.localdate()


def row(device: ProximityDevice, other: ProximityDevice, first: datetime, last: datetime) -> ProximityContact:
    """A stored encounter, written directly (as an upload of the past would have)."""
    return ProximityContact.objects.create(
        device=device, other_device_id=other.device_id, first_seen=first, last_seen=last, min_distance_m=1
    )


def partition_of(contact_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [contact_id])  # noqa: S608
        return str(cursor.fetchone()[0])


def days_read(plan: str) -> set[str]:
    """The partitions an EXPLAIN names (a partition's index names start with its own)."""
    return set(re.findall(rf"{TABLE}_(p\d{{8}}|default)", plan))


@pytest.fixture
def phones() -> Callable[[int], list[ProximityDevice]]:
    def make(n: int) -> list[ProximityDevice]:
        return [ProximityDevice.objects.create(person=PersonFactory()) for _ in range(n)]

    return make


def upload_for(case: Case, contacts: list[dict[str, Any]], *, now: datetime | None = None) -> Any:
    device, _ = ProximityDevice.objects.get_or_create(person=case.person)
    code = upload_code_issue(user=None, person=case.person, case=case).code
    return proximity_upload(device_id=device.device_id, upload_code=code, contacts=contacts, now=now)


def logged(other: ProximityDevice, first: datetime, last: datetime, distance: float = 1.0) -> dict[str, Any]:
    return {
        "device_id": other.device_id,
        "first_seen": first.isoformat(),
        "last_seen": last.isoformat(),
        "min_distance_m": distance,
    }


def case_infectious_from(day: date) -> Case:
    """A confirmed case whose infectious window starts at ``day``'s local midnight."""
    return CaseFactory(sample_date=day + timedelta(days=settings.TRACING_INFECTIOUS_DAYS_BEFORE))


# --- the bound ---------------------------------------------------------------------------


def test_the_longest_stored_encounter_is_six_hours_by_default() -> None:
    assert timedelta(hours=6) == settings.TRACING_PROXIMITY_MAX_ENCOUNTER
    assert TABLE in settings.PARTITIONED_TABLES


def test_a_long_encounter_is_cut_into_touching_pieces_that_start_a_maximum_apart() -> None:
    first = local(today() - timedelta(days=2), 20)
    pieces = encounter_pieces(first, first + 14 * HOUR, longest=6 * HOUR, not_before=first - 30 * HOUR)
    assert pieces == [
        (first, first + 6 * HOUR),
        (first + 6 * HOUR, first + 12 * HOUR),
        (first + 12 * HOUR, first + 14 * HOUR),
    ]
    assert encounter_pieces(first, first + 6 * HOUR, longest=6 * HOUR, not_before=first) == [(first, first + 6 * HOUR)]


def test_the_pieces_of_a_long_encounter_that_ended_before_the_retention_are_left_out() -> None:
    first = local(today() - timedelta(days=30), 8)
    not_before = first + 100 * HOUR
    pieces = encounter_pieces(first, first + 200 * HOUR, longest=6 * HOUR, not_before=not_before)
    assert pieces[0][0] == first + 96 * HOUR  # the piece 96 h .. 102 h still ends after not_before
    assert pieces[0][1] >= not_before and pieces[-1][1] == first + 200 * HOUR
    assert len(pieces) == 18


def test_an_upload_stores_a_fourteen_hour_encounter_as_three_pieces_beside_the_short_ones(
    phones: Callable[[int], list[ProximityDevice]],
) -> None:
    household, colleague = phones(2)
    case = case_infectious_from(today() - timedelta(days=3))
    start = local(today() - timedelta(days=2), 20)
    result = upload_for(
        case,
        [logged(household, start, start + 14 * HOUR), logged(colleague, start + 15 * HOUR, start + 15.5 * HOUR)],
    )
    assert (result.accepted, result.new, result.split) == (4, 4, 1)
    pieces = list(
        ProximityContact.objects.filter(other_device_id=household.device_id)
        .order_by("first_seen")
        .values_list("first_seen", "last_seen")
    )
    assert pieces == [
        (start, start + 6 * HOUR),
        (start + 6 * HOUR, start + 12 * HOUR),
        (start + 12 * HOUR, start + 14 * HOUR),
    ]
    assert ProximityContact.objects.filter(other_device_id=colleague.device_id).count() == 1


def test_a_replay_of_a_long_encounter_writes_nothing_twice_and_a_longer_log_adds_only_its_new_pieces(
    phones: Callable[[int], list[ProximityDevice]],
) -> None:
    (household,) = phones(1)
    case = case_infectious_from(today() - timedelta(days=4))
    start = local(today() - timedelta(days=3), 20)
    upload_for(case, [logged(household, start, start + 14 * HOUR)])
    again = upload_for(case, [logged(household, start, start + 14 * HOUR)])
    assert (again.accepted, again.new) == (3, 0)
    longer = upload_for(case, [logged(household, start, start + 20 * HOUR)])
    # 18 .. 20 h is new; 12 .. 18 h meets the stored 12 .. 14 h piece, which stays as it was
    # (ON CONFLICT DO NOTHING: an upload never rewrites a stored row).
    assert (longer.accepted, longer.new) == (4, 1)
    assert ProximityContact.objects.count() == 4


def test_a_log_whose_long_encounters_make_too_many_rows_is_refused_whole(
    phones: Callable[[int], list[ProximityDevice]], monkeypatch: Any
) -> None:
    monkeypatch.setattr("contacts.services.proximity.MAX_STORED", 5)
    (household,) = phones(1)
    case = case_infectious_from(today() - timedelta(days=3))
    start = local(today() - timedelta(days=3), 0)
    with pytest.raises(DomainError) as refused:
        upload_for(case, [logged(household, start, start + 48 * HOUR)])
    assert (refused.value.code, refused.value.status) == ("too_many", 413)
    assert not ProximityContact.objects.exists()


# --- matching -------------------------------------------------------------------------------


def test_an_encounter_crossing_midnight_into_the_infectious_window_is_matched(
    phones: Callable[[int], list[ProximityDevice]],
) -> None:
    """Its first_seen is before the window's start: the first_seen bound reaches back the
    longest encounter, so the query still finds it."""
    (neighbour,) = phones(1)
    day = today() - timedelta(days=3)
    case = case_infectious_from(day)
    assert matching.infectious_window(case).start == local(day, 0)
    upload_for(case, [logged(neighbour, local(day - timedelta(days=1), 23, 50), local(day, 0, 20))])
    matching.match_case(case.pk)
    exposure = Exposure.objects.get(case=case)
    assert (exposure.person_id, exposure.level, exposure.via) == (neighbour.person_id, 1, "proximity")
    assert (exposure.overlap_start, exposure.overlap_end) == (local(day, 0), local(day, 0, 20))


def test_a_fourteen_hour_encounter_across_midnight_is_matched_as_one_with_its_last_minute(
    phones: Callable[[int], list[ProximityDevice]],
) -> None:
    (household,) = phones(1)
    day = today() - timedelta(days=3)
    case = case_infectious_from(day)
    upload_for(case, [logged(household, local(day - timedelta(days=1), 20), local(day, 10))])
    assert ProximityContact.objects.count() == 3
    matching.match_case(case.pk)
    exposure = Exposure.objects.get(case=case)
    assert (exposure.overlap_start, exposure.overlap_end) == (local(day, 0), local(day, 10))


def test_a_piece_that_began_almost_the_longest_encounter_before_the_window_is_found(
    phones: Callable[[int], list[ProximityDevice]],
) -> None:
    (neighbour,) = phones(1)
    day = today() - timedelta(days=3)
    case = case_infectious_from(day)
    longest = settings.TRACING_PROXIMITY_MAX_ENCOUNTER
    first = local(day, 0) + timedelta(minutes=20) - longest
    row(ProximityDevice.objects.create(person=case.person), neighbour, first, first + longest)
    matching.match_case(case.pk)
    assert Exposure.objects.get(case=case).person_id == neighbour.person_id


@postgresql_only
def test_matching_reads_only_the_days_of_its_window_and_the_longest_encounter_before_it() -> None:
    partitions_ensure(TABLE, first=today() - timedelta(days=25), last=today() + timedelta(days=7))
    earliest = local(today() - timedelta(days=3), 0)
    latest = timezone.now()
    wanted = {f"p{d:%Y%m%d}" for d in (today() - timedelta(days=n) for n in range(5))}  # the day before .. today
    for query in (
        close_encounters(earliest, latest).filter(device__device_id__in=["a" * 32, "b" * 32]),
        close_encounters(earliest, latest).filter(other_device_id__in=["a" * 32, "b" * 32]),
    ):
        plan = query.explain()
        assert days_read(plan) - {"default"} == wanted, plan
    # The same question by last_seen alone reads every day.
    unbounded = ProximityContact.objects.filter(last_seen__gte=earliest, other_device_id__in=["a" * 32]).explain()
    assert len(days_read(unbounded)) >= 25 + 7


# --- the table ------------------------------------------------------------------------------


@postgresql_only
def test_proximity_contacts_are_range_partitioned_by_day_on_first_seen() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT a.attname FROM pg_partitioned_table pt
               JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
               WHERE pt.partrelid = %s::regclass AND pt.partstrat = 'r'""",
            [TABLE],
        )
        assert cursor.fetchone() == ("first_seen",)
        cursor.execute(
            "SELECT contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass"
            " AND contype IN ('p', 'u') ORDER BY contype",
            [TABLE],
        )
        assert cursor.fetchall() == [
            ("p", "PRIMARY KEY (id, first_seen)"),
            ("u", "UNIQUE (device_id, other_device_id, first_seen)"),
        ]
    assert f"{TABLE}_default" in (partitions_of(TABLE) or [])


@postgresql_only
def test_an_encounter_lands_in_the_partition_of_the_local_day_it_began(
    phones: Callable[[int], list[ProximityDevice]],
) -> None:
    partitions_create_ahead()
    own, other = phones(2)
    first = local(today() - timedelta(days=1), 23, 50)
    contact = row(own, other, first, first + timedelta(minutes=30))
    assert partition_of(contact.pk) == partition_name(TABLE, today() - timedelta(days=1))
    assert ProximityContact.objects.get(pk=contact.pk).last_seen == first + timedelta(minutes=30)


def _shape() -> tuple[list[Any], list[Any]]:
    """The table's constraints (but its primary key) and indexes, as PostgreSQL writes them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype <> 'p' ORDER BY conname",
            [TABLE],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """SELECT i.relname, replace(pg_get_indexdef(x.indexrelid), ' ON ONLY ', ' ON ')
               FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
               WHERE x.indrelid = %s::regclass AND NOT x.indisprimary ORDER BY 1""",
            [TABLE],
        )
        return constraints, cursor.fetchall()


@postgresql_only
def test_the_migration_converts_a_plain_table_keeping_rows_keys_indexes_and_the_id_sequence(
    phones: Callable[[int], list[ProximityDevice]],
) -> None:
    own, other = phones(2)
    partitioned_shape = _shape()
    rows = [
        row(own, other, local(today() - timedelta(days=n), 9), local(today() - timedelta(days=n), 10))
        for n in (40, 20, 1, 0)
    ]
    editor = SimpleNamespace(connection=connection)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # rows of this transaction: no pending checks
        MIGRATION.unpartition(apps, editor)
        assert partitions_of(TABLE) is None
        assert _shape() == partitioned_shape
        MIGRATION.partition(apps, editor)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    names = partitions_of(TABLE) or []
    assert names
    stored = ProximityContact.objects.order_by("pk").values_list("pk", "first_seen", "last_seen")
    assert list(stored) == [(r.pk, r.first_seen, r.last_seen) for r in rows]
    assert _shape() == partitioned_shape
    # Recent days have their own partition; the 40-day-old row waits in the default one for the purge.
    assert partition_of(rows[2].pk) == partition_name(TABLE, today() - timedelta(days=1))
    assert partition_of(rows[0].pk) == f"{TABLE}_default"
    assert partition_name(TABLE, today() - timedelta(days=40)) not in names
    assert row(own, other, local(today(), 11), local(today(), 12)).pk > rows[-1].pk
    # The unique key still turns a replay into nothing (ON CONFLICT DO NOTHING).
    replay = ProximityContact(
        device=own,
        other_device_id=other.device_id,
        first_seen=rows[3].first_seen,
        last_seen=rows[3].last_seen + HOUR,
        min_distance_m=rows[3].min_distance_m,
    )
    ProximityContact.objects.bulk_create([replay], ignore_conflicts=True)
    assert ProximityContact.objects.count() == 5


def test_the_migration_cuts_stored_over_long_encounters_into_pieces(
    phones: Callable[[int], list[ProximityDevice]],
) -> None:
    own, other = phones(2)
    start = local(today() - timedelta(days=2), 20)
    short = row(own, other, start - 2 * HOUR, start - HOUR)
    long_one = row(own, other, start, start + 14 * HOUR)
    MIGRATION.split_long_encounters(apps, SimpleNamespace(connection=connection))
    stored = list(ProximityContact.objects.order_by("first_seen").values_list("pk", "first_seen", "last_seen"))
    assert stored[:2] == [
        (short.pk, start - 2 * HOUR, start - HOUR),
        (long_one.pk, start, start + 6 * HOUR),
    ]
    assert [(first, last) for _pk, first, last in stored[2:]] == [
        (start + 6 * HOUR, start + 12 * HOUR),
        (start + 12 * HOUR, start + 14 * HOUR),
    ]


def test_on_sqlite_the_table_stays_plain_and_the_conversion_does_nothing() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("SQLite's behaviour")
    MIGRATION.partition(apps, SimpleNamespace(connection=connection))
    assert partitions_of(TABLE) is None


# --- retention ------------------------------------------------------------------------------


def test_the_cut_off_is_the_midnight_before_the_retention_and_the_longest_encounter() -> None:
    noon = local(today(), 12)
    assert proximity_contacts_cutoff(noon) == local(today() - timedelta(days=21), 0)
    assert proximity_contacts_cutoff(local(today(), 5)) == local(today() - timedelta(days=22), 0)


def test_retention_removes_the_days_past_it_and_keeps_the_recent_ones(
    phones: Callable[[int], list[ProximityDevice]],
) -> None:
    if connection.vendor == "postgresql":
        partitions_ensure(TABLE, first=today() - timedelta(days=26), last=today())
    own, other = phones(2)
    for days_ago in (25, 23, 22, 21, 20, 1):
        first = local(today() - timedelta(days=days_ago), 23)
        row(own, other, first, first + timedelta(minutes=20))
    now = local(today(), 12)
    assert proximity_contacts_purge(now=now) == 3
    left = sorted(
        (today() - timezone.localdate(f)).days for f in ProximityContact.objects.values_list("first_seen", flat=True)
    )
    assert left == [1, 20, 21]
    if connection.vendor == "postgresql":
        names = partitions_of(TABLE) or []
        for days_ago in (25, 23, 22):
            assert partition_name(TABLE, today() - timedelta(days=days_ago)) not in names
        for days_ago in (21, 20, 1):
            assert partition_name(TABLE, today() - timedelta(days=days_ago)) in names
    assert proximity_contacts_purge(now=now) == 0


def test_a_day_goes_only_once_its_longest_possible_encounter_ended_before_the_retention(
    phones: Callable[[int], list[ProximityDevice]],
) -> None:
    """A piece from 20:00 to 02:00 the next day: at 01:00, 21 days after that next day, it
    is not yet 21 days past its end, and its day stays whole; at 07:00 the day goes."""
    own, other = phones(2)
    day = today() - timedelta(days=22)
    piece = row(own, other, local(day, 20), local(day + timedelta(days=1), 2))
    assert proximity_contacts_purge(now=local(today(), 1)) == 0
    assert ProximityContact.objects.filter(pk=piece.pk).exists()
    later = local(today(), 7)
    assert piece.last_seen < later - timedelta(days=settings.PROXIMITY_RETENTION_DAYS)
    assert proximity_contacts_purge(now=later) == 1
    assert not ProximityContact.objects.exists()


def test_rows_no_day_partition_covers_are_deleted_all_the_same(
    phones: Callable[[int], list[ProximityDevice]],
) -> None:
    own, other = phones(2)
    stray = local(today() - timedelta(days=400), 9)
    row(own, other, stray, stray + HOUR)
    assert proximity_contacts_purge(batch_size=1) == 1
    assert not ProximityContact.objects.exists()


def test_the_purge_runs_every_hour_and_a_rerun_removes_nothing(
    phones: Callable[[int], list[ProximityDevice]],
) -> None:
    schedule = settings.CELERY_BEAT_SCHEDULE["purge-old-proximity-contacts"]["schedule"]
    assert schedule.hour == set(range(24)) and schedule.minute == {37}
    own, other = phones(2)
    first = local(today() - timedelta(days=30), 9)
    row(own, other, first, first + HOUR)
    assert purge_old_proximity_contacts.delay().get() == 1
    assert purge_old_proximity_contacts.delay().get() == 0
