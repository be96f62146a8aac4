"""A full disk under MEDIA_ROOT: each upload path answers a clear error (``storage_full``, 507,
or the form's message) and leaves no record and no partly written file.

Real where it can be: as root, MEDIA_ROOT is a tmpfs of 256 KiB filled to its last few KiB, so
the kernel itself answers ENOSPC in the middle of the write. Without root, the process gets a
file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored: EFBIG) around the request. Cheap: runs in every
suite.

The upload paths: a citizen's report photo (the public page and the API, safetymap) and a
thermal camera's snapshot (edge_devices). Venue posters are drawn on each request, never stored.
"""

from __future__ import annotations

import io
import os
import resource
import signal
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from edge_devices.models import DeviceKind, Reading
from edge_devices.services import DeviceInput, device_register
from safetymap.models import Report
from tests.edge_devices.conftest import photo, reading
from tests.factories import CheckpointFactory
from tests.safetymap.conftest import make_facility
from tests.safetymap.photos import photo_with_gps
from truyvet.accounts.models import User

pytestmark = pytest.mark.django_db

FREE_BYTES = 8 * 1024  # left on the tmpfs: less than any photo


def files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file() and path.name != "filler"]


@pytest.fixture
def full_media(settings: Any, tmp_path: Path) -> Iterator[tuple[Path, Any]]:
    """MEDIA_ROOT on a full filesystem; yields it and a context manager to wrap each request in."""
    root = tmp_path / "media"
    root.mkdir()
    mounted = os.geteuid() == 0 and (
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(root)], capture_output=True).returncode
        == 0
    )
    settings.MEDIA_ROOT = str(root)
    try:
        if mounted:
            stat = os.statvfs(root)
            with open(root / "filler", "wb") as filler:
                filler.write(b"\0" * (stat.f_bavail * stat.f_frsize - FREE_BYTES))
            yield root, nullcontext
        else:
            yield root, file_size_limit
    finally:
        if mounted:
            subprocess.run(["umount", str(root)], check=True)


@contextmanager
def file_size_limit() -> Iterator[None]:
    """No file may grow past FREE_BYTES in this process (the kernel answers EFBIG)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FREE_BYTES, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def jpeg() -> io.BytesIO:
    upload = io.BytesIO(photo_with_gps(size=(1280, 960)))
    upload.name = "p.jpg"
    return upload


def test_a_report_photo_on_a_full_disk_is_refused_by_the_api_with_storage_full_and_nothing_is_kept(
    client: Client, full_media: tuple[Path, Any]
) -> None:
    root, limit = full_media
    facility = make_facility()
    with limit():
        response = client.post(
            reverse("api:safetymap-reports"), {"facility_id": str(facility.pk), "text": "Ùn tắc", "photo": jpeg()}
        )
    assert response.status_code == 507, response.content
    assert response.json()["code"] == "storage_full"
    assert not Report.objects.exists()
    assert files_under(root) == []


def test_a_report_photo_on_a_full_disk_gets_the_form_message_and_nothing_is_kept(
    client: Client, full_media: tuple[Path, Any]
) -> None:
    root, limit = full_media
    facility = make_facility()
    with limit():
        response = client.post(
            reverse("safetymap:report", args=[facility.pk]), {"text": "Không đeo khẩu trang", "photo": jpeg()}
        )
    assert response.status_code == 507
    assert "Máy chủ đã hết chỗ lưu tệp" in response.content.decode()  # the page speaks Vietnamese first
    assert not Report.objects.exists()
    assert files_under(root) == []


def test_a_report_without_a_photo_is_still_taken_on_a_full_disk(client: Client, full_media: tuple[Path, Any]) -> None:
    _root, limit = full_media
    facility = make_facility()
    with limit():
        response = client.post(reverse("api:safetymap-reports"), {"facility_id": str(facility.pk), "text": "Ùn tắc"})
    assert response.status_code == 201
    assert Report.objects.count() == 1


def test_a_camera_snapshot_on_a_full_disk_is_refused_with_storage_full_and_the_retry_is_taken_once_there_is_room(
    insider: User, full_media: tuple[Path, Any]
) -> None:
    root, limit = full_media
    _device, key = device_register(
        user=insider, checkpoint=CheckpointFactory(name="Chốt thử"), data=DeviceInput(kind=DeviceKind.THERMAL_CAMERA,
                                                                                       serial=uuid.uuid4().hex[:12])
    )  # fmt: skip
    camera = Client(HTTP_AUTHORIZATION=f"Device {key}")
    body = reading(image=photo("coffee.jpg"))
    guard: AbstractContextManager[None] = limit()
    with guard:
        response = camera.post("/api/v1/devices/readings/", body, content_type="application/json")
    assert response.status_code == 507, response.content
    assert response.json()["code"] == "storage_full"
    assert not Reading.objects.exists()
    assert files_under(root) == []

    # Room again (the filler removed): the camera's retry, with the same client_id, is stored once.
    (root / "filler").unlink(missing_ok=True)
    for _ in range(2):
        retry = camera.post("/api/v1/devices/readings/", body, content_type="application/json")
        assert retry.status_code in (200, 201, 202)
    assert Reading.objects.count() == 1
    assert (root / Reading.objects.get().image.name).is_file()
