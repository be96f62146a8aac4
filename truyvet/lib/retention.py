"""Deleting what the retention rules say may no longer be kept."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Model, QuerySet

from truyvet.lib.postgres.partitions import partitions_drop_before


def delete_in_batches(qs: QuerySet[Model], *, batch_size: int) -> int:
    """Delete the rows of ``qs`` a batch at a time (short transactions, no long lock on a
    table that is written to meanwhile). Returns how many rows of ``qs``'s model went."""
    model = qs.model
    deleted = 0
    while True:
        ids = list(qs.order_by().values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        _total, per_model = model._default_manager.filter(pk__in=ids).delete()
        deleted += per_model.get(model._meta.label, 0)


def purge_before(qs: QuerySet[Model], *, cutoff: datetime, batch_size: int) -> int:
    """Remove the rows of ``qs`` (the rows of its model older than ``cutoff``). On a table
    partitioned by day (PostgreSQL) the days that ended by ``cutoff`` are dropped whole (no
    row-by-row delete, no dead rows for vacuum, no WAL per row); what is left (the part of
    the day that straddles the cutoff, a stray row in the default partition, or every row
    of a plain table) is deleted in batches. Returns how many rows went."""
    dropped = partitions_drop_before(qs.model._meta.db_table, cutoff)
    return dropped + delete_in_batches(qs, batch_size=batch_size)
