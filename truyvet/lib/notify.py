"""Notifications: a person's (or user's) inbox in the portal, plus SMS and email.

``notification_send`` writes one row per channel, keyed by ``dedupe_key``, and queues the
SMS/email delivery after the transaction commits (``truyvet.lib.tasks``, which sends
through ``truyvet.lib.delivery``). Sending twice with the same key is a no-op, so a job
that is retried or run again never warns anybody twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from truyvet.lib.models import Channel, DeliveryState, Notification
from truyvet.lib.tasks import deliver_notifications


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
        transaction.on_commit(lambda: deliver_notifications.delay(pending))
    return list(Notification.objects.filter(dedupe_key=dedupe_key))


def inbox_for(*, person_ids: Iterable[int]) -> list[Notification]:
    return list(
        Notification.objects.filter(person_id__in=list(person_ids), channel=Channel.PORTAL).order_by("-created_at")[
            :100
        ]
    )
