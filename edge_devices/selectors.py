"""Every read of edge_devices, scoped: who may manage which devices, the key a device
presents, the readings staff may see, the devices silent too long, link candidates.

A checkpoint's devices are managed by its overseers, those ``checkpoints_for(user)`` lists
(the units whose wards include the checkpoint's, the CDC, the checkpoint's own staff), when
their role may oversee checkpoints at all.
"""

from __future__ import annotations

import hmac
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from checkpoints.models import Checkpoint, Passage
from checkpoints.selectors.scope import checkpoint_get_for, checkpoints_for
from edge_devices.keys import key_digest
from edge_devices.models import Device, Reading, ReadingReceipt
from truyvet.accounts.models import User
from truyvet.accounts.permissions import may_oversee_checkpoints
from truyvet.lib.bounds import MAX_INT


def _id(value: int | str) -> int:
    text = str(value)
    if not (text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= MAX_INT):
        raise Http404
    return int(text)


def checkpoints_with_devices_for(user: User) -> QuerySet[Checkpoint]:
    """The checkpoints whose devices the user manages."""
    if not may_oversee_checkpoints(user):
        return Checkpoint.objects.none()
    return checkpoints_for(user)


def checkpoint_for_devices(user: User, checkpoint_id: int | str) -> Checkpoint:
    """The checkpoint, or 404 when the user does not oversee it."""
    if not may_oversee_checkpoints(user):
        raise Http404
    return checkpoint_get_for(user, checkpoint_id)


def devices_for(user: User) -> QuerySet[Device]:
    return Device.objects.filter(checkpoint__in=checkpoints_with_devices_for(user).values("pk")).select_related(
        "checkpoint"
    )


def device_get_for(user: User, device_id: int | str) -> Device:
    device = devices_for(user).filter(pk=_id(device_id)).first()
    if device is None:
        raise Http404
    return device


# Keys this process checked lately: digest → (valid until, device). A reading then costs no
# query for its key; see ``EDGE_KEY_CACHE_SECONDS``.
_checked_keys: dict[str, tuple[float, Device]] = {}
_CHECKED_KEYS_MAX = 10_000


def device_by_key(key: str) -> Device | None:
    """The device in service whose key this is, or None.

    A key this process accepted in the last ``EDGE_KEY_CACHE_SECONDS`` is accepted again
    without a query: another process sees a rotation or a withdrawal within that time (this
    one at once, ``forget_device_keys``). Refused keys are never remembered."""
    parts = key.split("_")
    if len(parts) != 3 or parts[0] != "tvd" or len(parts[1]) != 8 or len(key) > 100:
        return None
    digest = key_digest(key)
    seconds = settings.EDGE_KEY_CACHE_SECONDS
    if seconds > 0:
        remembered = _checked_keys.get(digest)
        if remembered is not None and remembered[0] > time.monotonic():
            return remembered[1]
    device = Device.objects.filter(key_prefix=parts[1], revoked_at__isnull=True).first()
    if device is None or not hmac.compare_digest(device.key_hash, digest):
        return None
    if seconds > 0:
        if len(_checked_keys) >= _CHECKED_KEYS_MAX:
            _checked_keys.clear()
        _checked_keys[digest] = (time.monotonic() + seconds, device)
    return device


def forget_device_keys() -> None:
    """A key rotated or a device withdrawn in this process: every key is checked again."""
    _checked_keys.clear()


def readings_for(user: User) -> QuerySet[Reading]:
    return Reading.objects.filter(checkpoint__in=checkpoints_with_devices_for(user).values("pk"))


def reading_get_for(user: User, reading_id: int | str) -> Reading:
    reading = readings_for(user).select_related("device", "checkpoint").filter(pk=_id(reading_id)).first()
    if reading is None:
        raise Http404
    return reading


def reading_get_for_device(device: Device, reading_id: int | str) -> Reading:
    """A device sees its own readings only."""
    reading = Reading.objects.filter(device=device, pk=_id(reading_id)).first()
    if reading is None:
        raise Http404
    return reading


def reading_for_client_id(device: Device, client_id: uuid.UUID) -> Reading | None:
    """The reading the device's ``client_id`` made, by its receipt (one query: the receipt
    joined to the reading's own partition by ``(id, captured_at)``), or None."""
    receipts = ReadingReceipt.objects.filter(device=device, client_id=client_id)
    return (
        Reading.objects.filter(
            pk=Subquery(receipts.values("reading_id")[:1]), captured_at=Subquery(receipts.values("captured_at")[:1])
        )
        .order_by()
        .first()
    )


def link_candidates(*, checkpoint_id: int, at: datetime, person_id: int | None) -> list[int]:
    """Passages at the checkpoint a reading at ``at`` may belong to, closest in time first:
    the person's within ``EDGE_LINK_TOKEN_WINDOW_SECONDS``, or anybody's within
    ``EDGE_LINK_WINDOW_SECONDS`` (at most three: more than one is already too many)."""
    if person_id is not None:
        window = timedelta(seconds=settings.EDGE_LINK_TOKEN_WINDOW_SECONDS)
        qs = Passage.objects.filter(person_id=person_id)
    else:
        window = timedelta(seconds=settings.EDGE_LINK_WINDOW_SECONDS)
        qs = Passage.objects.all()
    rows = list(
        qs.filter(checkpoint_id=checkpoint_id, scanned_at__gte=at - window, scanned_at__lte=at + window)
        .order_by("scanned_at")
        .values_list("pk", "scanned_at")[:50]
    )
    rows.sort(key=lambda row: abs((row[1] - at).total_seconds()))
    return [pk for pk, _ in rows[:3]]


def offline_after() -> timedelta:
    return timedelta(minutes=settings.EDGE_OFFLINE_MINUTES)


def devices_offline(checkpoint_ids: list[int], *, now: datetime | None = None) -> list[Device]:
    """Devices in service at these checkpoints silent for ``EDGE_OFFLINE_MINUTES`` (or never heard)."""
    since = (now or timezone.now()) - offline_after()
    qs = Device.objects.filter(checkpoint_id__in=checkpoint_ids, revoked_at__isnull=True).select_related("checkpoint")
    return [d for d in qs if d.last_seen_at is None or d.last_seen_at < since]


def recent_readings(checkpoint: Checkpoint, *, limit: int = 50) -> QuerySet[Reading]:
    return Reading.objects.filter(checkpoint=checkpoint).select_related("device").order_by("-captured_at")[:limit]


def readings_of_passage(passage_id: int) -> QuerySet[Reading]:
    return Reading.objects.filter(passage_id=passage_id).order_by("captured_at")


def link_target(*, checkpoint_id: int, at: datetime, person_id: int | None) -> int | None:
    """The passage a reading belongs to, or None.

    By the traveller's QR: their passage at the same checkpoint closest in time (within
    ``EDGE_LINK_TOKEN_WINDOW_SECONDS``). Without it: the passage closest in time within
    ``EDGE_LINK_WINDOW_SECONDS`` when it is the only one in that window (two travellers in
    the window: the reading cannot say whose it is)."""
    candidates = link_candidates(checkpoint_id=checkpoint_id, at=at, person_id=person_id)
    if person_id is not None:
        return candidates[0] if candidates else None
    return candidates[0] if len(candidates) == 1 else None


def link_target_sql(*, checkpoint_id: int, at: datetime, person_id: int | None) -> tuple[str, list[Any]]:
    """``link_target`` as one query of one row, its ``id`` the passage or NULL, for the
    reading's own statement on PostgreSQL (a CTE: no round trip of its own)."""
    table = Passage._meta.db_table
    if person_id is not None:
        window = timedelta(seconds=settings.EDGE_LINK_TOKEN_WINDOW_SECONDS)
        sql = (
            f"SELECT (SELECT id FROM {table} WHERE person_id = %s AND checkpoint_id = %s "  # noqa: S608 (our table)
            "AND scanned_at >= %s AND scanned_at <= %s "
            "ORDER BY abs(extract(epoch FROM scanned_at - %s)), scanned_at LIMIT 1) AS id"
        )
        return sql, [person_id, checkpoint_id, at - window, at + window, at]
    window = timedelta(seconds=settings.EDGE_LINK_WINDOW_SECONDS)
    # The one passage in the window, or none: two already say "cannot tell whose".
    sql = (
        f"SELECT CASE WHEN count(*) = 1 THEN min(id) END AS id FROM (SELECT id FROM {table} "  # noqa: S608 (our table)
        "WHERE checkpoint_id = %s AND scanned_at >= %s AND scanned_at <= %s LIMIT 2) AS candidates"
    )
    return sql, [checkpoint_id, at - window, at + window]
