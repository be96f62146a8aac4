"""Scheduled work of the operations map (``CELERY_BEAT_SCHEDULE`` in the settings); both
tasks are idempotent."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from operations.services import daily_report_generate, ward_days_store


@shared_task(name="operations.tasks.compute_ward_days")
def compute_ward_days(first: str | None = None, last: str | None = None) -> int:
    """Store every ward's figures for yesterday and today (or the days ``first`` to
    ``last``, ISO dates, to fill a gap); a re-run writes the same figures."""
    today = timezone.localdate()
    start = date.fromisoformat(first) if first else today - timedelta(days=1)
    end = date.fromisoformat(last) if last else today
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return ward_days_store(days=days, today=today)


@shared_task(name="operations.tasks.daily_report")
def daily_report(day: str | None = None) -> int:
    """The steering committee's report of yesterday (or ``day``), made and sent once."""
    report_day = date.fromisoformat(day) if day else timezone.localdate() - timedelta(days=1)
    return daily_report_generate(day=report_day).pk
