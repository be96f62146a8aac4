"""Edge devices and the IOC feed, each against a lower bound measured in the same run.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/truyvet_devices \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python bench/run_devices.py

Needs a migrated database (any; the script adds a checkpoint, a device and a webhook
endpoint of its own), Redis and Debian's wrk.

1. Face detection at 640×480 on one core (`cv2.setNumThreads(1)`): the three sample
   photographs letterboxed to 640×480, decoded once; `edge_devices.faces.detect` (gray,
   scale, equalise, cascade, pick the largest) against bare OpenCV (`detectMultiScale` on the
   gray frame with the same parameters), interleaved, ``--frames`` each. Then the worker's
   whole step on the same JPEGs (decode, detect, thumbnail), without the database.
2. Readings with images accepted: gunicorn (``--workers``×``--threads``), wrk posting JSON
   readings with a 640×480 photograph in base64 and fresh client_ids for ``--duration`` s;
   the snapshots queue on Redis (no worker yet: processing is behind). The lower bound is
   `POST /bench/insert-one` (a bare view that parses JSON and inserts a row). Then one
   `celery worker -Q edge --concurrency 1` drains the queue: frames per second.
3. Webhook delivery: ``--events`` events with their deliveries written at once, sent by
   `ioc.delivery.deliver_due` to a receiver in another process that fails one call in
   three (503); the retries are made due again after each sweep (the backoff's waiting
   skipped). Counts the distinct `webhook-id`s received: none may be missing.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from lib import PYTHON, gunicorn, server_env, wrk  # noqa: E402

os.environ.update(server_env())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")

import django  # noqa: E402

django.setup()

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from django.utils import timezone  # noqa: E402

from edge_devices import faces  # noqa: E402

PHOTOS = ROOT / "edge_devices" / "photos"
RECEIVER = r"""
import sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
ids, lock, calls = set(), threading.Lock(), [0]
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        with lock:
            calls[0] += 1
            fail = calls[0] % 3 == 0
            if not fail:
                ids.add(self.headers["webhook-id"])
        self.send_response(503 if fail else 204)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def do_GET(self):
        body = f"{len(ids)} {calls[0]}".encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
print("ready", flush=True)
server.serve_forever()
"""


def frames() -> list[np.ndarray]:
    found = []
    for path in sorted(PHOTOS.glob("*.jpg")):
        image = cv2.imread(str(path))
        scale = min(640 / image.shape[1], 480 / image.shape[0])
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        frame = np.full((480, 640, 3), 128, np.uint8)
        y, x = (480 - small.shape[0]) // 2, (640 - small.shape[1]) // 2
        frame[y : y + small.shape[0], x : x + small.shape[1]] = small
        found.append(frame)
    return found


def detection(count: int) -> list[str]:
    cv2.setNumThreads(1)
    images = frames()
    cascade = faces._cascade()
    ours = bare = ours_cpu = bare_cpu = 0.0
    # Wall clock and the thread's processor time: "per core" is the second (on a shared
    # machine the wall clock also counts the time the thread waited for a core).
    for i in range(count):
        image = images[i % len(images)]
        started, cpu = time.perf_counter(), time.thread_time()
        faces.detect(image)
        ours += time.perf_counter() - started
        ours_cpu += time.thread_time() - cpu
        started, cpu = time.perf_counter(), time.thread_time()
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        cascade.detectMultiScale(
            gray, scaleFactor=faces.SCALE_FACTOR, minNeighbors=5, minSize=(faces.MIN_FACE, faces.MIN_FACE)
        )
        bare += time.perf_counter() - started
        bare_cpu += time.thread_time() - cpu
    jpegs = [cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes() for f in images]
    started, cpu = time.perf_counter(), time.thread_time()
    for i in range(count):
        image = faces.decode(jpegs[i % len(jpegs)])
        found = faces.detect(image)
        if found.largest is not None:
            faces.thumbnail(image, found.largest)
    whole, whole_cpu = time.perf_counter() - started, time.thread_time() - cpu
    return [
        f"face detection, 640×480, one core, {count} frames (wall clock; processor time of the thread):",
        f"  edge_devices.faces.detect    {count / ours:7.1f}; {count / ours_cpu:7.1f} frames/s",
        f"  bare OpenCV detectMultiScale {count / bare:7.1f}; {count / bare_cpu:7.1f} frames/s"
        f"  (ratio {bare / ours:.2f}; {bare_cpu / ours_cpu:.2f})",
        f"  decode + detect + thumbnail  {count / whole:7.1f}; {count / whole_cpu:7.1f} frames/s",
    ]


def readings(duration: int, workers: int, threads: int, connections: int, drain: bool = True) -> list[str]:
    import redis
    from django.conf import settings

    from checkpoints.models import Checkpoint
    from edge_devices.models import DeviceKind, Reading
    from edge_devices.services import DeviceInput, device_register
    from truyvet.geo.models import Ward

    ward = Ward.objects.order_by("code").first()
    checkpoint, _ = Checkpoint.objects.get_or_create(name="Bench checkpoint", defaults={"ward": ward})
    _device, key = device_register(
        user=None,
        checkpoint=checkpoint,
        data=DeviceInput(kind=DeviceKind.THERMAL_CAMERA, serial=f"BENCH-{time.time_ns()}"),
    )
    frame = cv2.imencode(".jpg", frames()[0], [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()
    body = json.dumps(
        {
            "client_id": "CLIENT_ID",
            "captured_at": timezone.now().isoformat(),
            "temperature_c": 36.7,
            "image_jpeg_b64": base64.b64encode(frame).decode(),
        }
    )
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    broker.delete(settings.EDGE_QUEUE)
    before = Reading.objects.count()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        handle.write(body)
    lua = ROOT / "bench" / "lua"
    with gunicorn(workers=workers, threads=threads):
        floor = wrk(lua / "insert_one.lua", path="/bench/insert-one", duration=max(5, duration // 3),
                    connections=connections)  # fmt: skip
        result = wrk(lua / "devices.lua", path="/api/v1/devices/readings/", duration=duration,
                     connections=connections, args=(handle.name, key))  # fmt: skip
    accepted = Reading.objects.count() - before
    queued = broker.llen(settings.EDGE_QUEUE)
    head = [
        f"readings with a {len(frame) // 1024} KiB JPEG, gunicorn {workers}×{threads}, wrk {connections} connections, "
        f"{duration} s:",
        f"  accepted {result.requests_per_s:7.1f}/s (p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
        f"non-2xx {result.non_2xx}); {accepted} rows, {queued} snapshots queued",
        f"  lower bound /bench/insert-one {floor.requests_per_s:7.1f}/s (ratio {result.requests_per_s / floor.requests_per_s:.2f})",
    ]
    if not drain:
        return head
    env = server_env()
    worker = subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "truyvet", "worker", "-Q", settings.EDGE_QUEUE, "--concurrency", "1",
         "--loglevel", "WARNING", "-n", "bench-edge@%h", "--without-heartbeat", "--without-mingle",
         "--without-gossip"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    started = time.monotonic()
    try:
        while Reading.objects.filter(processed_at__isnull=True, checkpoint=checkpoint).exists():
            if time.monotonic() - started > 900:
                break
            time.sleep(1)
    finally:
        drained = time.monotonic() - started
        worker.terminate()
        worker.wait(timeout=60)
    left = Reading.objects.filter(processed_at__isnull=True, checkpoint=checkpoint).count()
    return [
        *head,
        f"  one edge worker drained {queued} snapshots in {drained:.1f} s: {queued / max(drained, 1e-9):.1f} frames/s"
        f" ({left} left)",
    ]


def webhooks(count: int) -> list[str]:
    import socket
    import urllib.request
    import uuid

    from ioc.delivery import deliver_due
    from ioc.feed import deliveries_create
    from ioc.models import Delivery, DeliveryStatus, IocEvent, WebhookEndpoint
    from ioc.signing import new_secret

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    receiver = subprocess.Popen([PYTHON, "-c", RECEIVER, str(port)], stdout=subprocess.PIPE)
    assert receiver.stdout is not None
    receiver.stdout.readline()
    try:
        WebhookEndpoint.objects.filter(description="bench").update(is_active=False)
        endpoint = WebhookEndpoint.objects.create(url=f"http://127.0.0.1:{port}/hook", description="bench",
                                                  secret=new_secret())  # fmt: skip
        tag = uuid.uuid4().hex[:8]
        now = timezone.now()
        events = IocEvent.objects.bulk_create(
            IocEvent(event_id=f"msg_{uuid.uuid4().hex}", type="vn.truyvet.ioc.bench", subject=f"bench/{tag}/{i}",
                     time=now, data={"n": i, "entering": i % 17, "leaving": i % 13}, digest=str(i))
            for i in range(count)
        )  # fmt: skip
        deliveries_create(events=events, endpoints=[endpoint])
        started = time.perf_counter()
        rounds = 0
        while Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).exists() and rounds < 50:
            deliver_due(budget_seconds=600)
            Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
                next_attempt_at=timezone.now()
            )
            rounds += 1
        elapsed = time.perf_counter() - started
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as answer:
            unique, calls = (int(x) for x in answer.read().split())
        delivered = Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.DELIVERED).count()
        bare = bare_calls(f"http://127.0.0.1:{port}/hook", calls, body_of(events[0]))
    finally:
        receiver.terminate()
    return [
        f"webhooks: {count} events to a receiver failing one call in three, {rounds} sweeps:",
        f"  {count / elapsed:7.1f} events/s delivered ({calls} calls, {calls / elapsed:.1f} calls/s); "
        f"{unique} distinct webhook-ids received, {delivered} marked delivered, {count - unique} lost",
        f"  lower bound: the same number of calls, one body, {settings_concurrency()} in flight through one "
        f"urllib3 pool, no database: {calls / bare:.1f} calls/s (ratio {(calls / elapsed) / (calls / bare):.2f})",
    ]


def settings_concurrency() -> int:
    from django.conf import settings

    return max(1, settings.IOC_SEND_CONCURRENCY)


def body_of(event: object) -> bytes:
    return json.dumps(event.cloudevent(), separators=(",", ":")).encode()  # type: ignore[attr-defined]


def bare_calls(url: str, count: int, body: bytes) -> float:
    """Seconds to make ``count`` POSTs of ``body`` to the receiver with the sweep's concurrency:
    what sending costs without claiming, signing or writing outcomes."""
    from concurrent.futures import ThreadPoolExecutor

    import urllib3

    concurrency = settings_concurrency()
    pool = urllib3.PoolManager(maxsize=concurrency)
    headers = {"Content-Type": "application/cloudevents+json", "webhook-timestamp": "0", "webhook-signature": "v1,x"}

    def one(i: int) -> int:
        return pool.request(
            "POST", url, body=body, headers={**headers, "webhook-id": f"bare_{i}"}, retries=False
        ).status

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as threads:
        list(threads.map(one, range(count)))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--skip", default="", help="comma-separated: detection,readings,drain,webhooks")
    args = parser.parse_args()
    skip = set(args.skip.split(","))
    lines = [f"uptime before: {os.getloadavg()}"]
    if "detection" not in skip:
        lines += detection(args.frames)
    if "webhooks" not in skip:
        lines += webhooks(args.events)
    if "readings" not in skip:
        lines += readings(args.duration, args.workers, args.threads, args.connections, drain="drain" not in skip)
    lines.append(f"uptime after: {os.getloadavg()}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
