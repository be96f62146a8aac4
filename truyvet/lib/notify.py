"""Notifications: a person's (or user's) inbox in the portal, plus SMS and email.

``notification_send`` writes one row per channel, keyed by ``dedupe_key``, and queues the
SMS/email delivery after the transaction commits. Sending twice with the same key is a
no-op, so a job that is retried or run again never warns anybody twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from truyvet.lib.models import Channel, DeliveryState, Notification
from truyvet.lib.sms import send_sms

MAX_ATTEMPTS = 5
# A row left in "sending" this long belongs to a worker that died: deliver it again.
STALE_CLAIM = timedelta(minutes=10)


@dataclass(frozen=True)
class Recipient:
    person_id: int | None = None
    user_id: int | None = None
    phone: str = ""
    email: str = ""


def notification_send(
    *,
    recipient: Recipient,
    title: str,
    body: str,
    dedupe_key: str,
    url: str = "",
    channels: Iterable[str] = (Channel.PORTAL, Channel.SMS),
) -> list[Notification]:
    rows = []
    for channel in channels:
        address = {Channel.SMS: recipient.phone, Channel.EMAIL: recipient.email}.get(Channel(channel), "")
        if channel != Channel.PORTAL and not address:
            continue
        rows.append(
            Notification(
                person_id=recipient.person_id,
                user_id=recipient.user_id,
                channel=channel,
                address=address,
                title=title,
                body=body,
                url=url,
                dedupe_key=dedupe_key,
                state=DeliveryState.SENT if channel == Channel.PORTAL else DeliveryState.PENDING,
                sent_at=timezone.now() if channel == Channel.PORTAL else None,
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    pending = list(
        Notification.objects.filter(dedupe_key=dedupe_key, state=DeliveryState.PENDING).values_list("pk", flat=True)
    )
    if pending:
        from truyvet.lib.tasks import deliver_notifications

        transaction.on_commit(lambda: deliver_notifications.delay(pending))
    return list(Notification.objects.filter(dedupe_key=dedupe_key))


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
        if row.channel == Channel.SMS:
            send_sms(row.address, f"{row.title}: {row.body}")
        elif row.channel == Channel.EMAIL:
            send_mail(row.title, row.body, None, [row.address])
    except Exception as exc:  # noqa: BLE001 (any backend failure is retried later)
        Notification.objects.filter(pk=row.pk).update(
            state=DeliveryState.PENDING if row.attempts + 1 < MAX_ATTEMPTS else DeliveryState.FAILED,
            attempts=row.attempts + 1,
            last_error=str(exc)[:500],
        )
        return False
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


def inbox_for(*, person_ids: Iterable[int]) -> list[Notification]:
    return list(
        Notification.objects.filter(person_id__in=list(person_ids), channel=Channel.PORTAL).order_by("-created_at")[
            :100
        ]
    )
