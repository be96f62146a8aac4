"""Health declarations: submit throughput under load and QR verification time.

    .venv/bin/python bench/run_declarations.py [--duration 60] [--connections 16,64]

Needs the benchmark database (BENCH_DATABASE_URL, default truyvet_bench on the local
PostgreSQL) with `manage.py migrate` and `manage.py seed_demo --people 1500000` done, Redis,
and Debian's wrk. Prints a table; copy the figures to docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import platform
import tempfile
from pathlib import Path

from lib import HOST, PORT, db_count, gunicorn, manage, percentile, request, server_timing_ms, wrk

LUA = Path(__file__).resolve().parent / "lua"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", default="16,64")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--verifications", type=int, default=2000)
    parser.add_argument(
        "--paced-ms",
        type=int,
        default=0,
        help="also run 64 connections that each wait this long between requests (a steady offered rate, "
        "below saturation: latency at that rate, not the queue of a closed loop at full speed)",
    )
    options = parser.parse_args()

    manage("seed_demo", "--people", "0")
    key = manage("drf_create_token", "checkpoint").split()[2]
    print(
        f"machine: {platform.processor() or platform.machine()}, gunicorn {options.workers} workers x {options.threads} threads"
    )
    with gunicorn(workers=options.workers, threads=options.threads):
        _status, body, _ = request("GET", "/api/v1/wards/?province=12")
        wards = ",".join(str(w["code"]) for w in json.loads(body))
        # warm-up: connections, caches, the first requests of each worker
        wrk(LUA / "insert_one.lua", path="/bench/insert-one", duration=5, connections=16)
        rows = []
        for connections in (int(c) for c in options.connections.split(",")):
            before = db_count("declarations_declaration")
            submit = wrk(
                LUA / "declarations.lua",
                path="/api/v1/declarations/",
                duration=options.duration,
                connections=connections,
                args=(wards,),
            )
            written = db_count("declarations_declaration") - before
            baseline = wrk(
                LUA / "insert_one.lua", path="/bench/insert-one", duration=options.duration, connections=connections
            )
            rows.append((connections, submit, baseline, written))
        paced = None
        if options.paced_ms:
            script = Path(tempfile.mkdtemp()) / "declarations_paced.lua"
            script.write_text(
                (LUA / "declarations.lua").read_text() + f"\nfunction delay()\n  return {options.paced_ms}\nend\n"
            )
            before = db_count("declarations_declaration")
            result = wrk(script, path="/api/v1/declarations/", duration=options.duration, connections=64, args=(wards,))
            paced = (result, db_count("declarations_declaration") - before)
        verify, floor = verification_times(key, options.verifications)

    print()
    print(
        "| connections | submit req/s | p50 / p90 / p99 ms | non-2xx | rows written | insert-one req/s | p99 ms | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for connections, submit, baseline, written in rows:
        print(f"| {connections} | {submit.requests_per_s:.0f} | {submit.p50_ms:.0f} / {submit.p90_ms:.0f} / {submit.p99_ms:.0f} | "
              f"{submit.non_2xx} | {written} | {baseline.requests_per_s:.0f} | {baseline.p99_ms:.0f} | "
              f"{submit.requests_per_s / baseline.requests_per_s:.2f} |")  # fmt: skip
    if paced is not None:
        result, written = paced
        print(f"| 64, each pausing {options.paced_ms} ms | {result.requests_per_s:.0f} | {result.p50_ms:.0f} / "
              f"{result.p90_ms:.0f} / {result.p99_ms:.0f} | {result.non_2xx} | {written} | | | |")  # fmt: skip
    print()
    print("| server time (Server-Timing) | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|")
    for name, values in (("GET /api/v1/qr/verify/", verify), ("GET /bench/read-one (floor)", floor)):
        print(
            f"| {name} | {percentile(values, 50):.2f} | {percentile(values, 95):.2f} | {percentile(values, 99):.2f} |"
        )
    print(f"\nverify p95 / floor p95 = {percentile(verify, 95) / percentile(floor, 95):.1f}")


def verification_times(key: str, count: int) -> tuple[list[float], list[float]]:
    """Sequential verifications on one keep-alive connection, timed by the server."""
    conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
    tokens = []
    for i in range(200):
        body = {"kind": "daily", "person": {"full_name": "Người Kiểm Tra", "id_number": f"0120902{i:05d}",
                "date_of_birth": "1990-05-17", "gender": "male", "ward_code": 3388}}  # fmt: skip
        status, payload, _ = request("POST", "/api/v1/declarations/", body, conn=conn)
        if status in (200, 201):
            tokens.append(json.loads(payload)["qr_token"])
    verify, floor = [], []
    auth = {"Authorization": f"Token {key}"}
    for i in range(count):
        _, payload, headers = request(
            "GET", f"/api/v1/qr/verify/?token={tokens[i % len(tokens)]}", headers=auth, conn=conn
        )
        assert json.loads(payload)["valid"], payload
        verify.append(server_timing_ms(headers))
        _, _, headers = request("GET", "/bench/read-one", conn=conn)
        floor.append(server_timing_ms(headers))
    return verify, floor


if __name__ == "__main__":
    main()
