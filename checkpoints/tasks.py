from __future__ import annotations

from celery import shared_task

from checkpoints.alerts import alert_flagged
from checkpoints.upkeep import passages_purge


@shared_task(acks_late=True)
def alert_flagged_passages(passage_ids: list[int]) -> int:
    """Idempotent: one alert per passage and unit (keyed by the passage)."""
    return alert_flagged(passage_ids)


@shared_task(acks_late=True)
def purge_old_passages() -> int:
    """Delete passages past the retention period (idempotent: a rerun finds nothing)."""
    return passages_purge()
