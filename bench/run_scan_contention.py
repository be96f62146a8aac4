"""What concurrent scan batches wait on: N guards (processes, as gunicorn's workers are: no
shared interpreter lock) post batches of scans through the real view (Django's test client,
in process) to one checkpoint of the benchmark database, each its own database connection,
while a sampler reads ``pg_stat_activity`` and ``pg_locks`` every few milliseconds.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/DB BENCH_REDIS_URL=redis://127.0.0.1:6379/N \\
        .venv/bin/python bench/run_scan_contention.py [--data DIR] [--guards 8] [--batches 40] [--size 10]

The database needs ``seed_demo`` (any size) and ``migrate``; without ``--data`` the script
runs ``prepare_checkpoints.py`` for ``--people`` travellers first and prints the directory.
Each mode sends the same kind of batch (the peak mix's guard: 10 scans, fresh client_ids,
one in 50 a typed id number):

- ``one tablet``: every thread sends the same ``tablet_id`` (what a load test that names one
  tablet for all its guards does);
- ``many tablets``: each thread its own ``tablet_id`` (one tablet per guard, as in the field);
- ``no tablet``: no ``tablet_id`` (the tablet's row is not written): what the rest costs;
- ``bare insert``: ``POST /bench/insert-batch``, the same bodies inserted as one passage row
  per item in one statement (the lower bound, docs/BENCHMARKS.md, "Method").

For each mode it prints the batches' p50 / p99 and rate, the time of each kind of statement
(per batch, mean and p99: a statement in autocommit includes its commit; a transaction's
commit is counted outside the statements, with the Python), what the active
backends were waiting on (``wait_event_type:wait_event``, ``CPU`` when none: samples of
``pg_stat_activity``) and the lock waits (``pg_locks`` not granted, by lock type and table).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lib import BENCH_DB, PYTHON, ROOT, server_env

sys.path.insert(0, str(ROOT))
os.environ.update(server_env())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")

import django

django.setup()

import psycopg  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

MODES = ("one tablet", "many tablets", "no tablet", "bare insert")

# The kind of a statement, by what it writes or reads first (the order matters).
KINDS = [
    ("passages insert", re.compile(r"INSERT INTO \"checkpoints_passage\" \(")),
    ("replays (receipts)", re.compile(r"checkpoints_passagereceipt")),
    ("tablet upsert", re.compile(r"checkpoints_tablet")),
    ("outbox insert", re.compile(r"^INSERT INTO \"lib_outboxmessage\"")),
    ("outbox sent", re.compile(r"^UPDATE \"?lib_outboxmessage\"?")),
    ("bare insert", re.compile(r"^\s*INSERT INTO checkpoints_passage")),
    ("transaction", re.compile(r"^(BEGIN|COMMIT|SAVEPOINT|RELEASE|ROLLBACK)", re.IGNORECASE)),
    ("auth (token, user)", re.compile(r"authtoken_token|accounts_user")),
    ("checkpoint", re.compile(r"FROM \"checkpoints_checkpoint\"")),
]


def kind_of(sql: str) -> str:
    for name, pattern in KINDS:
        if pattern.search(sql):
            return name
    return "travellers and the rest"


def batch(tokens: list[str], ids: list[str], start: int, size: int, tablet: str) -> dict[str, Any]:
    """The peak mix's guard batch (bench/locustfile.py, ``SyncingGuard``)."""
    at = (datetime.now(UTC) - timedelta(seconds=30)).isoformat()
    scans = []
    for i in range(size):
        n = start + i
        who: dict[str, Any] = {"qr_token": tokens[n % len(tokens)]}
        if ids and n % 50 == 0:
            who = {"id_number": ids[n % len(ids)]}
        scans.append({"client_id": str(uuid.uuid4()), "direction": "in" if i % 2 else "out", "scanned_at": at, **who})
    body: dict[str, Any] = {"pending": 0, "scans": scans}
    if tablet:
        body["tablet_id"] = tablet
    return body


class Timer:
    """Times each statement of one thread's connection, by kind."""

    def __init__(self) -> None:
        self.current: defaultdict[str, float] = defaultdict(float)

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.current[kind_of(sql)] += time.perf_counter() - started

    def take(self) -> dict[str, float]:
        taken, self.current = dict(self.current), defaultdict(float)
        return taken


class Sampler(threading.Thread):
    """What the other backends of the database wait on, every ``every`` seconds."""

    def __init__(self, every: float = 0.005) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.stop = threading.Event()
        self.waits: Counter[str] = Counter()
        self.locks: Counter[str] = Counter()
        self.samples = 0

    def run(self) -> None:
        with psycopg.connect(BENCH_DB, autocommit=True) as conn:
            while not self.stop.is_set():
                for wait_type, wait, query in conn.execute(
                    "SELECT wait_event_type, wait_event, query FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid() AND state = 'active' AND backend_type = 'client backend'"
                ).fetchall():
                    name = f"{wait_type}:{wait}" if wait_type else "CPU"
                    if wait_type == "Lock":  # which statement waits
                        name += f" ({kind_of(query)})"
                    self.waits[name] += 1
                for locktype, relation, mode in conn.execute(
                    "SELECT locktype, coalesce(relation::regclass::text, ''), mode FROM pg_locks WHERE NOT granted"
                ).fetchall():
                    self.locks[f"{locktype} {relation} {mode}".replace("  ", " ")] += 1
                self.samples += 1
                time.sleep(self.every)


def guard(n: int, mode: str, options: argparse.Namespace, data: dict[str, Any], barrier: Any, out: Any) -> None:
    """One guard's batches, one after the other (a process of its own)."""
    client = Client(HTTP_AUTHORIZATION=f"Token {data['key']}", HTTP_HOST="127.0.0.1")
    tablet = {"one tablet": "contention-tablet", "many tablets": f"contention-tablet-{n}"}.get(mode, "")
    if mode == "bare insert":
        url = f"/bench/insert-batch?checkpoint={data['checkpoint']}"
    else:
        url = f"/api/v1/checkpoints/{data['checkpoint']}/scans/"
    latencies: list[float] = []
    statements: defaultdict[str, list[float]] = defaultdict(list)
    failures: list[str] = []
    timer = Timer()
    with connection.execute_wrapper(timer):
        # A first batch opens the connection and warms the process up, off the figures.
        client.post(url, batch(data["tokens"], data["ids"], n * 100_000, options.size, tablet), "application/json")
        timer.take()
        barrier.wait()
        for b in range(options.batches):
            body = batch(data["tokens"], data["ids"], n * 100_000 + (b + 1) * options.size, options.size, tablet)
            started = time.perf_counter()
            response = client.post(url, body, "application/json")
            latencies.append(time.perf_counter() - started)
            for kind, seconds in timer.take().items():
                statements[kind].append(seconds)
            if response.status_code != 200:
                failures.append(str(response.status_code))
    connection.close()
    out.put((latencies, dict(statements), failures))


def run_mode(mode: str, options: argparse.Namespace, data: dict[str, Any]) -> dict[str, Any]:
    context = multiprocessing.get_context("fork")
    barrier, out = context.Barrier(options.guards + 1), context.Queue()
    connection.close()  # each child opens its own
    guards = [context.Process(target=guard, args=(n, mode, options, data, barrier, out)) for n in range(options.guards)]
    for process in guards:
        process.start()
    sampler = Sampler()
    barrier.wait()
    sampler.start()
    started = time.perf_counter()
    latencies: list[float] = []
    statements: defaultdict[str, list[float]] = defaultdict(list)
    failures: list[str] = []
    for _ in guards:
        their_latencies, their_statements, their_failures = out.get()
        latencies += their_latencies
        failures += their_failures
        for kind, values in their_statements.items():
            statements[kind] += values
    elapsed = time.perf_counter() - started
    for process in guards:
        process.join()
    sampler.stop.set()
    sampler.join()
    return {
        "latencies": latencies,
        "elapsed": elapsed,
        "statements": statements,
        "failures": failures,
        "waits": sampler.waits,
        "locks": sampler.locks,
        "samples": sampler.samples,
    }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(mode: str, result: dict[str, Any], options: argparse.Namespace) -> None:
    latencies = result["latencies"]
    count = len(latencies)
    print(
        f"\n== {mode}: {options.guards} guards x {options.batches} batches of {options.size}:"
        f" p50 {ms(statistics.median(latencies))} ms, p99 {ms(quantile(latencies, 0.99))} ms,"
        f" {count / result['elapsed']:.1f} batches/s, failures {len(result['failures'])}"
    )
    print("   statements per batch (mean / p99 ms, of batches that ran them):")
    for kind, values in sorted(result["statements"].items(), key=lambda kv: -sum(kv[1])):
        print(
            f"     {kind:26} {ms(sum(values) / count):>7} / {ms(quantile(values, 0.99)):>7}   ({len(values)} batches)"
        )
    outside = sum(latencies) - sum(sum(values) for values in result["statements"].values())
    print(f"     {'outside statements':26} {ms(outside / count):>7}           (Python, commits, the test client)")
    waiting = sum(result["waits"].values()) or 1
    print(f"   active backends by wait event ({result['samples']} samples):")
    for name, seen in result["waits"].most_common(8):
        print(f"     {name:40} {100 * seen / waiting:5.1f} %")
    print("   lock waits (samples that saw them):")
    for name, seen in result["locks"].most_common(6) or [("none", 0)]:
        print(f"     {name:60} {seen}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--guards", type=int, default=8, help="batches in flight (one process each)")
    parser.add_argument("--batches", type=int, default=40, help="batches per guard")
    parser.add_argument("--size", type=int, default=10, help="scans per batch")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of: {', '.join(MODES)}")
    options = parser.parse_args()
    data_dir = options.data or Path(tempfile.mkdtemp(prefix="bench-contention-"))
    if options.data is None:
        subprocess.run(
            [PYTHON, str(Path(__file__).parent / "prepare_checkpoints.py"), str(data_dir), str(options.people)],
            cwd=ROOT,
            env=server_env(),
            check=True,
        )
        print(f"travellers in {data_dir} (reuse with --data)")
    data = {
        "tokens": (data_dir / "tokens.txt").read_text().split(),
        "ids": (data_dir / "ids.txt").read_text().split(),
        "key": (data_dir / "key.txt").read_text().strip(),
        "checkpoint": (data_dir / "checkpoint.txt").read_text().strip(),
    }
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE checkpoints_passage, checkpoints_passagereceipt, checkpoints_tablet, lib_auditevent")
        cursor.execute("SHOW synchronous_commit")
        (sync,) = cursor.fetchone() or ("?",)
    connection.close()
    print(f"database {BENCH_DB.rsplit('/', 1)[-1]}, synchronous_commit={sync}, load {os.getloadavg()[0]:.1f}")
    for mode in options.modes.split(","):
        report(mode, run_mode(mode, options, data), options)
    print(f"\nload {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
