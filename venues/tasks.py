from __future__ import annotations

from celery import shared_task

from venues.services import checkins_purge


@shared_task(acks_late=True)
def purge_old_checkins() -> int:
    """Delete check-ins past the retention period (idempotent: a rerun finds nothing)."""
    return checkins_purge()
