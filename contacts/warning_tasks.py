"""The task that warns the people matching found: queued by ``contacts.matching`` once each
level commits. It keeps the name it was first queued under, so a queued message still runs."""

from __future__ import annotations

from celery import shared_task

from contacts import warnings


@shared_task(name="contacts.tasks.warn_exposed", acks_late=True)
def warn_exposed(case_id: int, level: int | None = None) -> int:
    """Idempotent: notifications and alerts are keyed by case, person and level."""
    return warnings.warn_exposed(case_id, level)
