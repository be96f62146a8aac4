"""A province's peak with locust: citizens, guards, staff and a case a minute at once.

    BENCH_DATABASE_URL=postgres://… BENCH_REDIS_URL=redis://… \\
        .venv/bin/python bench/run_peak.py [--scale 1] [--duration 600] [--steps 1,1.5,2,3]

The mix is bench/locustfile.py's (docs/BENCHMARKS.md, "Peak"): at ``--scale 1`` 50 declarations,
300 check-ins, 20 scan batches of 10, 20 online checks and 20 staff pages a second, and a case
confirmed every minute, its matching and warnings run by a real Celery worker. It needs the demo
province (``seed_demo``: the CDC account, people, check-ins) on the benchmark database.

First ``--warmup`` seconds (20) of the first step's load, not counted: each worker thread's first
requests load code paths and open connections, a stall of seconds that a short step would count
among its slowest 1 %. Then for each step of ``--steps`` (multiples of ``--scale``), one after the
other on the same server:
requests per second, p50 / p95 / p99 and failures per kind of request (from locust's CSV); the
gunicorn and Celery workers' memory at the start and end of the step; the CPU each part used
(gunicorn, Celery, PostgreSQL, Redis, locust), as a share of the machine's cores; the load
average. It stops after the first step where the citizens' or guards' p99 passes
``--p99-ms`` (300) and names the part that used the most CPU. Then it checks that every check-in,
scan and declaration the server acknowledged (201, or "created") is in the database.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import psycopg
from lib import BENCH_DB, HOST, PORT, PYTHON, ROOT, gunicorn, server_env

HERE = Path(__file__).resolve().parent
LATENCY_BOUND = ("citizen: declare", "citizen: check in", "guard: sync 10 scans", "guard: online check")


def prepare(data: Path, people: int, venues: int) -> None:
    env = server_env()
    subprocess.run(
        [PYTHON, str(HERE / "prepare_checkpoints.py"), str(data), str(people)], cwd=ROOT, env=env, check=True
    )
    (data / "checkins").mkdir(exist_ok=True)
    subprocess.run([PYTHON, str(HERE / "prepare_checkins.py"), str(data / "checkins"), str(min(people, 2000)), str(venues)],
                   cwd=ROOT, env=env, check=True)  # fmt: skip
    shutil.copy(data / "checkins" / "venues.txt", data / "venues.txt")
    subprocess.run([PYTHON, str(HERE / "prepare_peak.py"), str(data), str(min(people, 2000))], cwd=ROOT, env=env,
                   check=True)  # fmt: skip


def total_users(scale: float) -> int:
    env = {**os.environ, "PEAK_SCALE": str(scale)}
    code = ("import locustfile as f; print(sum(c.fixed_count for c in (f.DeclaringCitizen, f.CheckingInCitizen, "
            "f.SyncingGuard, f.CheckingGuard, f.Staff, f.ConfirmingOfficer)))")  # fmt: skip
    return int(
        subprocess.run([PYTHON, "-c", code], cwd=HERE, env=env, capture_output=True, text=True, check=True).stdout
    )


def group_of(process: psutil.Process, roots: dict[str, int]) -> str | None:
    try:
        name, cmdline = process.name(), " ".join(process.cmdline())
    except psutil.Error:
        return None
    if "locust" in cmdline:
        return "locust"
    if "gunicorn" in cmdline:
        return "gunicorn"
    if "celery" in cmdline and "worker" in cmdline:
        return "celery"
    if "outbox_relay" in cmdline:
        return "relay"
    if name.startswith("redis-server"):
        return "redis"
    if name.startswith("postgres") or "postgres:" in cmdline:
        return "postgresql"
    return None


class CpuSampler(threading.Thread):
    """CPU seconds used by each part during a step, from per-process samples every second (a
    process that ends between two samples loses at most its last second), and how busy the whole
    machine was (every process, other developers' included)."""

    def __init__(self, watch: dict[str, int] | None = None) -> None:
        super().__init__(daemon=True)
        # The workers' memory (the sum over each master's children) once a minute, to tell a
        # warm-up from a leak: flat means the last minutes match the second.
        self.watch = watch or {}
        self.memory: dict[str, list[float]] = {name: [] for name in self.watch}
        self.seen: dict[int, tuple[str, float]] = {}
        self.used: dict[str, float] = {}
        self.stop_event = threading.Event()
        psutil.cpu_percent()
        self.machine: list[float] = []

    def sample(self) -> None:
        for process in psutil.process_iter():
            group = group_of(process, {})
            if group is None:
                continue
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            total = times.user + times.system
            previous = self.seen.get(process.pid)
            self.used[group] = self.used.get(group, 0.0) + (total - previous[1] if previous else 0.0)
            self.seen[process.pid] = (group, total)

    def run(self) -> None:
        self.sample()
        ticks = 0
        while not self.stop_event.wait(1.0):
            self.sample()
            self.machine.append(psutil.cpu_percent())
            ticks += 1
            if ticks % 60 == 0:
                for name, pid in self.watch.items():
                    self.memory[name].append(round(sum(rss_mb(pid)), 1))

    def stop(self) -> None:
        self.stop_event.set()
        self.join()


def rss_mb(pid: int) -> list[float]:
    try:
        return [round(c.memory_info().rss / 2**20, 1) for c in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def read_stats(prefix: Path) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = {}
    with open(f"{prefix}_stats.csv") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = {
                "requests": float(row["Request Count"]),
                "failures": float(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50": float(row["50%"] or 0),
                "p95": float(row["95%"] or 0),
                "p99": float(row["99%"] or 0),
            }
    return rows


def acknowledged_present(ack_dir: Path) -> dict[str, tuple[int, int]]:
    """(acknowledged, found in the database) for check-ins, scans and declarations."""

    def values(kind: str) -> list[str]:
        return sorted({line for path in ack_dir.glob(f"{kind}-*.txt") for line in path.read_text().split() if line})

    checks = {
        "checkins": ("SELECT count(*) FROM venues_checkin WHERE client_id = ANY(%s::uuid[])", values("checkins")),
        "scans": ("SELECT count(DISTINCT client_id) FROM checkpoints_passagereceipt WHERE client_id = ANY(%s::uuid[])",
                  values("scans")),
        "declarations": ("SELECT count(*) FROM declarations_declaration WHERE id = ANY(%s::bigint[])",
                         values("declarations")),
    }  # fmt: skip
    found = {}
    with psycopg.connect(BENCH_DB.replace("postgres://", "postgresql://")) as conn:
        for kind, (sql, wanted) in checks.items():
            count = conn.execute(sql, [wanted]).fetchone()[0] if wanted else 0  # type: ignore[index]
            found[kind] = (len(wanted), int(count))
    return found


def run_locust(scale: float, users: int, seconds: int, prefix: Path, data: Path, ack_dir: Path, processes: int) -> None:
    env = {**os.environ, "PEAK_SCALE": str(scale), "PEAK_DATA": str(data), "PEAK_ACK_DIR": str(ack_dir)}
    command = ["-f", str(HERE / "locustfile.py"), "--headless", "-u", str(users), "-r", str(users),
               "--run-time", f"{seconds}s", "--host", f"http://{HOST}:{PORT}", "--csv", str(prefix),
               "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"]  # fmt: skip
    if processes > 1:
        command += ["--processes", str(processes)]
    subprocess.run([str(Path(PYTHON).parent / "locust"), *command], cwd=HERE, env=env, check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="the mix's rates times this")
    parser.add_argument("--steps", default="1", help="comma-separated multiples of --scale, run in turn")
    parser.add_argument("--duration", type=int, default=600, help="seconds per step")
    parser.add_argument(
        "--warmup", type=int, default=20, help="seconds of the first step's load before it, not counted"
    )
    parser.add_argument("--p99-ms", type=float, default=300.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--celery-concurrency", type=int, default=2)
    parser.add_argument("--locust-processes", type=int, default=1)
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--venues", type=int, default=200)
    parser.add_argument("--data", type=Path, help="a directory prepared by an earlier run (tokens last 7 days)")
    options = parser.parse_args()

    data = options.data or Path(tempfile.mkdtemp(prefix="bench-peak-"))
    if options.data is None:
        prepare(data, options.people, options.venues)
        print(f"prepared: {data} (reuse with --data)")
    ack_dir = data / f"acks-{int(time.time())}"
    results: list[dict[str, Any]] = []
    worker_log = open(data / "celery.log", "w")  # noqa: SIM115
    # Tasks an earlier, stopped run left queued on this broker would be this run's work too.
    subprocess.run([PYTHON, "-m", "celery", "-A", "truyvet", "purge", "-f"], cwd=ROOT, env=server_env(),
                   stdout=worker_log, stderr=subprocess.STDOUT, check=False)  # fmt: skip
    worker = subprocess.Popen([PYTHON, "-m", "celery", "-A", "truyvet", "worker", "--loglevel=WARNING",
                               f"--concurrency={options.celery_concurrency}", "-n", "peak@%h"],
                              cwd=ROOT, env=server_env(), stdout=worker_log, stderr=subprocess.STDOUT)  # fmt: skip
    # The outbox's relay, as bin/up runs it: it sends what the requests could not send at once.
    relay = subprocess.Popen([PYTHON, "manage.py", "outbox_relay"], cwd=ROOT, env=server_env(), stdout=worker_log,
                             stderr=subprocess.STDOUT)  # fmt: skip
    try:
        with gunicorn(workers=options.workers, threads=options.threads, ready_timeout=120) as master:
            steps = [float(s) for s in options.steps.split(",")]
            if options.warmup > 0:
                # Each worker thread's first requests load code paths and open connections: seconds
                # on a loaded machine, which a step of 90 s would count among its slowest 1 %.
                scale = options.scale * steps[0]
                print(f"\n--- warm-up: scale {scale:g} for {options.warmup} s (not counted; its writes are checked)")
                run_locust(scale, total_users(scale), options.warmup, data / "warm-up", data, ack_dir,
                           options.locust_processes)  # fmt: skip
            for step in steps:
                scale = options.scale * step
                users = total_users(scale)
                prefix = data / f"step-{scale:g}"
                print(f"\n--- scale {scale:g}: {users} locust users for {options.duration} s; load {os.getloadavg()}")
                memory_before = {"gunicorn": rss_mb(master.pid), "celery": rss_mb(worker.pid)}
                sampler = CpuSampler({"gunicorn": master.pid, "celery": worker.pid})
                wall_before = time.monotonic()
                sampler.start()
                run_locust(scale, users, options.duration, prefix, data, ack_dir, options.locust_processes)
                sampler.stop()
                wall = time.monotonic() - wall_before
                cpu_share = {k: round(v / wall / (psutil.cpu_count() or 1), 3) for k, v in sampler.used.items()}
                machine_busy = round(sum(sampler.machine) / max(1, len(sampler.machine)) / 100, 3)
                stats = read_stats(prefix)
                step_result = {
                    "scale": scale,
                    "load_average": os.getloadavg(),
                    "memory_mb": {"before": memory_before,
                                  "after": {"gunicorn": rss_mb(master.pid), "celery": rss_mb(worker.pid)},
                                  "total_each_minute": sampler.memory},
                    "cpu_share_of_machine": cpu_share,
                    "machine_busy": machine_busy,
                    "stats": stats,
                }  # fmt: skip
                results.append(step_result)
                print(json.dumps(step_result, indent=1))
                worst = max(stats.get(name, {}).get("p99", 0) for name in LATENCY_BOUND)
                if worst > options.p99_ms:
                    busiest = max(cpu_share, key=lambda k: cpu_share[k])
                    print(f"p99 {worst:.0f} ms > {options.p99_ms:.0f} ms at scale {scale:g}: the machine's CPU was "
                          f"{machine_busy:.0%} busy (ours: {sum(cpu_share.values()):.0%}); the busiest part is "
                          f"{busiest} ({cpu_share[busiest]:.0%})")  # fmt: skip
                    break
    finally:
        relay.send_signal(signal.SIGTERM)
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
        try:
            relay.wait(timeout=10)
        except subprocess.TimeoutExpired:
            relay.kill()
        worker_log.close()
    present = acknowledged_present(ack_dir)
    print("\nacknowledged -> in the database:", json.dumps(present))
    (data / "peak-results.json").write_text(json.dumps({"steps": results, "acknowledged": present}, indent=1))
    missing = {kind: n - found for kind, (n, found) in present.items() if n != found}
    print("every acknowledged row is present" if not missing else f"MISSING: {missing}")
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
