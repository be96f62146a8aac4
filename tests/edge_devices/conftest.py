"""Builders for edge device tests: a checkpoint overseen by the cast, devices with their keys."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, TestCase
from django.utils import timezone

import edge_devices
from checkpoints.models import Checkpoint
from edge_devices.models import Device, DeviceKind
from edge_devices.services import DeviceInput, device_register
from tests.factories import CheckpointFactory
from truyvet.accounts.models import User

PHOTOS = Path(edge_devices.__file__).parent / "photos"


def photo(name: str) -> bytes:
    return (PHOTOS / name).read_bytes()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def checkpoint(db: None) -> Checkpoint:
    """A checkpoint in ward A: the insider (ward A's station) oversees it, the outsider not."""
    return CheckpointFactory(name="Chốt Lao Bảo")


@pytest.fixture
def make_device(checkpoint: Checkpoint, insider: User) -> Callable[..., tuple[Device, str]]:
    def make(
        kind: str = DeviceKind.THERMAL_CAMERA, serial: str = "", at: Checkpoint | None = None
    ) -> tuple[Device, str]:
        return device_register(
            user=insider,
            checkpoint=at or checkpoint,
            data=DeviceInput(kind=DeviceKind(kind), serial=serial or uuid.uuid4().hex[:12]),
        )

    return make


@pytest.fixture
def camera(make_device: Callable[..., tuple[Device, str]]) -> tuple[Device, str]:
    return make_device()


@pytest.fixture
def camera_client(camera: tuple[Device, str]) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Device {camera[1]}")


def reading(
    temperature: float = 36.6, *, seconds_ago: float = 1, image: bytes | None = None, **fields: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_id": str(uuid.uuid4()),
        "captured_at": (timezone.now() - timedelta(seconds=seconds_ago)).isoformat(),
        "temperature_c": temperature,
    }
    if image is not None:
        body["image_jpeg_b64"] = base64.b64encode(image).decode()
    body.update(fields)
    return body


def post_reading(client: Client, body: dict[str, Any]) -> Any:
    """Post a reading as JSON, and run what it queued on commit (the alert, the snapshot)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/api/v1/devices/readings/", body, content_type="application/json")


def post_multipart(client: Client, body: dict[str, Any], path: str = "/api/v1/devices/readings/") -> Any:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(path, body)
