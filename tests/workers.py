"""Real `celery worker` processes on the test database (PostgreSQL + Redis CI run)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    sms_dir: Path
    log_path: Path
    log: IO[str]

    def stop(self, *, kill: bool = False) -> None:
        """Stop the worker: SIGTERM and wait, or SIGKILL (a worker lost mid-task)."""
        if kill:
            self.process.send_signal(signal.SIGKILL)
        else:
            self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        print(self.log_path.read_text()[-3000:])

    def sms_lines(self) -> list[str]:
        return [line for path in self.sms_dir.glob("*.jsonl") for line in path.read_text().splitlines()]


def start_worker(folder: Path, name: str = "worker", queues: str = "") -> Worker:
    """A worker process with SMS written to files under ``folder / "sms"``; ``queues``: the
    queues it consumes (comma-separated; default: Celery's default queue)."""
    db = connection.settings_dict
    sms_dir = folder / "sms"
    log_path = folder / f"{name}.log"
    log = open(log_path, "w")  # noqa: SIM115 (closed by stop)
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SMS_BACKEND": "truyvet.lib.sms.FileBackend",
        "SMS_FILE_PATH": str(sms_dir),
        "DJANGO_ENV": "test",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "truyvet", "worker", "--pool=solo", "--loglevel=WARNING",
         "--without-heartbeat", "--without-mingle", "--without-gossip", "-n", f"{name}@%h",
         *(["-Q", queues] if queues else [])],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    return Worker(process, sms_dir, log_path, log)


def start_relay(folder: Path) -> Worker:
    """The outbox relay (``manage.py outbox_relay``), as ``bin/up`` runs it beside the workers:
    what a write queued while Redis was down reaches Redis once it is back."""
    db = connection.settings_dict
    log_path = folder / "relay.log"
    log = open(log_path, "w")  # noqa: SIM115 (closed by stop)
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_ENV": "test",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "outbox_relay", "--interval", "1"], cwd=ROOT, env=env, stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    return Worker(process, folder / "sms", log_path, log)


def queue_drained() -> bool:
    """True when the broker holds no task: none waiting in a queue, none taken but unacknowledged.

    Tasks are acknowledged late (after they ran, ``CELERY_TASK_ACKS_LATE``), and a task sends the
    tasks it starts before its own acknowledgement, so an empty broker means that every task sent
    so far, and every task they sent, has finished. Tests wait for this (``wait_for(queue_drained)``)
    instead of sleeping to show that nothing else happens."""
    import redis
    from django.conf import settings

    from truyvet.celery import app

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queue = app.conf.task_default_queue
    waiting = sum(client.llen(key) for key in client.scan_iter(match=f"{queue}*") if client.type(key) == b"list")
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    return waiting == 0 and client.hlen(options.get("unacked_key", "unacked")) == 0


def wait_for(predicate: Callable[[], object], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False
