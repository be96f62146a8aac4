"""Celery tasks of the vaccination app: take ids, call the work; queued on commit, idempotent."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from vaccination import reaction_alerts


def queue_serious_reaction_alert(reaction_id: int) -> None:
    transaction.on_commit(lambda: serious_reaction_alert.delay(reaction_id))


@shared_task(acks_late=True)
def serious_reaction_alert(reaction_id: int) -> int:
    return reaction_alerts.serious_reaction_alert(reaction_id)
