"""Project-level pages: the public landing page and the health check."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


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


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """``{"database", "cache", "tasks"}``: 200 when all answer, 503 when one does not."""
    body: dict[str, str] = {}
    healthy = True
    for name, check in (("database", _check_database), ("cache", _check_cache), ("tasks", _check_tasks)):
        try:
            body[name] = check()
        except Exception as exc:  # noqa: BLE001 (any failure means unhealthy, never a 500)
            log.warning("healthz: %s is down: %s", name, exc)
            body[name] = "down"
            healthy = False
    return JsonResponse(body, status=200 if healthy else 503)
