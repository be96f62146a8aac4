"""Local calendar days as aware datetimes (the portal's time zone, Asia/Ho_Chi_Minh)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone


def day_start(day: date) -> datetime:
    """Local midnight at the start of ``day``."""
    return timezone.make_aware(datetime.combine(day, time.min))
