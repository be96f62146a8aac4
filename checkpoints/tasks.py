from __future__ import annotations

from celery import shared_task

from checkpoints.alerts import alert_flagged


@shared_task(acks_late=True)
def alert_flagged_passages(passage_ids: list[int]) -> int:
    """Idempotent: one alert per passage and unit (keyed by the passage)."""
    return alert_flagged(passage_ids)
