"""What the beat runs on checkpoint passages by itself: the retention.

Passages are kept ``PASSAGE_RETENTION_DAYS`` (21, as check-ins). On PostgreSQL the days
past it are dropped whole (their partitions, ``truyvet.lib.retention.purge_before``), the
rest (the part of the day that straddles the cut-off, a stray row in the default
partition, or every row on SQLite) deleted in batches; then their receipts, in batches.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from checkpoints.models import Passage, PassageReceipt
from truyvet.lib.retention import purge_before


def passages_purge(*, older_than_days: int | None = None, batch: int = 10_000) -> int:
    """Remove the passages scanned before the retention period, and their receipts.
    Idempotent (a rerun finds nothing). Returns how many passages went."""
    days = older_than_days if older_than_days is not None else settings.PASSAGE_RETENTION_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    purged = purge_before(Passage.objects.filter(scanned_at__lt=cutoff), cutoff=cutoff, batch_size=batch)
    # Receipts last: in between, a replay would be answered with ids that are gone, never
    # written twice. Once its receipt is gone, a replay that old is refused as too old
    # (CHECKPOINT_SCAN_MAX_AGE is shorter than the retention; the settings check it).
    _receipts_delete_before(cutoff, batch)
    return purged


def _receipts_delete_before(cutoff: datetime, batch: int) -> int:
    """Delete the receipts scanned before ``cutoff``, ``batch`` items at a time (short
    transactions). By their client_ids, the first column of their key: an item's receipts
    share its scan time, so they go together (and ``delete_in_batches``' ``pk__in`` of a
    two-column key is one ``OR`` term per row on SQLite)."""
    old = PassageReceipt.objects.filter(scanned_at__lt=cutoff)
    deleted = 0
    while True:
        client_ids = list(old.order_by().values_list("client_id", flat=True)[:batch])
        if not client_ids:
            return deleted
        deleted += old.filter(client_id__in=set(client_ids)).delete()[0]
