"""PostgreSQL, with Django's per-request health check skipped for a connection that has
just proved itself.

``CONN_HEALTH_CHECKS`` sends ``SELECT 1`` before the first query of every request: on the
public write paths (a check-in is one statement) that was a second round trip per request,
a quarter of a worker's wall time under load (py-spy, docs/BENCHMARKS.md). Here a connection
that finished a request without a database error less than ``HEALTH_CHECK_IDLE_SECONDS``
ago skips the check; one idle for longer is checked as before. A server restart takes
longer than that window, so what it still risks is a backend killed from outside within a
second or two of serving a request: that request's query fails (and the connection is
dropped at its end), as it would have without health checks.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.signals import request_finished
from django.db import connections
from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.proved_at: float | None = None

    def close_if_health_check_failed(self) -> None:
        fresh = self.proved_at is not None and time.monotonic() - self.proved_at < settings.DB_HEALTH_CHECK_IDLE_SECONDS
        if self.connection is not None and fresh:
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close(self) -> None:
        self.proved_at = None
        super().close()


def _prove(**kwargs: Any) -> None:
    """At the end of a request: the connections that served it without an error are fresh."""
    for connection in connections.all(initialized_only=True):
        if isinstance(connection, DatabaseWrapper):
            usable = connection.connection is not None and not connection.errors_occurred
            connection.proved_at = time.monotonic() if usable else None


request_finished.connect(_prove)
