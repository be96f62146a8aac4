"""Tables range-partitioned by day on PostgreSQL (docs/ARCHITECTURE.md, "Partitioned tables").

A partition holds one local day (``TIME_ZONE``) of its table's partition key and is named
``<table>_pYYYYMMDD``; ``<table>_default`` catches a row no day partition covers (the
maintenance task did not run for a week, a clock far off), so an insert never fails for
want of a partition. The beat task ``truyvet.lib.tasks.partitions_create_ahead`` keeps
today .. today + ``PARTITIONS_DAYS_AHEAD`` in place; a day found in the default partition
is moved out of it into its own partition then. Retention drops whole days
(``truyvet.lib.retention.purge_before``).

``convert_to_daily_partitions`` is what the migrations run: it rebuilds an existing plain
table as a partitioned one (same columns, indexes, checks and foreign keys; the primary
key becomes ``(id, key)``) and moves its rows, so an existing database upgrades in place.
On SQLite nothing here runs: the tables stay plain.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

# Taking a partition in or out locks the parent table: never queue behind a long query
# (and so stop every insert behind it); the next run tries again.
LOCK_TIMEOUT = "5s"


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_zone())


def _bounds(day: date) -> str:
    """``FOR VALUES`` of one day, as literals: DDL takes no parameters (server-side binding)."""
    lo, hi = day_start(day), day_start(day + timedelta(days=1))
    return f"FOR VALUES FROM ('{lo.isoformat()}') TO ('{hi.isoformat()}')"


def partition_name(table: str, day: date) -> str:
    return f"{table}_p{day:%Y%m%d}"


def default_name(table: str) -> str:
    return f"{table}_default"


def _day_of(name: str, table: str) -> date | None:
    suffix = name.removeprefix(f"{table}_p")
    if suffix == name or len(suffix) != 8 or not suffix.isdigit():
        return None
    return date(int(suffix[:4]), int(suffix[4:6]), int(suffix[6:]))


def partitions_of(table: str, *, using: BaseDatabaseWrapper | None = None) -> list[str] | None:
    """The names of ``table``'s partitions, or None when it is not partitioned (or not on
    PostgreSQL). One query."""
    conn = using or connection
    if conn.vendor != "postgresql":
        return None
    with conn.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname FROM pg_partitioned_table pt
               LEFT JOIN pg_inherits i ON i.inhparent = pt.partrelid
               LEFT JOIN pg_class c ON c.oid = i.inhrelid
               WHERE pt.partrelid = to_regclass(%s)""",
            [table],
        )
        rows = cursor.fetchall()
    if not rows:
        return None
    return sorted(name for (name,) in rows if name is not None)


def partition_key(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT a.attname FROM pg_partitioned_table pt
               JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
               WHERE pt.partrelid = to_regclass(%s)""",
            [table],
        )
        return str(cursor.fetchone()[0])


def _create_day(cursor: object, table: str, key: str, day: date) -> None:
    """One day's partition; rows of that day already in the default partition move into it."""
    name, default = partition_name(table, day), default_name(table)
    lo, hi = day_start(day), day_start(day + timedelta(days=1))
    bounds = _bounds(day)
    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")  # type: ignore[attr-defined]
    cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{default}" WHERE "{key}" >= %s AND "{key}" < %s)', [lo, hi])  # type: ignore[attr-defined]  # noqa: S608
    if not cursor.fetchone()[0]:  # type: ignore[attr-defined]
        cursor.execute(f'CREATE TABLE "{name}" PARTITION OF "{table}" {bounds}')  # type: ignore[attr-defined]
        return
    cursor.execute(f'CREATE TABLE "{name}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')  # type: ignore[attr-defined]
    cursor.execute(  # type: ignore[attr-defined]
        f'WITH moved AS (DELETE FROM "{default}" WHERE "{key}" >= %s AND "{key}" < %s RETURNING *)'  # noqa: S608
        f' INSERT INTO "{name}" SELECT * FROM moved',
        [lo, hi],
    )
    cursor.execute(f'ALTER TABLE "{table}" ATTACH PARTITION "{name}" {bounds}')  # type: ignore[attr-defined]


def partitions_ensure(table: str, *, first: date, last: date) -> list[str]:
    """Create the day partitions of ``first`` .. ``last`` that are missing (each in its own
    short transaction); returns the names created. Idempotent; nothing on a plain table."""
    existing = partitions_of(table)
    if existing is None:
        return []
    key = partition_key(table)
    created = []
    day = first
    with connection.cursor() as cursor:
        if default_name(table) not in existing:
            cursor.execute(f'CREATE TABLE IF NOT EXISTS "{default_name(table)}" PARTITION OF "{table}" DEFAULT')
        while day <= last:
            if partition_name(table, day) not in existing:
                with transaction.atomic():
                    _create_day(cursor, table, key, day)
                created.append(partition_name(table, day))
            day += timedelta(days=1)
    return created


def partitions_drop_before(table: str, cutoff: datetime) -> int:
    """Drop the day partitions that end at or before ``cutoff``; returns the rows they held.
    Rows older than ``cutoff`` in the day that straddles it (or in the default partition)
    stay: the caller deletes them (a few minutes' rows when run soon after midnight)."""
    existing = partitions_of(table) or []
    dropped = 0
    with connection.cursor() as cursor:
        for name in existing:
            day = _day_of(name, table)
            if day is None or day_start(day + timedelta(days=1)) > cutoff:
                continue
            with transaction.atomic():
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                cursor.execute(f'SELECT count(*) FROM "{name}"')  # noqa: S608
                rows = int(cursor.fetchone()[0])
                # Rows written earlier in the same transaction (a test) leave deferred
                # foreign-key checks queued, and PostgreSQL drops no table with those.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f'DROP TABLE "{name}"')
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            dropped += rows
    return dropped


def days_to_keep_ahead(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today - timedelta(days=1), today + timedelta(days=settings.PARTITIONS_DAYS_AHEAD)


# --- converting a plain table (migrations) -------------------------------------------------


def _foreign_keys_and_indexes(cursor: Any, table: str) -> tuple[list[Any], list[Any], list[Any]]:
    """The table's foreign keys, its unique (and exclusion) constraints, and its other
    indexes but the primary key, each (name, definition), to make again on the table that
    replaces it. A constraint's own index is the constraint's: it is dropped and made with
    it, so that Django, which names the constraint, can later alter or drop it."""
    cursor.execute(
        """SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
           WHERE c.conrelid = %s::regclass AND c.contype = 'f'""",
        [table],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        """SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
           WHERE c.conrelid = %s::regclass AND c.contype IN ('u', 'x') ORDER BY c.conname""",
        [table],
    )
    unique = cursor.fetchall()
    cursor.execute(
        """SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x
           JOIN pg_class i ON i.oid = x.indexrelid
           WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                             WHERE c.conrelid = x.indrelid AND c.conindid = x.indexrelid)""",
        [table],
    )
    return foreign_keys, unique, cursor.fetchall()


def convert_to_daily_partitions(
    table: str, key: str, *, days_back: int, days_ahead: int, rows_days_back: int | None = None
) -> None:
    """Rebuild the plain table ``table`` as one range-partitioned by day on ``key``, with its
    rows. The new table keeps the column order, defaults, checks, unique constraints,
    indexes and foreign keys; the id sequence continues where the old one stopped; the
    primary key becomes ``(id, key)`` (PostgreSQL requires the partition key in every unique
    index), which Django does not see: its ``id`` stays the model's primary key. Partitions
    are made for every day that has rows, and for ``days_back`` before .. ``days_ahead``
    after today. With ``rows_days_back``, days with rows get a partition of their own only
    back to that many days before today: older rows (a stray time years back, which would
    otherwise make a partition for every day since) go to the default partition, where the
    retention's batched delete finds them. Runs inside the migration's transaction: a
    failure leaves the old table as it was.

    Nothing may reference ``table`` with a database foreign key (checked: it raises). A
    unique constraint must contain ``key`` (PostgreSQL refuses it otherwise, and the
    migration fails as a whole)."""
    old = f"{table}_unpartitioned"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text FROM pg_constraint WHERE contype = 'f' AND confrelid = %s::regclass",
            [table],
        )
        referencing = [name for (name,) in cursor.fetchall()]
        if referencing:
            raise RuntimeError(f"{table} is referenced by foreign keys of {referencing}: make them db_constraint=False")
        foreign_keys, unique, indexes = _foreign_keys_and_indexes(cursor, table)
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = cursor.fetchone()
        cursor.execute(f"SELECT min({key}), max(id) FROM {table}")  # noqa: S608
        oldest, last_id = cursor.fetchone()

        for name, _definition in unique:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
        cursor.execute(f'ALTER TABLE "{old}" RENAME CONSTRAINT "{table}_pkey" TO "{old}_pkey"')
        seq = f"{table}_id_seq"
        if sequence is not None:
            cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {old}_id_seq")
        like = f'LIKE "{old}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS'
        cursor.execute(f'CREATE TABLE "{table}" ({like}) PARTITION BY RANGE ("{key}")')
        cursor.execute(f'CREATE SEQUENCE "{seq}"')
        cursor.execute(f"SELECT setval('\"{seq}\"', {int(last_id or 1)}, {'true' if last_id else 'false'})")
        cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN id SET DEFAULT nextval(\'"{seq}"\')')
        cursor.execute(f'ALTER SEQUENCE "{seq}" OWNED BY "{table}".id')

        today = timezone.localdate()
        first = today - timedelta(days=days_back)
        if oldest is not None:
            oldest_day = timezone.localdate(oldest)
            if rows_days_back is not None:
                oldest_day = max(oldest_day, today - timedelta(days=rows_days_back))
            first = min(first, oldest_day)
        cursor.execute(f'CREATE TABLE "{default_name(table)}" PARTITION OF "{table}" DEFAULT')
        day = first
        while day <= today + timedelta(days=days_ahead):
            cursor.execute(f'CREATE TABLE "{partition_name(table, day)}" PARTITION OF "{table}" {_bounds(day)}')
            day += timedelta(days=1)

        cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}"')  # noqa: S608
        cursor.execute(f'DROP TABLE "{old}"')
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY (id, "{key}")')
        for name, definition in unique:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        for _name, definition in indexes:
            cursor.execute(definition.replace(f" ON public.{old} ", f" ON public.{table} "))
        for name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(f'ANALYZE "{table}"')


def revert_to_plain(table: str, key: str) -> None:
    """The reverse of ``convert_to_daily_partitions``: one plain table again, ``id`` its
    primary key (the sequence stays a plain one owned by the column)."""
    old = f"{table}_partitioned"
    with connection.cursor() as cursor:
        foreign_keys, unique, indexes = _foreign_keys_and_indexes(cursor, table)
        for name, _definition in unique:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
        cursor.execute(f'ALTER TABLE "{old}" RENAME CONSTRAINT "{table}_pkey" TO "{old}_pkey"')
        cursor.execute(f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
        cursor.execute(f'ALTER SEQUENCE "{table}_id_seq" OWNED BY "{table}".id')
        cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}"')  # noqa: S608
        cursor.execute(f'DROP TABLE "{old}" CASCADE')
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY (id)')
        for name, definition in unique:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        for _name, definition in indexes:
            cursor.execute(definition.replace(f" ON ONLY public.{old} ", f" ON public.{table} "))
        for name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
