"""Every write of the IOC feed: events from the aggregates, their deliveries, endpoints and
their secrets, pull clients and their tokens, a failed delivery sent again."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from ioc.models import Delivery, DeliveryStatus, IocClient, WebhookEndpoint
from ioc.signing import new_secret
from ioc.tasks import queue_delivery
from truyvet.accounts.models import User
from truyvet.lib.audit import audit_log

TOKEN_PREFIX = "ioc_"  # noqa: S105 (not a secret: the start of every token)


@transaction.atomic
def endpoint_create(
    *, user: User, url: str, description: str = "", request: HttpRequest | None = None
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.create(url=url, description=description, secret=new_secret(), created_by=user)
    audit_log(actor=user, action="ioc.endpoint.create", obj=endpoint, request=request, detail={"url": url})
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, user: User, endpoint: WebhookEndpoint, request: HttpRequest | None = None) -> str:
    """A new secret; the old one still signs (beside it) for ``IOC_SECRET_GRACE_HOURS``."""
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = timezone.now() + timedelta(hours=settings.IOC_SECRET_GRACE_HOURS)
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    audit_log(actor=user, action="ioc.endpoint.rotate_secret", obj=endpoint, request=request)
    return endpoint.secret


@transaction.atomic
def endpoint_enable(*, user: User, endpoint: WebhookEndpoint, request: HttpRequest | None = None) -> None:
    """Enable an endpoint disabled by a 410 (its waiting deliveries go out again)."""
    endpoint.is_active, endpoint.disabled_reason = True, ""
    endpoint.save(update_fields=["is_active", "disabled_reason"])
    audit_log(actor=user, action="ioc.endpoint.enable", obj=endpoint, request=request)
    queue_delivery()


def endpoint_disable(*, endpoint_id: int, reason: str) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint_id).update(is_active=False, disabled_reason=reason[:200])


@transaction.atomic
def delivery_resend(*, user: User, delivery: Delivery, request: HttpRequest | None = None) -> None:
    """A failed delivery, sent again (with its retries) from now."""
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING,
        next_attempt_at=now,
        give_up_at=now + timedelta(days=settings.IOC_RETRY_DAYS),
        locked_until=None,
    )
    audit_log(actor=user, action="ioc.delivery.resend", obj=delivery, request=request)
    queue_delivery()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def client_create(*, user: User, name: str, request: HttpRequest | None = None) -> tuple[IocClient, str]:
    """An IOC that pulls the feed, and its token (shown this once)."""
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32).replace('_', '-')}"
    client = IocClient.objects.create(name=name, token_prefix=prefix, token_hash=token_digest(token), created_by=user)
    audit_log(actor=user, action="ioc.client.create", obj=client, request=request)
    return client, token


@transaction.atomic
def client_revoke(*, user: User, client: IocClient, request: HttpRequest | None = None) -> None:
    IocClient.objects.filter(pk=client.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_log(actor=user, action="ioc.client.revoke", obj=client, request=request)
