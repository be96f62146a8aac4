"""Checkpoints: batch sync ingestion under sustained load, and the online check's
server time, each against a lower bound measured in the same run.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/truyvet_ckpt \\
        .venv/bin/python bench/run_checkpoints.py [--duration 60] [--connections 8]

Needs a migrated database made with `seed_demo --people 1500000 --venues 20000 --checkins
20000000` (any size works; that is a province's), Redis, and Debian's wrk (`apt-get install
-y wrk`). prepare_checkpoints.py gives the travellers a declaration, a credential and a
fresh token, and makes the checkpoint and its guard.

1. Ingestion: wrk posts batches of ``--batch`` scans (distinct people, fresh client_ids; one
   item in 50 a typed id number) to `POST /api/v1/checkpoints/{id}/scans/` with
   ``--connections`` batches in flight, for ``--duration`` seconds. The lower bound is
   `POST /bench/insert-batch`, the same bodies parsed and inserted as one passage row per
   item in one statement, measured for ``--baseline-duration`` seconds just before and
   just after; the ratio is taken against their mean, so a neighbour's load that starts or
   stops during the run biases neither side.
2. Online check: ``--checks`` sequential `POST /api/v1/checkpoints/{id}/check/` with the
   tokens of distinct people on one keep-alive connection, server time read from the
   `Server-Timing` header, each followed by `GET /bench/read-one` (the floor); then the
   same for ``--load-duration`` seconds while wrk keeps ``--load-connections`` batches in
   flight (tablets syncing while another asks; half the server's threads by default, so
   the figure shows the interference, not a queue behind a saturated server).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from lib import (
    BENCH_DB,
    HOST,
    PORT,
    PYTHON,
    ROOT,
    WrkResult,
    db_count,
    gunicorn,
    percentile,
    server_env,
    server_timing_ms,
    wrk,
)

LUA = Path(__file__).resolve().parent / "lua" / "checkpoints.lua"


class Ingest:
    """wrk runs against one path with the checkpoint bodies, and what the items became."""

    def __init__(self, data: Path, batch: int, connections: int) -> None:
        self.data, self.batch, self.connections = data, batch, connections
        self.checkpoint = (data / "checkpoint.txt").read_text().strip()

    def run(self, path: str, duration: int) -> tuple[WrkResult, str]:
        out = self.data / "counts.txt"
        out.unlink(missing_ok=True)
        result = wrk(
            LUA,
            path=path,
            duration=duration,
            connections=self.connections,
            args=(str(self.data), str(self.batch), str(out)),
        )
        return result, out.read_text().strip() if out.exists() else ""

    def scans(self, duration: int) -> tuple[WrkResult, str]:
        return self.run(f"/api/v1/checkpoints/{self.checkpoint}/scans/", duration)

    def floor(self, duration: int) -> tuple[WrkResult, str]:
        return self.run(f"/bench/insert-batch?checkpoint={self.checkpoint}", duration)


def check_times(data: Path, count: int, until: float | None = None) -> tuple[list[float], list[float], list[float]]:
    """Sequential online checks of distinct people (the end of the token list, which the
    ingestion reaches last), each followed by the floor: the checks' and the floor's server
    times, and the checks' times as the client saw them, in ms."""
    key = (data / "key.txt").read_text().strip()
    checkpoint = (data / "checkpoint.txt").read_text().strip()
    tokens = (data / "tokens.txt").read_text().split()[::-1]
    conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
    headers = {"Authorization": f"Token {key}", "Content-Type": "application/json"}
    checks, floor, seen = [], [], []
    for n in range(count):
        if until is not None and time.monotonic() > until:
            break
        body = json.dumps({"qr_token": tokens[n % len(tokens)]})
        began = time.perf_counter()
        conn.request("POST", f"/api/v1/checkpoints/{checkpoint}/check/", body=body, headers=headers)
        response = conn.getresponse()
        payload = json.loads(response.read())
        seen.append((time.perf_counter() - began) * 1000)
        assert response.status == 200 and payload.get("valid"), payload
        checks.append(server_timing_ms({"server-timing": response.getheader("Server-Timing", "")}))
        conn.request("GET", "/bench/read-one")
        response = conn.getresponse()
        response.read()
        floor.append(server_timing_ms({"server-timing": response.getheader("Server-Timing", "")}))
    conn.close()
    return checks, floor, seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--baseline-duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=8, help="batches in flight")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--people", type=int, default=300000, help="travellers with a token")
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--load-duration", type=int, default=30, help="online checks during ingestion (0: skip)")
    parser.add_argument("--load-connections", type=int, default=4, help="batches in flight meanwhile")
    parser.add_argument("--data", type=Path, help="reuse a prepared directory (tokens still valid)")
    options = parser.parse_args()

    data = options.data or Path(tempfile.mkdtemp(prefix="bench-checkpoints-"))
    if options.data is None:
        subprocess.run([PYTHON, str(Path(__file__).parent / "prepare_checkpoints.py"), str(data), str(options.people)],
                       cwd=ROOT, env=server_env(), check=True)  # fmt: skip
    ingest = Ingest(data, options.batch, options.connections)
    # Fresh statistics on the tables the runs fill, as autovacuum would keep them (it may
    # be off on a benchmark server; without them the replay lookup was a full scan).
    subprocess.run(
        ["psql", BENCH_DB, "-qc", "ANALYZE checkpoints_passage, checkpoints_passagereceipt, lib_auditevent"], check=True
    )
    with gunicorn(workers=options.workers, threads=options.threads):
        ingest.scans(10)  # warm-up: connections, caches, each worker's first requests
        ingest.floor(5)
        floor_before = ingest.floor(options.baseline_duration)
        loads = [os.getloadavg()[0]]
        before = db_count("checkpoints_passage")
        started = time.monotonic()
        scans = ingest.scans(options.duration)
        elapsed = time.monotonic() - started
        written = db_count("checkpoints_passage") - before
        loads.append(os.getloadavg()[0])
        floor_after = ingest.floor(options.baseline_duration)
        loads.append(os.getloadavg()[0])
        checks, check_floor, checks_seen = check_times(data, options.checks)
        loaded: tuple[list[float], list[float], list[float]] = ([], [], [])
        if options.load_duration:
            syncing = Ingest(data, options.batch, options.load_connections)
            background = threading.Thread(target=syncing.scans, args=(options.load_duration,))
            background.start()
            time.sleep(3)
            loaded = check_times(data, 10**6, until=time.monotonic() + options.load_duration - 5)
            background.join()

    def per_s(run: tuple[WrkResult, str]) -> float:
        return run[0].requests_per_s * options.batch

    floor_rate = (per_s(floor_before) + per_s(floor_after)) / 2
    runtime = scans[0].requests / scans[0].requests_per_s
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; gunicorn "
          f"{options.workers} workers x {options.threads} threads; {options.connections} batches of "
          f"{options.batch} in flight; {options.duration} s")  # fmt: skip
    print()
    print("| path | batches/s | scans/s | p50 / p90 / p99 ms a batch | non-2xx | items |")
    print("|---|---|---|---|---|---|")
    rows = (("POST .../scans/", scans), ("POST /bench/insert-batch (before)", floor_before))
    for name, (result, items) in (*rows, ("POST /bench/insert-batch (after)", floor_after)):
        print(f"| {name} | {result.requests_per_s:.1f} | {result.requests_per_s * options.batch:.0f} | "
              f"{result.p50_ms:.0f} / {result.p90_ms:.0f} / {result.p99_ms:.0f} | {result.non_2xx} | {items} |")  # fmt: skip
    print(f"\npassages written during the scans run: {written} in {elapsed:.1f} s "
          f"(wrk's runtime {runtime:.1f} s): {written / runtime:.0f} a second")  # fmt: skip
    print(f"ratio scans / insert-batch (mean of before and after): {per_s(scans) / floor_rate:.2f}")
    print(f"1-minute load average after the floor, the scans, the second floor: {loads}")
    print()
    print("| time | requests | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for name, values in (
        ("POST .../check/, server (Server-Timing), idle", checks),
        ("GET /bench/read-one (floor), server, idle", check_floor),
        ("POST .../check/, as the client saw it, idle", checks_seen),
        ("POST .../check/, server, while ingesting", loaded[0]),
        ("GET /bench/read-one (floor), server, while ingesting", loaded[1]),
        ("POST .../check/, as the client saw it, while ingesting", loaded[2]),
    ):
        if values:
            print(f"| {name} | {len(values)} | {percentile(values, 50):.2f} | {percentile(values, 95):.2f} | "
                  f"{percentile(values, 99):.2f} |")  # fmt: skip
    print(f"\ncheck p95 / floor p95, idle: {percentile(checks, 95) / percentile(check_floor, 95):.1f}")
    if loaded[0]:
        print(f"check p95 / floor p95, while ingesting: {percentile(loaded[0], 95) / percentile(loaded[1], 95):.1f}")
    print(f"\ndata: {data}")


if __name__ == "__main__":
    main()
