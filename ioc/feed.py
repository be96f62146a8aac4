"""The feed's events: the aggregates (``ioc.figures``) that are new or changed become events,
and each event a pending delivery to each active endpoint, in one transaction, before
anything is sent (``ioc.delivery`` sends them)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ioc.figures import Aggregate, aggregates
from ioc.models import Delivery, IocEvent, WebhookEndpoint


def _digest(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def events_collect(*, now: datetime | None = None) -> int:
    """Write the aggregates that are new or changed as events, and a delivery of each to each
    active endpoint, in one transaction; returns how many events were new."""
    found: list[Aggregate] = aggregates(now)
    if not found:
        return 0
    subjects = {a.subject for a in found}
    known = set(IocEvent.objects.filter(subject__in=subjects).values_list("type", "subject", "digest"))
    new = []
    for a in found:
        digest = _digest(a.data)
        if (a.type, a.subject, digest) not in known:
            known.add((a.type, a.subject, digest))
            new.append(
                IocEvent(
                    event_id=f"msg_{uuid.uuid4().hex}",
                    type=a.type,
                    subject=a.subject,
                    time=a.time,
                    data=a.data,
                    digest=digest,
                )
            )
    if not new:
        return 0
    try:
        with transaction.atomic():
            IocEvent.objects.bulk_create(new, batch_size=500)
            deliveries_create(events=new)
    except IntegrityError:  # another run wrote them first
        return 0
    return len(new)


def deliveries_create(*, events: list[IocEvent], endpoints: list[WebhookEndpoint] | None = None) -> int:
    """A pending delivery of each event to each active endpoint (stored before anything is sent)."""
    targets = endpoints if endpoints is not None else list(WebhookEndpoint.objects.filter(is_active=True))
    if not targets or not events:
        return 0
    now = timezone.now()
    give_up = now + timedelta(days=settings.IOC_RETRY_DAYS)
    rows = [
        Delivery(endpoint=endpoint, event=event, next_attempt_at=now, give_up_at=give_up)
        for endpoint in targets
        for event in events
    ]
    Delivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)
