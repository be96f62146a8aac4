"""Every write of edge_devices: registering devices and their keys, readings, heartbeats.

Who may manage a checkpoint's devices is decided by the selector that hands the checkpoint
over (``edge_devices.selectors.checkpoint_for_devices``: its overseers); the services take
the checkpoint or device it gave.
"""

from __future__ import annotations

import re
import time
import uuid
from contextlib import nullcontext, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from checkpoints.models import Checkpoint
from edge_devices.errors import DeviceError
from edge_devices.keys import new_key
from edge_devices.models import Device, DeviceKind, Reading, ReadingReceipt
from edge_devices.selectors import forget_device_keys, link_target, link_target_sql, reading_for_client_id
from edge_devices.tasks import (
    fever_alert,
    process_snapshot,
    queue_fever_alert,
    queue_processing,
    queue_relink,
    relink_reading,
)
from truyvet.accounts.models import User
from truyvet.credentials.qr import qr_holder
from truyvet.lib import outbox
from truyvet.lib.audit import audit_log
from truyvet.lib.errors import DomainError
from truyvet.lib.postgres.partitions import partition_name, partitions_of
from truyvet.lib.storage import write_new

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


FRAMES = "edge/frames/"


def _frame_write(image: bytes) -> str:
    """The snapshot as a new file under ``edge/frames/`` (named by a random UUID), written
    before the row that names it: a row never points at a file that is not there. A full
    disk: ``storage_full`` (507), nothing kept."""
    storage = Reading._meta.get_field("image").storage
    return write_new(storage, f"{FRAMES}{uuid.uuid4().hex}.jpg", image)  # type: ignore[arg-type]


def _frame_drop(name: str) -> None:
    Reading._meta.get_field("image").storage.delete(name)


def reading_ingest(*, device: Device, data: ReadingInput) -> tuple[Reading, bool]:
    """Store a reading (or find the one this ``client_id`` already made: ``created`` False).

    A fever is flagged at once and, unless it repeats one the same device sent minutes
    before, alerts the checkpoint; the snapshot goes to the worker's queue. On PostgreSQL
    the reading, its receipt, its link to a passage and its tasks (the outbox) are one
    statement (``_ingest_postgresql``; a retry's first reading is read after it); elsewhere
    the ORM does the same in a transaction. The frame is written first and dropped again for a retry."""
    fever = data.temperature_c >= fever_threshold()
    group = _fever_group(device, data.captured_at) if fever else None
    person_id = _holder_id(data.qr_token)
    frame = _frame_write(data.image) if data.image else ""
    try:
        if connection.vendor == "postgresql":
            reading, created = _ingest_postgresql(device, data, fever, group, person_id, frame)
        else:
            reading, created = _ingest_orm(device, data, fever, group, person_id, frame)
    except BaseException:
        if frame:
            _frame_drop(frame)
        raise
    if frame and not created:  # the retry's frame, named by a new uuid: nobody's
        _frame_drop(frame)
    device_seen(device=device)
    return reading, created


def _new_reading(
    device: Device, data: ReadingInput, fever: bool, group: Reading | None, person_id: int | None, frame: str
) -> Reading:
    return Reading(
        device=device,
        checkpoint_id=device.checkpoint_id,
        client_id=data.client_id,
        captured_at=data.captured_at,
        temperature_c=data.temperature_c,
        fever=fever,
        fever_group=group,
        person_id=person_id,
        source=data.source,
        image=frame,
        # Nothing for the worker to do without a snapshot.
        processed_at=None if frame else timezone.now(),
    )


def _ingest_orm(
    device: Device, data: ReadingInput, fever: bool, group: Reading | None, person_id: int | None, frame: str
) -> tuple[Reading, bool]:
    """The ORM's way (SQLite): the receipt looked up, then the reading and its receipt in a
    savepoint; a concurrent retry's receipt first: the savepoint undone, its reading answered."""
    with transaction.atomic():
        earlier = reading_for_client_id(device, data.client_id)
        if earlier is not None:
            return earlier, False
        reading = _new_reading(device, data, fever, group, person_id, frame)
        reading.passage_id = link_target(checkpoint_id=device.checkpoint_id, at=data.captured_at, person_id=person_id)
        try:
            with transaction.atomic():
                reading.save(force_insert=True)
                ReadingReceipt.objects.create(
                    device=device, client_id=data.client_id, reading_id=reading.pk, captured_at=data.captured_at
                )
        except IntegrityError:
            earlier = reading_for_client_id(device, data.client_id)
            if earlier is None:
                raise
            return earlier, False
        _queue_followups(reading)
    return reading, True


def _queue_followups(reading: Reading) -> None:
    """The tasks of a new reading, one ``outbox.enqueue`` each (the ORM path, and tasks run
    inline on PostgreSQL)."""
    if reading.image:
        queue_processing(reading.pk)
    if reading.passage_id is None:
        queue_relink(reading.pk)
    if reading.fever and reading.fever_group_id is None:
        queue_fever_alert(reading.pk)


# The columns of a reading written by the statement, in order (passage_id is the link CTE's).
_COLUMNS = (
    "device_id, checkpoint_id, client_id, captured_at, received_at, temperature_c, fever, fever_group_id, "
    "person_id, passage_id, image, thumbnail, faces_detected, processed_at, source"
)
_VALUES = "%s, %s, %s, %s, %s, %s, %s, %s, %s, (SELECT id FROM link), %s, '', NULL, %s, %s"


_sequences: dict[str, str] = {}
# The readings' day partitions this process knows (PostgreSQL), looked up again after this long.
_PARTITIONS_TTL = 300.0
_partitions: dict[str, tuple[float, frozenset[str]]] = {}


def _run(statement: str, params: list[Any]) -> Any:
    """The statement's one row; inside a transaction in a savepoint, so that a failure can be
    tried again (a request runs in autocommit: no savepoint)."""
    with transaction.atomic() if connection.in_atomic_block else nullcontext(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()


def _target_table(captured_at: datetime) -> str:
    """Where a reading's row goes: its day's partition when this process knows it (a plain
    table's plan, prepared once, which PostgreSQL does not re-plan each time as it does an
    ``INSERT`` routed through the partitioned parent), else the parent, which routes it."""
    table = Reading._meta.db_table
    alias = connection.alias
    known = _partitions.get(alias)
    if known is None or known[0] < time.monotonic():
        names = frozenset(partitions_of(table) or [])
        known = _partitions[alias] = (time.monotonic() + _PARTITIONS_TTL, names)
    name = partition_name(table, timezone.localdate(captured_at))
    return name if name in known[1] else table


def _id_sequence() -> str:
    """The readings' id sequence (looked up once a process: its name does not change)."""
    alias = connection.alias
    if alias not in _sequences:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Reading._meta.db_table])
            _sequences[alias] = str(cursor.fetchone()[0])
    return _sequences[alias]


def _ingest_postgresql(
    device: Device, data: ReadingInput, fever: bool, group: Reading | None, person_id: int | None, frame: str
) -> tuple[Reading, bool]:
    """One statement, committed on its own: the passage looked up (``link``), the receipt of
    ``(device, client_id)`` with the new reading's id unless the device sent this
    ``client_id`` already (``rc``), the row if the receipt was new (``r``), the outbox messages of its
    tasks (``p`` the snapshot, ``l`` the later link, ``a`` the fever alert), the marks of
    messages this process sent earlier (``m``); it answers the new row, or nothing for a
    retry (whose first reading is read then). The messages without delay are sent right after
    (``outbox.send_written``)."""
    table, receipts = Reading._meta.db_table, ReadingReceipt._meta.db_table
    target = _target_table(data.captured_at)
    now = timezone.now()
    link_sql, link_params = link_target_sql(
        checkpoint_id=device.checkpoint_id, at=data.captured_at, person_id=person_id
    )
    ctes = [f"link AS ({link_sql})"]
    params: list[Any] = [*link_params]
    ctes.append(
        f"rc AS (INSERT INTO {receipts} (device_id, client_id, reading_id, captured_at) "  # noqa: S608 (our tables)
        f"VALUES (%s, %s, nextval(%s), %s) ON CONFLICT DO NOTHING RETURNING reading_id)"
    )
    params += [device.pk, data.client_id, _id_sequence(), data.captured_at]
    ctes.append(
        f"r AS (INSERT INTO __TARGET__ (id, {_COLUMNS}) SELECT rc.reading_id, {_VALUES} FROM rc "  # noqa: S608 (our table)
        "RETURNING id, fever, passage_id)"
    )
    group_id = group.pk if group is not None else None
    params += [device.pk, device.checkpoint_id, data.client_id, data.captured_at, now, data.temperature_c, fever,
               group_id, person_id, frame, None if frame else now, data.source]  # fmt: skip
    relay = not outbox.inline()
    alert = fever and group_id is None
    marks: list[int] = []
    snapshot_msg = alert_msg = "NULL::bigint"
    if relay:
        args = "jsonb_build_array(r.id)"
        if frame:
            sql, more = outbox.insert_from_sql(process_snapshot, source="r", args_sql=args, queue=settings.EDGE_QUEUE)
            ctes.append(f"p AS ({sql})")
            params += more
            snapshot_msg = "(SELECT id FROM p)"
        sql, more = outbox.insert_from_sql(
            relink_reading, source="r", args_sql=args, where="r.passage_id IS NULL",
            delay=settings.EDGE_RELINK_AFTER_SECONDS,
        )  # fmt: skip
        ctes.append(f"l AS ({sql})")
        params += more
        if alert:
            sql, more = outbox.insert_from_sql(fever_alert, source="r", args_sql=args)
            ctes.append(f"a AS ({sql})")
            params += more
            alert_msg = "(SELECT id FROM a)"
        marks = outbox.marks_to_carry()
        if marks:
            sql, more = outbox.mark_sql(marks)
            ctes.append(f"m AS ({sql})")
            params += more
    # A retry's first reading is read after (below), not by a branch of this statement: a join
    # to the readings by the receipt's time prunes no partition at planning, and every new
    # reading would pay for the partitions' set-up.
    statement = f"WITH {', '.join(ctes)} SELECT r.id, r.fever, r.passage_id, {snapshot_msg}, {alert_msg} FROM r"  # noqa: S608
    try:
        try:
            row = _run(statement.replace("__TARGET__", target), params)
        except ProgrammingError:
            if target == table:
                raise
            # The day's partition is gone (dropped, or detached): the parent routes the row.
            _partitions.pop(connection.alias, None)
            row = _run(statement.replace("__TARGET__", table), params)
    except BaseException:
        if marks:
            with suppress(Exception):
                outbox.mark_now(marks)
        raise
    if row is None:
        # The device sent this client_id already: its first reading, through the receipt (one
        # query, one partition). A receipt whose reading is gone (deleted by hand) is
        # forgotten, and the reading made anew.
        earlier = reading_for_client_id(device, data.client_id)
        if earlier is not None:
            return earlier, False
        ReadingReceipt.objects.filter(device=device, client_id=data.client_id).delete()
        return _ingest_postgresql(device, data, fever, group, person_id, frame)
    pk, stored_fever, passage_id, snapshot_id, alert_id = row
    reading = _new_reading(device, data, stored_fever, group, person_id, frame)
    reading.pk, reading.passage_id = pk, passage_id
    reading._state.adding = False
    if relay:
        messages = []
        if snapshot_id is not None:
            messages.append(outbox.written(snapshot_id, process_snapshot, pk, queue=settings.EDGE_QUEUE))
        if alert_id is not None:
            messages.append(outbox.written(alert_id, fever_alert, pk))
        outbox.send_written(messages)
    else:
        _queue_followups(reading)
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
