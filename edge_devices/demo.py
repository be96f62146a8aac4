"""Demo edge devices: a thermal camera and a face kiosk at the first demo checkpoint, with a
day of readings (a few fevers, each alerted once), so the board, the device list and the IOC
feed have something to show under ``make run``; ``manage.py simulate_devices`` drives them live.

The demo ``checkpoint`` account is staff of that checkpoint, so it oversees it and may
register more devices there. The kiosk was last heard 20 minutes ago: the board lists it
offline. Readings have fixed client ids (``demo_reading_id``), so a re-run adds nothing.
"""

from __future__ import annotations

import random
import uuid
from argparse import ArgumentParser
from datetime import timedelta
from decimal import Decimal
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone

from checkpoints.demo import CHECKPOINTS
from checkpoints.models import Checkpoint
from edge_devices.alerts import fever_alert
from edge_devices.keys import new_key
from edge_devices.models import Device, DeviceKind, Reading, ReadingReceipt
from edge_devices.services import fever_threshold

DEMO_DEVICES = [
    (DeviceKind.THERMAL_CAMERA, "DEMO-DS2TD2617-01", "Làn vào"),
    (DeviceKind.FACE_KIOSK, "DEMO-KIOSK-01", "Bàn y tế"),
]
NAMESPACE = uuid.UUID("0f7b8a52-3b1e-4c55-9d0e-5f7e8d2c1a90")


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--device-readings", type=int, default=240, help="Demo camera readings over the last day (default 240)."
    )


def demo_reading_id(index: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"reading-{index}")


def demo_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.filter(name=CHECKPOINTS[0][0]).first()


def seed(options: dict[str, Any], out: TextIO) -> None:
    checkpoint = demo_checkpoint()
    if checkpoint is None:
        out.write("  no demo checkpoint: no demo devices")
        return
    now = timezone.now()
    with transaction.atomic():
        devices = []
        for index, (kind, serial, label) in enumerate(DEMO_DEVICES):
            device = Device.objects.filter(kind=kind, serial=serial, revoked_at__isnull=True).first()
            if device is None:
                _key, prefix, digest = new_key()  # nobody knows it: simulate_devices gives a new one
                device = Device.objects.create(
                    kind=kind, serial=serial, label=label, checkpoint=checkpoint, key_prefix=prefix, key_hash=digest
                )
            device.last_seen_at = now - (timedelta(minutes=20) if index == 1 else timedelta(seconds=30))
            device.save(update_fields=["last_seen_at"])
            devices.append(device)
        rng = random.Random(18)  # noqa: S311 (demo data, not a secret)
        target = options.get("device_readings", 240)
        threshold = fever_threshold()
        rows = []
        for i in range(target):
            device = devices[i % 2]
            fever = i % 60 == 7  # four in a day
            temperature = Decimal("38.4") if fever else Decimal(str(round(rng.uniform(36.0, 37.2), 1)))
            rows.append(
                Reading(
                    device=device,
                    checkpoint=checkpoint,
                    client_id=demo_reading_id(i),
                    captured_at=now - timedelta(seconds=int(86_400 * (target - i) / (target + 1))),
                    temperature_c=temperature,
                    fever=temperature >= threshold,
                    processed_at=now,
                    source="demo",
                )
            )
        # The receipts say which demo readings a device already has (seed_demo runs again).
        have = set(ReadingReceipt.objects.filter(device__in=devices).values_list("device_id", "client_id"))
        rows = [row for row in rows if (row.device_id, row.client_id) not in have]
        made = Reading.objects.bulk_create(rows)
        ReadingReceipt.objects.bulk_create(
            [
                ReadingReceipt(device_id=r.device_id, client_id=r.client_id, reading_id=r.pk, captured_at=r.captured_at)
                for r in made
            ],
            ignore_conflicts=True,
        )
        fevers = list(
            Reading.objects.filter(checkpoint=checkpoint, source="demo", fever=True).values_list("pk", flat=True)
        )
    alerts = sum(fever_alert(pk) for pk in fevers)
    out.write(
        f"  2 demo edge devices at {checkpoint.name}, {len(rows)} readings, {len(fevers)} fevers ({alerts} new alerts)"
    )
