"""Camera readings in process: ``POST /api/v1/devices/readings/`` through Django's test client,
one at a time, each a JSON reading with the 640×480 photograph in base64 and a fresh
client_id; no HTTP server, no network. Tells the request path's own cost apart from the
server's (gunicorn, wrk, the machine).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/truyvet_NAME_bench \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/N .venv/bin/python bench/profile_devices.py [--count 400] [--profile]

Prints the median and p95 time of a reading, the SQL statements each makes, and the processor
time a reading costs this process and its PostgreSQL backend (read from /proc: on a loaded
machine the wall clock counts the waits for a core, the processor time much less); with
``--profile`` also the standard library's profile of the readings (cProfile, the functions
of most own time and of most time with their callees). The readings go to a checkpoint of
their own, deleted at the end with their frames; the edge queue of this Redis database is
emptied.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lib import server_env

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(server_env())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")

import django  # noqa: E402

django.setup()

import cv2  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402


def backend_cpu_seconds() -> float:
    """Processor time the PostgreSQL backend of this connection has used (same machine)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def main() -> None:
    import redis
    from run_devices import frames

    from checkpoints.models import Checkpoint
    from edge_devices.models import DeviceKind, Reading
    from edge_devices.services import DeviceInput, device_register
    from truyvet.geo.models import Ward

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--warm-up", type=int, default=30)
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args()
    ward = Ward.objects.order_by("code").first()
    checkpoint, _ = Checkpoint.objects.get_or_create(name="Profile checkpoint", defaults={"ward": ward})
    _device, key = device_register(
        user=None,
        checkpoint=checkpoint,
        data=DeviceInput(kind=DeviceKind.THERMAL_CAMERA, serial=f"PROFILE-{time.time_ns()}"),
    )
    frame = cv2.imencode(".jpg", frames()[0], [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()
    image = base64.b64encode(frame).decode()
    client = Client(HTTP_AUTHORIZATION=f"Device {key}", HTTP_HOST="127.0.0.1")

    def body() -> dict[str, Any]:
        return {
            "client_id": str(uuid.uuid4()),
            "captured_at": timezone.now().isoformat(),
            "temperature_c": 36.7,
            "image_jpeg_b64": image,
        }

    url = "/api/v1/devices/readings/"
    for _ in range(options.warm_up):
        assert client.post(url, body(), content_type="application/json").status_code == 202
    bodies = [body() for _ in range(options.count)]
    profiler = cProfile.Profile() if options.profile else None
    times, counter = [], Counter()
    backend, process = backend_cpu_seconds(), time.process_time()
    try:
        with connection.execute_wrapper(counter):
            for item in bodies:
                if profiler is not None:
                    profiler.enable()
                began = time.perf_counter()
                response = client.post(url, item, content_type="application/json")
                times.append(time.perf_counter() - began)
                if profiler is not None:
                    profiler.disable()
                assert response.status_code == 202, response.content
        process = time.process_time() - process
        backend = backend_cpu_seconds() - backend
        ordered = sorted(times)
        print(
            f"{options.count} readings with a {len(frame) // 1024} KiB JPEG, one at a time: median "
            f"{statistics.median(times) * 1000:.2f} ms, p95 {ordered[int(0.95 * (len(ordered) - 1))] * 1000:.2f} ms, "
            f"{counter.count / len(times):.2f} statements a reading (load {os.getloadavg()[0]:.2f}); processor time a "
            f"reading: this process {process / len(times) * 1000:.2f} ms, its PostgreSQL backend "
            f"{backend / len(times) * 1000:.2f} ms"
        )
        if profiler is not None:
            for sort in ("tottime", "cumulative"):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(35)
                print(out.getvalue())
    finally:
        storage = Reading._meta.get_field("image").storage
        for name in Reading.objects.filter(checkpoint=checkpoint).exclude(image="").values_list("image", flat=True):
            storage.delete(name)
        Reading.objects.filter(checkpoint=checkpoint).delete()
        redis.Redis.from_url(os.environ["REDIS_URL"]).delete(settings.EDGE_QUEUE)


if __name__ == "__main__":
    main()
