"""Celery tasks of the vaccination app: take ids, call the work; queued on commit, idempotent."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from vaccination import coverage, reaction_alerts


def queue_serious_reaction_alert(reaction_id: int) -> None:
    transaction.on_commit(lambda: serious_reaction_alert.delay(reaction_id))


@shared_task(acks_late=True)
def serious_reaction_alert(reaction_id: int) -> int:
    return reaction_alerts.serious_reaction_alert(reaction_id)


@shared_task(acks_late=True)
def store_coverage() -> int:
    """Today's coverage of every ward, stored (a re-run replaces it; idempotent)."""
    return coverage.coverage_store(timezone.localdate())
