"""Reads of the IOC feed: events after a cursor, the client a token names, what staff see."""

from __future__ import annotations

import hashlib
import hmac

from django.db.models import QuerySet
from django.http import Http404

from ioc.models import Delivery, DeliveryStatus, IocClient, IocEvent, WebhookEndpoint
from truyvet.lib.bounds import MAX_INT

PAGE = 500


def events_after(cursor: int, *, limit: int = PAGE) -> list[IocEvent]:
    return list(IocEvent.objects.filter(pk__gt=cursor).order_by("pk")[:limit])


def client_by_token(token: str) -> IocClient | None:
    parts = token.split("_")
    if len(parts) != 3 or parts[0] != "ioc" or len(parts[1]) != 8 or len(token) > 100:
        return None
    client = IocClient.objects.filter(token_prefix=parts[1], revoked_at__isnull=True).first()
    digest = hashlib.sha256(token.encode()).hexdigest()
    if client is None or not hmac.compare_digest(client.token_hash, digest):
        return None
    return client


def endpoints() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.order_by("id")


def clients() -> QuerySet[IocClient]:
    return IocClient.objects.order_by("revoked_at", "name")


def failed_deliveries(*, limit: int = 100) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(status=DeliveryStatus.FAILED)
        .select_related("endpoint", "event")
        .order_by("-id")[:limit]
    )


def _get(qs: QuerySet, pk: int | str):  # type: ignore[no-untyped-def,type-arg]
    text = str(pk)
    if not (text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= MAX_INT):
        raise Http404
    found = qs.filter(pk=int(text)).first()
    if found is None:
        raise Http404
    return found


def endpoint_get(endpoint_id: int | str) -> WebhookEndpoint:
    endpoint: WebhookEndpoint = _get(WebhookEndpoint.objects.all(), endpoint_id)
    return endpoint


def delivery_get(delivery_id: int | str) -> Delivery:
    delivery: Delivery = _get(Delivery.objects.all(), delivery_id)
    return delivery


def client_get(client_id: int | str) -> IocClient:
    client: IocClient = _get(IocClient.objects.all(), client_id)
    return client
