"""Whether the services the portal needs answer: the database, the cache, the task broker.
``/healthz`` and the administrator's home ask the same questions."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection

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


CHECKS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("database", _check_database),
    ("cache", _check_cache),
    ("tasks", _check_tasks),
)


def system_health() -> dict[str, str]:
    """``{"database", "cache", "tasks"}``, each "ok" (or "eager" for tasks run in the
    request) or "down"."""
    found: dict[str, str] = {}
    for name, check in CHECKS:
        try:
            found[name] = check()
        except Exception as exc:  # noqa: BLE001 (any failure means unhealthy, never a 500)
            log.warning("healthz: %s is down: %s", name, exc)
            found[name] = "down"
    return found
