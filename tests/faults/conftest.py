"""Fault tests: a worker killed, PostgreSQL restarted, Redis stopped, a full disk, a restore.

The expensive ones (marked ``faults``) run only under ``make faults``, which starts a
throwaway PostgreSQL cluster and Redis of their own (``bin/fault-services``, ports 55432 and
56379) and points DATABASE_URL and REDIS_URL at them: these tests restart and stop the
services, so they refuse to run against any other (a shared database must never be
restarted by a test). The cheap ones (a full disk, the backup drill) run in every suite.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "bin" / "fault-services"
FAULT_PG_PORT = int(os.environ.get("FAULT_PG_PORT", "55432"))
FAULT_REDIS_PORT = int(os.environ.get("FAULT_REDIS_PORT", "56379"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("TRUYVET_FAULTS") == "1":
        return
    skip = pytest.mark.skip(reason="a fault test that stops services: `make faults` runs it on services of its own")
    for item in items:
        if item.get_closest_marker("faults"):
            item.add_marker(skip)


@pytest.fixture
def fault_services() -> None:
    """Stops the test unless the database and Redis are bin/fault-services' own."""
    port = int(connection.settings_dict.get("PORT") or 5432)
    if connection.vendor != "postgresql" or port != FAULT_PG_PORT:
        pytest.fail(f"fault tests run only on the fault cluster (port {FAULT_PG_PORT}): use `make faults`")
    if not settings.REDIS_URL or urlsplit(settings.REDIS_URL).port != FAULT_REDIS_PORT:
        pytest.fail(f"fault tests run only on the fault Redis (port {FAULT_REDIS_PORT}): use `make faults`")


def services(command: str) -> None:
    """``bin/fault-services <command>`` (restart-pg, stop-redis, start-redis)."""
    subprocess.run([str(SERVICES), command], check=True, cwd=ROOT, capture_output=True, timeout=120)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@dataclass
class Server:
    """gunicorn serving the portal on the test database."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    log: IO[str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def log_text(self) -> str:
        return self.log_path.read_text()


def server_env(folder: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_ENV": "test",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "RATELIMIT_ENABLE": "0",
        "SIGNING_KEY_DIR": str(settings.SIGNING_KEY_DIR),
        "SMS_BACKEND": "truyvet.lib.sms.FileBackend",
        "SMS_FILE_PATH": str(folder / "sms"),
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def start_server(folder: Path, *, workers: int = 2, threads: int = 2, **extra: str) -> Server:
    port = free_port()
    log_path = folder / "gunicorn.log"
    log = open(log_path, "w")  # noqa: SIM115 (closed by stop)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "truyvet.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--threads", str(threads), "--worker-class", "gthread", "--timeout", "60", "--access-logfile", "-",
         "--access-logformat", '%(m)s %(U)s %(s)s %(M)sms'],
        cwd=ROOT, env=server_env(folder, **extra), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    server = Server(process, port, log_path, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn did not start:\n{log_path.read_text()[-3000:]}")


@pytest.fixture
def server_folder(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path


def post_json(server: Server, path: str, body: object, headers: dict[str, str] | None = None) -> int:
    """POST a JSON body; the status, or 0 when no answer came (a connection cut or refused)."""
    import http.client
    import json

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        headers = {"Content-Type": "application/json", **(headers or {})}
        conn.request("POST", path, body=json.dumps(body), headers=headers)
        response = conn.getresponse()
        response.read()
        return int(response.status)
    except OSError:
        return 0
    finally:
        conn.close()
