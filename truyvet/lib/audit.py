"""The audit log: every read of a person's health data and every change to it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection, models
from django.http import HttpRequest
from django.utils import timezone

from truyvet.lib.models import AuditEvent

_MANY_SQL = (
    f"INSERT INTO {AuditEvent._meta.db_table} (at, actor_id, actor_label, action, object_type, ip, detail,"  # noqa: S608
    " object_id, person_id) SELECT %s, %s, %s, %s, %s, %s::inet, '{}'::jsonb, o, p"
    " FROM unnest(%s::varchar[], %s::bigint[]) AS t(o, p)"
)

# Who did it: a user, or None for the system. An anonymous visitor (a citizen who did not
# sign in) is recorded as no one. The core's lower layers cannot name the portal's User
# (``truyvet.accounts.models``), which is one of these.
Actor = AbstractBaseUser | AnonymousUser | None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind ``NUM_PROXIES`` proxies the address the
    outermost one saw (the rest of X-Forwarded-For could be forged by the client)."""
    proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR") or None


def _signed_in(actor: Actor) -> AbstractBaseUser | None:
    """The user to record: None for the system or an anonymous visitor."""
    return actor if isinstance(actor, AbstractBaseUser) and actor.is_authenticated else None


def audit_log(
    *,
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    person_id: int | None = None,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record one event. ``actor`` is a user or None (the system, an anonymous citizen)."""
    event = audit_event(actor=actor, action=action, obj=obj, person_id=person_id, request=request, detail=detail)
    event.save(force_insert=True)
    return event


def audit_event(
    *,
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    person_id: int | None = None,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """The unsaved event ``audit_log`` would record, for a service that writes it together
    with other rows in one statement."""
    user = _signed_in(actor)
    if person_id is None and obj is not None and obj._meta.model_name == "person":
        person_id = obj.pk
    return AuditEvent(
        actor_id=user.pk if user else None,
        actor_label=user.get_username() if user else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        person_id=person_id,
        ip=client_ip(request) if request is not None else None,
        detail=detail or {},
    )


def audit_log_many(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    rows: list[tuple[str, int | None]],
    request: HttpRequest | None = None,
) -> None:
    """One event per (object_id, person_id), in one INSERT (list pages and exports)."""
    user = _signed_in(actor)
    ip = client_ip(request) if request is not None else None
    if not rows:
        return
    if connection.vendor == "postgresql":
        # One statement whatever the number of rows: the shared values once, the two that vary
        # as arrays (a page of 50 cases was 50 model instances and 400 parameters).
        with connection.cursor() as cursor:
            cursor.execute(
                _MANY_SQL,
                [
                    timezone.now(),
                    user.pk if user else None,
                    user.get_username() if user else "",
                    action,
                    object_type,
                    ip,
                    [object_id for object_id, _person in rows],
                    [person_id for _object, person_id in rows],
                ],
            )
        return
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor_id=user.pk if user else None,
                actor_label=user.get_username() if user else "",
                action=action,
                object_type=object_type,
                object_id=object_id,
                person_id=person_id,
                ip=ip,
            )
            for object_id, person_id in rows
        ],
        batch_size=1000,
    )
