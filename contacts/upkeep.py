"""Periodic upkeep that Celery beat runs (``contacts.tasks``): follow-ups whose quarantine
ended are closed, and proximity contacts past their retention are deleted."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from contacts.models import FollowUp, FollowUpState, ProximityContact
from truyvet.lib.retention import delete_in_batches

PURGE_BATCH = 5_000


def follow_ups_close_finished(*, today: date | None = None) -> int:
    """Active follow-ups whose quarantine has ended become completed."""
    today = today or timezone.localdate()
    return FollowUp.objects.filter(state=FollowUpState.ACTIVE, quarantine_until__lt=today).update(
        state=FollowUpState.COMPLETED, closed_at=timezone.now()
    )


def proximity_contacts_purge(*, now: datetime | None = None, batch_size: int = PURGE_BATCH) -> int:
    """Delete encounters last seen more than PROXIMITY_RETENTION_DAYS ago, in batches (short
    transactions, no long lock on a table the uploads write to). Returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.PROXIMITY_RETENTION_DAYS)
    # last_seen >= first_seen, so the first_seen index narrows the scan to old rows.
    old = ProximityContact.objects.filter(first_seen__lt=cutoff, last_seen__lt=cutoff)
    return delete_in_batches(old, batch_size=batch_size)
