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
    """Write the message once per channel. Give ``code`` and ``params`` (words in each
    reader's language), or a ``title`` and ``body`` in one language for free text."""
    params = dict(params or {})
    language = language_or_default(recipient.language) if recipient.language else ""
    if code:
        if not registered(code):
            raise ValueError(f"unknown message code {code!r}")
        # What the recipient reads, kept on the row for the admin and for search.
        title, body = astuple(render(code, params, language=language or settings.LANGUAGE_CODE))
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
                code=code,
                params=params,
                language=language,
                title=title[:200],
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
        outbox.enqueue(deliver_notifications, pending)
    return list(Notification.objects.filter(dedupe_key=dedupe_key))


def inbox_for(*, person_ids: Iterable[int]) -> list[Notification]:
    return list(
        Notification.objects.filter(person_id__in=list(person_ids), channel=Channel.PORTAL).order_by("-created_at")[
            :100
        ]
    )
