"""Drive the demo checkpoint's devices live: ``python manage.py simulate_devices --devices 4
--rate 5 --duration 60`` posts readings (real photographs from ``edge_devices/photos``:
one face, three faces, none; a few fevers) and heartbeats to a running portal (``make run``)
over HTTP, as cameras do. Each device it drives gets a new key first (the old one stops
working), so do not point it at a deployment whose real devices you care about."""

from __future__ import annotations

import base64
import itertools
import random
import time
import uuid
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from edge_devices.demo import DEMO_DEVICES, demo_checkpoint
from edge_devices.models import Device, DeviceKind
from edge_devices.services import DeviceInput, device_register, device_rotate_key

PHOTOS = Path(__file__).resolve().parents[2] / "photos"
HEARTBEAT_EVERY = 30.0


class Command(BaseCommand):
    help = "Post readings from N simulated devices at a given rate to a running portal."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--devices", type=int, default=2, help="How many devices (default 2: the demo's).")
        parser.add_argument("--rate", type=float, default=2.0, help="Readings per second, all devices (default 2).")
        parser.add_argument("--duration", type=float, default=60.0, help="Seconds to run; 0: until Ctrl-C.")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="The portal (default: make run's).")
        parser.add_argument("--fever-share", type=float, default=0.03, help="Share of fevers (default 0.03).")
        parser.add_argument("--image-share", type=float, default=0.5, help="Share of readings with a photo.")

    def _keys(self, count: int) -> list[str]:
        checkpoint = demo_checkpoint()
        if checkpoint is None:
            raise CommandError("No demo checkpoint: run `python manage.py seed_demo` (make run does) first.")
        devices = list(
            Device.objects.filter(serial__in=[s for _k, s, _l in DEMO_DEVICES], revoked_at__isnull=True).order_by("pk")
        )
        index = 1
        while len(devices) < count:
            serial = f"SIM-{index:03d}"
            found = Device.objects.filter(
                kind=DeviceKind.THERMAL_CAMERA, serial=serial, revoked_at__isnull=True
            ).first()
            if found is None:
                found, _key = device_register(
                    user=None, checkpoint=checkpoint, data=DeviceInput(kind=DeviceKind.THERMAL_CAMERA, serial=serial)
                )
            devices.append(found)
            index += 1
        return [device_rotate_key(user=None, device=device) for device in devices[:count]]

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.DJANGO_ENV == "production":
            raise CommandError("simulate_devices replaces device keys; it is refused when DJANGO_ENV=production.")
        keys = self._keys(max(1, options["devices"]))
        photos = [base64.b64encode(p.read_bytes()).decode() for p in sorted(PHOTOS.glob("*.jpg"))]
        rng = random.Random()  # noqa: S311 (simulated readings)
        url = options["url"].rstrip("/") + "/api/v1/devices/"
        interval = 1.0 / max(options["rate"], 0.01)
        deadline = time.monotonic() + options["duration"] if options["duration"] > 0 else None
        sent = accepted = fevers = errors = 0
        last_beat = [0.0] * len(keys)
        started = time.monotonic()
        session = requests.Session()
        try:
            for turn in itertools.count():
                now = time.monotonic()
                if deadline is not None and now >= deadline:
                    break
                which = turn % len(keys)
                auth = {"Authorization": f"Device {keys[which]}"}
                if now - last_beat[which] > HEARTBEAT_EVERY:
                    session.post(url + "heartbeat/", headers=auth, timeout=10)
                    last_beat[which] = now
                fever = rng.random() < options["fever_share"]
                body: dict[str, Any] = {
                    "client_id": str(uuid.uuid4()),
                    "captured_at": timezone.now().isoformat(),
                    "temperature_c": round(rng.uniform(37.6, 39.2) if fever else rng.uniform(36.0, 37.3), 1),
                }
                if rng.random() < options["image_share"]:
                    body["image_jpeg_b64"] = rng.choice(photos)
                try:
                    response = session.post(url + "readings/", json=body, headers=auth, timeout=10)
                except requests.RequestException as error:
                    raise CommandError(f"The portal at {options['url']} does not answer: {error}") from None
                sent += 1
                if response.status_code in (200, 202):
                    accepted += 1
                    fevers += bool(response.json().get("fever"))
                else:
                    errors += 1
                    self.stderr.write(f"{response.status_code} {response.text[:200]}")
                time.sleep(max(0.0, started + (turn + 1) * interval - time.monotonic()))
        except KeyboardInterrupt:
            pass
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"{len(keys)} devices, {sent} readings in {elapsed:.1f} s ({sent / max(elapsed, 1e-9):.1f}/s): "
            f"{accepted} accepted, {fevers} fevers, {errors} refused"
        )
