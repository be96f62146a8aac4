"""In-process timing (and optionally a profile) of one batch of scans and one online check,
through the whole Django stack with the test client, on the benchmark database.

    BENCH_DATABASE_URL=... .venv/bin/python bench/profile_checkpoints.py DATA_DIR [--batches 20] [--profile]

DATA_DIR is a directory prepare_checkpoints.py made (run_checkpoints.py prints it). Prints
the median time a batch and a check take and the statements each makes; with ``--profile``
also pyinstrument's tree of the batches (``pip install pyinstrument``; a bench-only tool).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
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

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402


def batch(tokens: list[str], ids: list[str], start: int, size: int) -> dict[str, Any]:
    """The Lua script's batch: distinct people, one typed id number in 50."""
    at = (datetime.now(UTC) - timedelta(seconds=30)).isoformat(timespec="seconds")
    items = []
    for n in range(1, size + 1):
        item: dict[str, Any] = {"client_id": str(uuid.uuid4()), "direction": "out" if n % 2 == 0 else "in"}
        item["scanned_at"] = at
        if n % 50 == 0:
            item["id_number"] = ids[(start + n) % len(ids)]
        else:
            item["qr_token"] = tokens[(start + n) % len(tokens)]
        if n % 10 == 3:
            item["temperature"] = 36.0 + (n % 18) / 10
        if n % 7 == 1:
            item.update(vehicle_plate="29A-123.45", vehicle_type="motorbike")
        items.append(item)
    return {"tablet_id": "bench-profile", "pending": 0, "scans": items}


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args()
    tokens = (options.data / "tokens.txt").read_text().split()
    ids = (options.data / "ids.txt").read_text().split()
    key = (options.data / "key.txt").read_text().strip()
    checkpoint = (options.data / "checkpoint.txt").read_text().strip()
    client = Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_HOST="127.0.0.1")
    url = f"/api/v1/checkpoints/{checkpoint}/scans/"
    start = int(time.time()) * 7919 % len(tokens)
    bodies = [batch(tokens, ids, start + n * options.size, options.size) for n in range(options.batches + 2)]
    for body in bodies[:2]:  # warm-up
        assert client.post(url, body, content_type="application/json").status_code == 200
    profiler = None
    if options.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    times, counter = [], Counter()
    with connection.execute_wrapper(counter):
        for body in bodies[2:]:
            began = time.perf_counter()
            response = client.post(url, body, content_type="application/json")
            times.append(time.perf_counter() - began)
            results = response.json()["results"]
            assert all(r["status"] == "created" for r in results), [r for r in results if r["status"] != "created"][:3]
    if profiler is not None:
        profiler.stop()
    median = statistics.median(times)
    print(f"batch of {options.size}: median {median * 1000:.1f} ms ({options.size / median:.0f} scans/s one batch at a time), "
          f"{counter.count / len(times):.1f} statements")  # fmt: skip

    check_url = f"/api/v1/checkpoints/{checkpoint}/check/"
    checks, counter = [], Counter()
    with connection.execute_wrapper(counter):
        for n in range(options.checks):
            token = tokens[-1 - n]
            began = time.perf_counter()
            response = client.post(check_url, {"qr_token": token}, content_type="application/json")
            checks.append(time.perf_counter() - began)
            assert response.json()["valid"], response.json()
    ordered = sorted(checks)
    print(f"online check: median {statistics.median(checks) * 1000:.2f} ms, p95 "
          f"{ordered[int(0.95 * (len(ordered) - 1))] * 1000:.2f} ms, {counter.count / len(checks):.1f} statements")  # fmt: skip
    if profiler is not None:
        print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
