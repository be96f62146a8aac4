"""Every write of edge_devices: registering devices and their keys, readings, heartbeats.

Who may manage a checkpoint's devices is decided by the selector that hands the checkpoint
over (``edge_devices.selectors.checkpoint_for_devices``: its overseers); the services take
the checkpoint or device it gave.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from checkpoints.models import Checkpoint
from edge_devices.errors import DeviceError
from edge_devices.keys import new_key
from edge_devices.models import Device, DeviceKind, Reading
from edge_devices.selectors import forget_device_keys, link_target
from edge_devices.tasks import queue_fever_alert, queue_processing, queue_relink
from truyvet.accounts.models import User
from truyvet.credentials.qr import qr_holder
from truyvet.lib.audit import audit_log
from truyvet.lib.errors import DomainError
from truyvet.lib.sql import insert_sql

_MAC = re.compile(r"^[0-9A-F]{2}(:[0-9A-F]{2}){5}$")
# A device's last_seen_at is written at most this often (every reading would otherwise
# update the device's row, and readings come several a second at a busy checkpoint).
SEEN_EVERY = timedelta(seconds=30)


@dataclass(frozen=True)
class DeviceInput:
    kind: DeviceKind
    serial: str
    mac: str = ""
    label: str = ""


def normalize_mac(value: str) -> str:
    """``aa-bb-cc-dd-ee-ff`` or ``aabb.ccdd.eeff`` as ``AA:BB:CC:DD:EE:FF``; a DomainError if not a MAC."""
    digits = re.sub(r"[^0-9A-Fa-f]", "", value)
    if not value.strip():
        return ""
    mac = ":".join(digits[i : i + 2] for i in range(0, 12, 2)).upper() if len(digits) == 12 else ""
    if not _MAC.match(mac):
        raise DomainError("Give the MAC address as AA:BB:CC:DD:EE:FF.", DeviceError.MAC_INVALID, field="mac")
    return mac


@transaction.atomic
def device_register(
    *, user: User | None, checkpoint: Checkpoint, data: DeviceInput, request: HttpRequest | None = None
) -> tuple[Device, str]:
    """A new device at ``checkpoint`` and its key, which is shown this once."""
    key, prefix, digest = new_key()
    mac = normalize_mac(data.mac)
    if Device.objects.filter(kind=data.kind, serial=data.serial, revoked_at__isnull=True).exists():
        raise DomainError(
            "A device of this kind with this serial number is already registered.",
            DeviceError.SERIAL_TAKEN,
            field="serial",
            status=409,
        )
    device = Device.objects.create(
        kind=data.kind,
        checkpoint=checkpoint,
        serial=data.serial,
        mac=mac,
        label=data.label,
        key_prefix=prefix,
        key_hash=digest,
        created_by=user,
    )
    audit_log(
        actor=user,
        action="edge_device.register",
        obj=device,
        request=request,
        detail={"checkpoint_id": checkpoint.pk, "kind": data.kind, "serial": data.serial},
    )
    return device, key


@transaction.atomic
def device_rotate_key(*, user: User | None, device: Device, request: HttpRequest | None = None) -> str:
    """A new key for the device; the old one stops working at once."""
    if device.revoked_at is not None:
        raise DomainError("The device was withdrawn.", DeviceError.REVOKED, status=409)
    key, prefix, digest = new_key()
    device.key_prefix, device.key_hash, device.key_rotated_at = prefix, digest, timezone.now()
    device.save(update_fields=["key_prefix", "key_hash", "key_rotated_at"])
    audit_log(actor=user, action="edge_device.rotate_key", obj=device, request=request)
    forget_device_keys()
    return key


@transaction.atomic
def device_revoke(*, user: User, device: Device, request: HttpRequest | None = None) -> None:
    """The device's key stops working for good; its readings stay."""
    if device.revoked_at is not None:
        return
    device.revoked_at = timezone.now()
    device.save(update_fields=["revoked_at"])
    audit_log(actor=user, action="edge_device.revoke", obj=device, request=request)
    forget_device_keys()


def device_seen(*, device: Device, at: datetime | None = None) -> None:
    """The device called (a heartbeat, a reading): its last_seen_at, written at most every 30 s."""
    now = at or timezone.now()
    if device.last_seen_at is not None and now - device.last_seen_at < SEEN_EVERY:
        return
    Device.objects.filter(pk=device.pk).update(last_seen_at=now)
    device.last_seen_at = now


@dataclass(frozen=True)
class ReadingInput:
    client_id: uuid.UUID
    captured_at: datetime
    temperature_c: Decimal
    image: bytes | None = None
    qr_token: str = ""
    source: str = "json"


def fever_threshold() -> Decimal:
    return Decimal(str(settings.EDGE_FEVER_C))


def _fever_group(device: Device, captured_at: datetime) -> Reading | None:
    """The first fever reading of the group this one belongs to: a fever reading at the same
    device in the minutes before (a repeat of the same traveller), followed to its root."""
    window = timedelta(minutes=settings.EDGE_FEVER_GROUP_MINUTES)
    earlier = (
        Reading.objects.filter(
            device=device, fever=True, captured_at__gte=captured_at - window, captured_at__lte=captured_at
        )
        .order_by("-captured_at")
        .only("pk", "fever_group_id")
        .first()
    )
    if earlier is None:
        return None
    root_id = earlier.fever_group_id or earlier.pk
    return Reading(pk=root_id)


def _holder_id(token: str) -> int | None:
    """The traveller the device read from a personal QR; a code that is not valid links nobody
    (the temperature still counts)."""
    if not token:
        return None
    try:
        return qr_holder(token).pk
    except DomainError:
        return None


def reading_ingest(*, device: Device, data: ReadingInput) -> tuple[Reading, bool]:
    """Store a reading (or find the one this ``client_id`` already made: ``created`` False).

    A fever is flagged at once and, unless it repeats one the same device sent minutes
    before, alerts the checkpoint; the snapshot goes to the worker's queue. The row is
    inserted with ``ON CONFLICT DO NOTHING``: a device's retry costs no statement more than
    a new reading, and a new reading none for the retry's sake."""
    fever = data.temperature_c >= fever_threshold()
    with transaction.atomic():
        reading = Reading(
            device=device,
            checkpoint_id=device.checkpoint_id,
            client_id=data.client_id,
            captured_at=data.captured_at,
            temperature_c=data.temperature_c,
            fever=fever,
            fever_group=_fever_group(device, data.captured_at) if fever else None,
            person_id=_holder_id(data.qr_token),
            source=data.source,
            # Nothing for the worker to do without a snapshot.
            processed_at=None if data.image else timezone.now(),
        )
        reading.passage_id = link_target(
            checkpoint_id=device.checkpoint_id, at=data.captured_at, person_id=reading.person_id
        )
        if data.image:
            reading.image.save(f"{uuid.uuid4().hex}.jpg", ContentFile(data.image), save=False)
        sql, params = insert_sql(reading)
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} ON CONFLICT (device_id, client_id) DO NOTHING RETURNING id", params)
            row = cursor.fetchone()
        if row is None:  # the same client_id again (a retry)
            if reading.image.name:  # the frame this retry wrote, named by a new uuid: nobody's
                reading.image.storage.delete(reading.image.name)
            existing = Reading.objects.get(device=device, client_id=data.client_id)
            return existing, False
        reading.pk = row[0]
        reading._state.adding = False
        if data.image:
            queue_processing(reading.pk)
        if reading.passage_id is None:
            queue_relink(reading.pk)
        if fever and reading.fever_group_id is None:
            queue_fever_alert(reading.pk)
    device_seen(device=device)
    return reading, True


def reading_relink(*, reading: Reading) -> bool:
    """Link a reading that came before its passage (the worker tries again); True if linked now."""
    if reading.passage_id is not None:
        return False
    target = link_target(checkpoint_id=reading.checkpoint_id, at=reading.captured_at, person_id=reading.person_id)
    if target is None:
        return False
    Reading.objects.filter(pk=reading.pk, passage__isnull=True).update(passage_id=target)
    reading.passage_id = target
    return True
