"""The vaccination app's Celery tasks: each takes ids or nothing and calls a service."""

from __future__ import annotations

from celery import shared_task

from vaccination.appointments import reminders_send


@shared_task(acks_late=True)
def send_appointment_reminders() -> int:
    """Each morning: remind the people booked for tomorrow (idempotent: once each)."""
    return reminders_send()
