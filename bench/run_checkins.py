"""Venue check-ins: the write path under sustained load, against the bare insert.

    .venv/bin/python bench/run_checkins.py [--duration 300] [--connections 32]

Same prerequisites as run_declarations.py. Reports req/s, latency percentiles, non-2xx,
rows written, the ratio to /bench/insert-one measured in the same run, and the gunicorn
workers' memory before and after (it must stay flat). The bare insert is measured just
before and just after the sustained run, and the ratio taken against their mean, so a
neighbour's load that starts or stops during the run biases neither side; the load
average is printed at each step.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from pathlib import Path

from lib import PYTHON, ROOT, db_count, gunicorn, server_env, worker_rss_mb, wrk

LUA = Path(__file__).resolve().parent / "lua"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=300)
    parser.add_argument("--baseline-duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--venues", type=int, default=500)
    options = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="bench-checkins-"))
    subprocess.run([PYTHON, str(Path(__file__).parent / "prepare_checkins.py"), str(data), str(options.people), str(options.venues)],
                   cwd=ROOT, env=server_env(), check=True)  # fmt: skip
    with gunicorn(workers=options.workers, threads=options.threads) as master:
        wrk(
            LUA / "checkins.lua",
            path="/api/v1/checkins/",
            duration=10,
            connections=options.connections,
            args=(str(data),),
        )
        baseline_before = wrk(
            LUA / "insert_one.lua",
            path="/bench/insert-one",
            duration=options.baseline_duration,
            connections=options.connections,
        )
        loads = [os.getloadavg()[0]]
        rss_before = worker_rss_mb(master)
        before = db_count("venues_checkin")
        result = wrk(
            LUA / "checkins.lua",
            path="/api/v1/checkins/",
            duration=options.duration,
            connections=options.connections,
            args=(str(data),),
        )
        written = db_count("venues_checkin") - before
        rss_after = worker_rss_mb(master)
        loads.append(os.getloadavg()[0])
        baseline_after = wrk(
            LUA / "insert_one.lua",
            path="/bench/insert-one",
            duration=options.baseline_duration,
            connections=options.connections,
        )
        loads.append(os.getloadavg()[0])
    baseline_rate = (baseline_before.requests_per_s + baseline_after.requests_per_s) / 2
    print(
        f"gunicorn {options.workers} workers x {options.threads} threads, {options.connections} connections, {options.duration} s"
    )
    print("| path | req/s | p50 / p90 / p99 ms | non-2xx | rows written |")
    print("|---|---|---|---|---|")
    print(
        f"| POST /api/v1/checkins/ | {result.requests_per_s:.0f} | {result.p50_ms:.0f} / {result.p90_ms:.0f} / {result.p99_ms:.0f} | {result.non_2xx} | {written} |"
    )
    for when, baseline in (("before", baseline_before), ("after", baseline_after)):
        print(
            f"| POST /bench/insert-one ({when}) | {baseline.requests_per_s:.0f} | {baseline.p50_ms:.0f} / {baseline.p90_ms:.0f} / {baseline.p99_ms:.0f} | {baseline.non_2xx} | |"
        )
    print(f"ratio check-in / insert-one (mean of before and after): {result.requests_per_s / baseline_rate:.2f}")
    print(f"1-minute load average after the baseline, the check-ins, the second baseline: {loads}")
    print(f"worker RSS MB before: {[round(x) for x in rss_before]}, after: {[round(x) for x in rss_after]}")


if __name__ == "__main__":
    main()
