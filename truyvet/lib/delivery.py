"""Delivering the SMS and email rows that ``truyvet.lib.notify`` wrote: each row is
claimed before it is sent, so a redelivered task never sends it twice."""

from __future__ import annotations

from datetime import timedelta

from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone

from truyvet.lib.metrics import NOTIFICATIONS
from truyvet.lib.models import Channel, DeliveryState, Notification
from truyvet.lib.sms import send_sms

MAX_ATTEMPTS = 5
# A row left in "sending" this long belongs to a worker that died: deliver it again.
STALE_CLAIM = timedelta(minutes=10)


def _claim(notification_id: int) -> Notification | None:
    """Move one row from pending (or a stale claim) to sending; None if someone else has it."""
    now = timezone.now()
    claimable = Q(state=DeliveryState.PENDING) | Q(state=DeliveryState.SENDING, claimed_at__lt=now - STALE_CLAIM)
    claimed = Notification.objects.filter(claimable, pk=notification_id, attempts__lt=MAX_ATTEMPTS).update(
        state=DeliveryState.SENDING, claimed_at=now
    )
    return Notification.objects.get(pk=notification_id) if claimed else None


def notification_deliver(notification_id: int) -> bool:
    """Send one SMS or email. Returns True when sent by this call."""
    row = _claim(notification_id)
    if row is None:
        return False
    try:
        text = row.text_for_recipient()
        if row.channel == Channel.SMS:
            send_sms(row.address, f"{text.title}: {text.body}")
        elif row.channel == Channel.EMAIL:
            send_mail(text.title, text.body, None, [row.address])
    except Exception as exc:  # noqa: BLE001 (any backend failure is retried later)
        NOTIFICATIONS.labels(row.channel, "failed").inc()
        Notification.objects.filter(pk=row.pk).update(
            state=DeliveryState.PENDING if row.attempts + 1 < MAX_ATTEMPTS else DeliveryState.FAILED,
            attempts=row.attempts + 1,
            last_error=str(exc)[:500],
        )
        return False
    NOTIFICATIONS.labels(row.channel, "sent").inc()
    Notification.objects.filter(pk=row.pk).update(
        state=DeliveryState.SENT, sent_at=timezone.now(), attempts=row.attempts + 1, last_error=""
    )
    return True


def notifications_undelivered() -> list[int]:
    now = timezone.now()
    return list(
        Notification.objects.filter(
            Q(state=DeliveryState.PENDING) | Q(state=DeliveryState.SENDING, claimed_at__lt=now - STALE_CLAIM),
            attempts__lt=MAX_ATTEMPTS,
        ).values_list("pk", flat=True)[:1000]
    )
