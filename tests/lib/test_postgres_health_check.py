"""The PostgreSQL backend skips the per-request health check for a connection that has just
served a request, and checks (and replaces) one that has been idle longer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.core.signals import request_finished
from django.db import connection, connections

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend's own behaviour"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Every health check the connection runs, with its answer (the real check runs)."""
    seen: list[bool] = []
    db = connections["default"]
    real = type(db).is_usable

    def counted(self: Any) -> bool:
        usable = real(self)
        seen.append(usable)
        return usable

    monkeypatch.setattr(type(db), "is_usable", counted)
    db.ensure_connection()
    yield seen


def next_request() -> None:
    """What Django does between two requests: the end of one, the start of the next, its first query."""
    request_finished.send(sender=None)
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def test_a_connection_that_just_served_a_request_is_not_pinged_again(settings, pings):
    settings.DB_HEALTH_CHECK_IDLE_SECONDS = 60
    next_request()
    next_request()
    assert pings == []


def test_a_connection_idle_longer_than_the_window_is_checked_at_the_next_request(settings, pings):
    settings.DB_HEALTH_CHECK_IDLE_SECONDS = 0
    next_request()
    next_request()
    assert pings == [True, True]


def test_a_connection_killed_while_idle_is_found_dead_and_replaced(settings, pings):
    settings.DB_HEALTH_CHECK_IDLE_SECONDS = 0
    next_request()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (old_pid,) = cursor.fetchone()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [old_pid])
    next_request()  # would raise if the dead connection were used
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (new_pid,) = cursor.fetchone()
    assert pings[-1] is False and new_pid != old_pid


def test_a_connection_whose_request_failed_on_a_dead_backend_is_not_kept_fresh(settings, pings):
    settings.DB_HEALTH_CHECK_IDLE_SECONDS = 60
    next_request()
    db = connections["default"]
    with db.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    params = db.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    db.errors_occurred = True  # the request's query failed on the dead connection
    request_finished.send(sender=None)
    assert db.connection is None and db.proved_at is None  # type: ignore[attr-defined]
