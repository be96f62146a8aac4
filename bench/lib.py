"""Shared pieces of the benchmarks: a gunicorn server on the benchmark database, wrk runs
and their parsing, worker memory, and plain-text tables for docs/BENCHMARKS.md."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT", "8077"))
BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/truyvet_bench")


def server_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": BENCH_DB,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "RATELIMIT_ENABLE": "0",
        "BENCH_BASELINE": "1",
        "SIGNING_KEY_DIR": "/tmp/bench-keys",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_ENV", None)
    env.update(extra)
    return env


def manage(*args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=server_env(), capture_output=True, text=True, check=True
    )
    return result.stdout


@contextmanager
def gunicorn(*, workers: int, threads: int, ready_timeout: float = 120) -> Iterator[subprocess.Popen[bytes]]:
    command = [PYTHON, "-m", "gunicorn", "truyvet.wsgi", "--bind", f"{HOST}:{PORT}", "--workers", str(workers),
               "--threads", str(threads), "--worker-class", "gthread" if threads > 1 else "sync",
               "--log-level", "warning", "--backlog", "2048"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=server_env())
    try:
        deadline = time.monotonic() + ready_timeout  # a loaded machine starts the workers slowly
        status = 0
        while time.monotonic() < deadline:
            try:
                status, _body, _headers = request("GET", "/healthz")
                if status == 200:
                    break
                time.sleep(0.5)
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"gunicorn did not answer /healthz with 200 (last: {status or 'no answer'})")
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def request(method: str, path: str, body: object = None, headers: dict[str, str] | None = None,
            conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes, dict[str, str]]:  # fmt: skip
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, PORT, timeout=10)
    data = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    payload = response.read()
    result = response.status, payload, {k.lower(): v for k, v in response.getheaders()}
    if own:
        conn.close()
    return result


def worker_rss_mb(master: subprocess.Popen[bytes]) -> list[float]:
    """Resident memory of each gunicorn worker (children of the master), in MB."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        if match:
            sizes.append(int(match.group(1)) / 1024)
    return sizes


@dataclass
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    errors: str


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    script: Path, *, path: str, duration: int, connections: int, threads: int = 2, args: tuple[str, ...] = ()
) -> WrkResult:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
               "-s", str(script), f"http://{HOST}:{PORT}{path}", "--", *args]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    percentiles = dict(re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", output, re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)$", output, re.MULTILINE)
    return WrkResult(
        requests_per_s=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        p50_ms=_ms(percentiles["50"]),
        p90_ms=_ms(percentiles["90"]),
        p99_ms=_ms(percentiles["99"]),
        requests=int(re.search(r"(\d+) requests in", output).group(1)),  # type: ignore[union-attr]
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=errors.group(1) if errors else "none",
    )


def server_timing_ms(headers: dict[str, str]) -> float:
    match = re.search(r"app;dur=([\d.]+)", headers.get("server-timing", ""))
    return float(match.group(1)) if match else float("nan")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def db_count(table: str) -> int:
    out = subprocess.run(
        ["psql", BENCH_DB, "-Atc", f"select count(*) from {table}"], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())
