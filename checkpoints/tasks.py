from __future__ import annotations

from datetime import datetime

from celery import shared_task

from checkpoints.alerts import alert_flagged
from checkpoints.upkeep import passages_purge


@shared_task(acks_late=True)
def alert_flagged_passages(passage_ids: list[int], scanned_from: str = "", scanned_to: str = "") -> int:
    """Idempotent: one alert per passage and unit (keyed by the passage). ``scanned_from``
    and ``scanned_to`` (ISO times; absent from messages queued before they existed) bound
    the passages' read to their days."""
    bounds = (datetime.fromisoformat(scanned_from), datetime.fromisoformat(scanned_to)) if scanned_to else None
    return alert_flagged(passage_ids, scanned_between=bounds)


@shared_task(acks_late=True)
def purge_old_passages() -> int:
    """Delete passages past the retention period (idempotent: a rerun finds nothing)."""
    return passages_purge()
