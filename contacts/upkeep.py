"""Periodic upkeep that Celery beat runs (``contacts.tasks``): follow-ups whose quarantine
ended are closed, and proximity contacts past their retention are removed (whole days:
partitions dropped on PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from contacts.models import FollowUp, FollowUpState, ProximityContact
from truyvet.lib.postgres.partitions import day_start
from truyvet.lib.retention import purge_before

PURGE_BATCH = 5_000


def follow_ups_close_finished(*, today: date | None = None) -> int:
    """Active follow-ups whose quarantine has ended become completed."""
    today = today or timezone.localdate()
    return FollowUp.objects.filter(state=FollowUpState.ACTIVE, quarantine_until__lt=today).update(
        state=FollowUpState.COMPLETED, closed_at=timezone.now()
    )


def proximity_contacts_cutoff(now: datetime | None = None) -> datetime:
    """The local midnight before which every encounter that began had ended more than
    PROXIMITY_RETENTION_DAYS ago: no stored encounter is longer than
    TRACING_PROXIMITY_MAX_ENCOUNTER, so the days before ``now`` minus both are done with."""
    now = now or timezone.now()
    horizon = now - timedelta(days=settings.PROXIMITY_RETENTION_DAYS) - settings.TRACING_PROXIMITY_MAX_ENCOUNTER
    # The partitions' days are TIME_ZONE's, whatever time zone is active.
    return day_start(horizon.astimezone(ZoneInfo(settings.TIME_ZONE)).date())


def proximity_contacts_purge(*, now: datetime | None = None, batch_size: int = PURGE_BATCH) -> int:
    """Remove the encounters of the days whose longest possible encounter ended more than
    PROXIMITY_RETENTION_DAYS ago (``proximity_contacts_cutoff``). On PostgreSQL those days'
    partitions are dropped whole; what is left before the cut-off (a stray row in the
    default partition; every such row on SQLite) is deleted in batches. The cut-off is a
    midnight, so no day is ever deleted row by row. An encounter is kept at least the
    retention after it was last seen (what matching needs), and goes at most one day plus
    TRACING_PROXIMITY_MAX_ENCOUNTER after that (docs/TRACING.md, "Bluetooth logs"). Idempotent:
    a rerun finds nothing. Returns how many rows went."""
    cutoff = proximity_contacts_cutoff(now)
    old = ProximityContact.objects.filter(first_seen__lt=cutoff)
    return purge_before(old, cutoff=cutoff, batch_size=batch_size)
