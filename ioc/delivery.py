"""Sending the deliveries that are due, signed as Standard Webhooks specifies.

A sweep claims a batch (``locked_until``: one minute; on PostgreSQL rows another worker holds
are skipped), sends each over a kept-alive connection (urllib3's pool), and writes the outcomes in one
statement: 2xx delivered; 410 Gone disables the endpoint (its deliveries wait until staff
enable it again); anything else, or no answer, is tried again after an exponential delay
with jitter (``IOC_RETRY_BASE_SECONDS`` × 3ⁿ⁻¹, at most 12 hours, ±20 %) until
``IOC_RETRY_DAYS`` have passed, then it is failed and listed for staff, who may resend it.
A worker that dies mid-send leaves its claim to lapse: the next sweep sends again, and the
receiver deduplicates by ``webhook-id``.
"""

from __future__ import annotations

import json
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import urllib3
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ioc import signing
from ioc.models import Delivery, DeliveryStatus, WebhookEndpoint

BATCH = 200
MAX_DELAY = 12 * 3600
_random = secrets.SystemRandom()


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try."""
    delay = min(settings.IOC_RETRY_BASE_SECONDS * 3 ** max(attempts - 1, 0), MAX_DELAY)
    return timedelta(seconds=delay * _random.uniform(0.8, 1.2))


def claim(*, now: datetime, limit: int = BATCH) -> list[Delivery]:
    with transaction.atomic():
        due = (
            Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now, endpoint__is_active=True)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True, of=("self",))
        )
        ids = list(due.values_list("pk", flat=True)[:limit])
        if ids:
            Delivery.objects.filter(pk__in=ids).update(locked_until=now + timedelta(seconds=settings.IOC_CLAIM_SECONDS))
    return list(Delivery.objects.filter(pk__in=ids).select_related("endpoint", "event").order_by("id"))


def _secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    keys = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        keys.append(endpoint.previous_secret)
    return keys


@dataclass
class Outcome:
    status: int | None
    error: str = ""


def send(pool: urllib3.PoolManager, item: Delivery, now: datetime) -> Outcome:
    body = json.dumps(item.event.cloudevent(), separators=(",", ":"), ensure_ascii=False).encode()
    headers = signing.headers(_secrets(item.endpoint, now), item.event.event_id, int(time.time()), body)
    headers["Content-Type"] = "application/cloudevents+json; charset=utf-8"
    try:
        response = pool.request(
            "POST",
            item.endpoint.url,
            body=body,
            headers=headers,
            timeout=urllib3.Timeout(total=settings.IOC_TIMEOUT_SECONDS),
            redirect=False,
            retries=False,
        )
    except (urllib3.exceptions.HTTPError, ValueError) as error:  # ValueError: a URL urllib3 cannot read
        return Outcome(None, type(error).__name__)
    ok = 200 <= response.status < 300
    return Outcome(response.status, "" if ok else response.reason or "")


def _pool() -> urllib3.PoolManager:
    """Kept-alive connections shared by the sending threads (urllib3's pool is thread-safe),
    at most ``IOC_SEND_CONCURRENCY`` per endpoint. urllib3 itself rather than requests: a call
    costs less than half the processor time (no proxy or .netrc look-up, no hooks, no cookies),
    which is what a sweep spends most of its time on."""
    concurrency = max(1, settings.IOC_SEND_CONCURRENCY)
    return urllib3.PoolManager(num_pools=50, maxsize=concurrency, block=False)


_OUTCOME_FIELDS = ["status", "attempts", "last_status", "last_error", "locked_until", "delivered_at", "next_attempt_at"]
# One row of the outcomes' VALUES list, each value cast (a NULL in the first row would leave
# its column's type unknown).
_OUTCOME_ROW = "(%s::bigint, %s::varchar, %s::int, %s::int, %s::varchar, %s::timestamptz, %s::timestamptz)"


def _write_outcomes(batch: list[Delivery]) -> None:
    """The batch's outcomes in one statement. On PostgreSQL an ``UPDATE … FROM (VALUES …)``:
    Django's ``bulk_update`` builds a ``CASE`` per column and row, which took most of a sweep's
    processor time (1.7 s for 200 deliveries at load 8, against 0.1 s for the 200 calls)."""
    if connection.vendor != "postgresql":
        Delivery.objects.bulk_update(batch, _OUTCOME_FIELDS)
        return
    rows = ", ".join([_OUTCOME_ROW] * len(batch))
    params: list[Any] = []
    for item in batch:
        params += [item.pk, item.status, item.attempts, item.last_status, item.last_error]
        params += [item.delivered_at, item.next_attempt_at]
    # The VALUES list is placeholders only.
    sql = (
        "UPDATE ioc_delivery AS d SET status = v.status, attempts = v.attempts, last_status = v.last_status, "  # noqa: S608
        "last_error = v.last_error, locked_until = NULL, delivered_at = v.delivered_at, "
        "next_attempt_at = v.next_attempt_at "
        f"FROM (VALUES {rows}) AS v(id, status, attempts, last_status, last_error, delivered_at, next_attempt_at) "
        "WHERE d.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def deliver_due(*, budget_seconds: float = 50.0) -> int:
    """Send what is due, batch after batch, for at most ``budget_seconds``; returns how many
    were delivered. A batch is sent by ``IOC_SEND_CONCURRENCY`` threads (the calls wait on
    the network, not on the processor)."""
    started = time.monotonic()
    delivered = 0
    http = _pool()
    with http, ThreadPoolExecutor(max_workers=max(1, settings.IOC_SEND_CONCURRENCY)) as pool:
        while time.monotonic() - started < budget_seconds:
            now = timezone.now()
            batch = claim(now=now)
            if not batch:
                break
            disabled: dict[int, str] = {}
            outcomes = list(pool.map(lambda item, at=now: send(http, item, at), batch))
            for item, outcome in zip(batch, outcomes, strict=True):
                item.attempts += 1
                item.last_status = outcome.status
                item.last_error = outcome.error[:300]
                item.locked_until = None
                if outcome.status is not None and 200 <= outcome.status < 300:
                    item.status, item.delivered_at = DeliveryStatus.DELIVERED, timezone.now()
                    delivered += 1
                elif outcome.status == 410:
                    item.status = DeliveryStatus.FAILED
                    disabled[item.endpoint_id] = "410 Gone"
                else:
                    wait = backoff(item.attempts)
                    if now + wait > item.give_up_at:
                        item.status = DeliveryStatus.FAILED
                    else:
                        item.next_attempt_at = now + wait
            with transaction.atomic():
                _write_outcomes(batch)
                for endpoint_id, reason in disabled.items():
                    WebhookEndpoint.objects.filter(pk=endpoint_id).update(is_active=False, disabled_reason=reason)
    return delivered
