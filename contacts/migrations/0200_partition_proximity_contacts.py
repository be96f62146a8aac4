"""Proximity contacts are range-partitioned by day on ``first_seen`` on PostgreSQL
(docs/ARCHITECTURE.md, "Partitioned tables"); SQLite keeps a plain table.

First, on both databases, a stored encounter longer than TRACING_PROXIMITY_MAX_ENCOUNTER
(uploads before the limit existed) is cut into the pieces an upload makes now
(``contacts.services.proximity.encounter_pieces``, the same rule written out here so that
this migration does not change with that code): matching looks for encounters by
``first_seen`` from a window's start minus the maximum, and would miss a longer one. Then
the table is rebuilt as a partitioned one with its rows, unique key (which already holds
``first_seen``: replays still meet their stored rows), check, indexes and foreign key;
nothing references it. Reversing rebuilds the plain table (the pieces stay pieces: the
same minutes, matched the same way).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import migrations
from django.db.models import F

from truyvet.lib.postgres.partitions import convert_to_daily_partitions, revert_to_plain

TABLE = "contacts_proximitycontact"
BATCH = 2_000


def _pieces(first: Any, last: Any, longest: timedelta) -> list[tuple[Any, Any]]:
    pieces = []
    start = first
    while start < last:
        pieces.append((start, min(start + longest, last)))
        start += longest
    return pieces


def split_long_encounters(apps: Any, schema_editor: Any) -> None:
    """Each over-long row keeps its first piece; the others are new rows (a piece another
    row already holds is left to it: the unique key, ON CONFLICT DO NOTHING)."""
    contact = apps.get_model("contacts", "ProximityContact")
    longest = settings.TRACING_PROXIMITY_MAX_ENCOUNTER
    long_ones = contact.objects.filter(last_seen__gt=F("first_seen") + longest).order_by("pk")
    cut, new = [], []
    for row in long_ones.iterator(chunk_size=BATCH):
        pieces = _pieces(row.first_seen, row.last_seen, longest)
        row.last_seen = pieces[0][1]
        cut.append(row)
        new.extend(
            contact(
                device_id=row.device_id,
                other_device_id=row.other_device_id,
                first_seen=start,
                last_seen=end,
                min_distance_m=row.min_distance_m,
                created_at=row.created_at,
            )
            for start, end in pieces[1:]
        )
        if len(new) >= BATCH or len(cut) >= BATCH:
            _write(contact, cut, new)
            cut, new = [], []
    _write(contact, cut, new)


def _write(contact: Any, cut: list[Any], new: list[Any]) -> None:
    contact.objects.bulk_update(cut, ["last_seen"], batch_size=500)
    contact.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)


def _days_back() -> int:
    """Every day an upload may still bring a row for: the retention, the longest encounter
    before it, and a day for the local midnight."""
    longest_days = -(-settings.TRACING_PROXIMITY_MAX_ENCOUNTER // timedelta(days=1))
    return settings.PROXIMITY_RETENTION_DAYS + longest_days + 1


def partition(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        # Rows older than the days kept (past the retention, the next purge's) go to the
        # default partition rather than making a partition each.
        convert_to_daily_partitions(
            TABLE,
            "first_seen",
            days_back=_days_back(),
            days_ahead=settings.PARTITIONS_DAYS_AHEAD,
            rows_days_back=_days_back(),
        )


def unpartition(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        revert_to_plain(TABLE, "first_seen")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0005_exposure_alerts_open_follow_ups")]

    operations = [
        migrations.RunPython(split_long_encounters, migrations.RunPython.noop),
        migrations.RunPython(partition, unpartition),
    ]
