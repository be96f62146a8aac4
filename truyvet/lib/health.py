"""Whether the services the portal needs answer: the database, the cache, the task broker,
and whether the outbox's tasks leave for the broker. ``/healthz`` and the administrator's home
ask the same questions."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from truyvet.lib import outbox

log = logging.getLogger(__name__)


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_cache() -> str:
    cache.set("healthz", "1", 10)
    if cache.get("healthz") != "1":
        raise RuntimeError("cache did not keep a value")
    return "ok"


def _check_tasks() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    from truyvet.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def _check_outbox() -> str:
    """ "late" when a task recorded by a write has waited longer than OUTBOX_LATE_SECONDS for
    the relay: the relay is not running, or the broker is down (``tasks`` then says so)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    waited = outbox.backlog().oldest_seconds
    return "late" if waited is not None and waited > settings.OUTBOX_LATE_SECONDS else "ok"


CHECKS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("database", _check_database),
    ("cache", _check_cache),
    ("tasks", _check_tasks),
    ("outbox", _check_outbox),
)


def system_health() -> dict[str, str]:
    """``{"database", "cache", "tasks", "outbox"}``, each "ok" (or "eager" for tasks run in
    the request; "late" for an outbox whose oldest task waits too long) or "down"."""
    found: dict[str, str] = {}
    for name, check in CHECKS:
        try:
            found[name] = check()
        except Exception as exc:  # noqa: BLE001 (any failure means unhealthy, never a 500)
            log.warning("healthz: %s is down: %s", name, exc)
            found[name] = "down"
    return found


def outbox_figures() -> dict[str, int | float | None]:
    """``{"outbox_pending", "outbox_oldest_seconds"}`` for /healthz; empty if unreadable."""
    try:
        figures = outbox.backlog()
    except Exception:  # noqa: BLE001 (the database is down: system_health says so)
        return {}
    oldest = round(figures.oldest_seconds, 1) if figures.oldest_seconds is not None else None
    return {"outbox_pending": figures.pending, "outbox_oldest_seconds": oldest}
