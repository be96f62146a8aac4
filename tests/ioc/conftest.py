"""A real HTTP receiver on the loopback for the webhook tests, and an IOC feed with events."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Receiver:
    """Answers each POST with the next status of ``statuses`` (then 200), and keeps what came."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    fail_every: int = 0  # every n-th call fails with 503 (0: never)
    delay: float = 0.0  # seconds the first calls hang before they answer
    calls: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> int:
        with self.lock:
            self.calls += 1
            if self.statuses:
                return self.statuses.pop(0)
            if self.fail_every and self.calls % self.fail_every == 0:
                return 503
            return 200


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = state.answer()
            if state.delay:
                time.sleep(state.delay)
            if status == 200:
                with state.lock:
                    state.received.append(
                        {"headers": dict(self.headers.items()), "body": body, "event": json.loads(body)}
                    )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
