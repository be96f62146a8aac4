"""Notifications: a person's (or user's) inbox in the portal, plus SMS and email.

``notification_send`` writes one row per channel, keyed by ``dedupe_key``, and queues the
SMS/email delivery after the transaction commits (``truyvet.lib.tasks``, which sends
through ``truyvet.lib.delivery``). Sending twice with the same key is a no-op, so a job
that is retried or run again never warns anybody twice.

A message is a code and its parameters (``truyvet.lib.messages``): the inbox shows it in
the reader's language, an SMS or email goes out in the recipient's (``Recipient.language``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from truyvet.lib import outbox
from truyvet.lib.messages import language_or_default, registered, render
from truyvet.lib.models import Channel, DeliveryState, Notification
from truyvet.lib.tasks import deliver_notifications


@dataclass(frozen=True)
class Recipient:
    person_id: int | None = None
    user_id: int | None = None
    phone: str = ""
    email: str = ""
    language: str = ""  # for SMS and email; "" for the portal's default


@dataclass(frozen=True)
class Message:
    """One message to one recipient: a ``code`` and its ``params`` (words in each reader's
    language), or a ``title`` and ``body`` in one language for free text."""

    recipient: Recipient
    dedupe_key: str
    code: str = ""
    params: Mapping[str, Any] | None = None
    title: str = ""
    body: str = ""
    url: str = ""
    channels: Iterable[str] = (Channel.PORTAL, Channel.SMS)


def notification_send(
    *,
    recipient: Recipient,
    dedupe_key: str,
    code: str = "",
    params: Mapping[str, Any] | None = None,
    title: str = "",
    body: str = "",
    url: str = "",
    channels: Iterable[str] = (Channel.PORTAL, Channel.SMS),
) -> list[Notification]:
    """Write the message once per channel (see ``Message``); the rows of its key."""
    notifications_send([Message(recipient, dedupe_key, code, params, title, body, url, tuple(channels))])
    return list(Notification.objects.filter(dedupe_key=dedupe_key))


def notifications_send(messages: Iterable[Message]) -> int:
    """Write many messages in a few statements (a reminder to everybody booked tomorrow), each
    once per channel and key, and queue their SMS and email; how many deliveries were queued."""
    rows: list[Notification] = []
    keys: list[str] = []
    for message in messages:
        rows.extend(_rows(message))
        keys.append(message.dedupe_key)
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    pending: list[int] = []
    for start in range(0, len(keys), 1000):  # bounded IN lists, whatever the number of messages
        pending += Notification.objects.filter(
            dedupe_key__in=keys[start : start + 1000], state=DeliveryState.PENDING
        ).values_list("pk", flat=True)
    if pending:
        outbox.enqueue(deliver_notifications, pending)
    return len(pending)


def _rows(message: Message) -> list[Notification]:
    recipient, params = message.recipient, dict(message.params or {})
    title, body = message.title, message.body
    language = language_or_default(recipient.language) if recipient.language else ""
    if message.code:
        if not registered(message.code):
            raise ValueError(f"unknown message code {message.code!r}")
        # What the recipient reads, kept on the row for the admin and for search.
        title, body = astuple(render(message.code, params, language=language or settings.LANGUAGE_CODE))
    now = timezone.now()
    rows = []
    for channel in message.channels:
        address = {Channel.SMS: recipient.phone, Channel.EMAIL: recipient.email}.get(Channel(channel), "")
        if channel != Channel.PORTAL and not address:
            continue
        rows.append(
            Notification(
                person_id=recipient.person_id,
                user_id=recipient.user_id,
                channel=channel,
                address=address,
                code=message.code,
                params=params,
                language=language,
                title=title[:200],
                body=body,
                url=message.url,
                dedupe_key=message.dedupe_key,
                state=DeliveryState.SENT if channel == Channel.PORTAL else DeliveryState.PENDING,
                sent_at=now if channel == Channel.PORTAL else None,
            )
        )
    return rows


def inbox_for(*, person_ids: Iterable[int]) -> list[Notification]:
    return list(
        Notification.objects.filter(person_id__in=list(person_ids), channel=Channel.PORTAL).order_by("-created_at")[
            :100
        ]
    )
