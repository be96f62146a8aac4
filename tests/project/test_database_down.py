"""While the database cannot be reached, requests answer 503 with Retry-After (the API in its
error envelope, pages with a plain bilingual page), never a 500; /healthz says which part is
down. Tested against a real unreachable PostgreSQL (a closed port), not a mock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.db import connection, connections
from django.db.utils import InterfaceError, OperationalError, ProgrammingError
from django.test import Client

from truyvet.lib.unavailable import is_connection_error

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = "postgres://nobody@127.0.0.1:9/nothing"  # nothing listens on the discard port

REQUESTS_SCRIPT = """
import django, json
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
answers = {}
api = client.get("/api/v1/checkpoints/", HTTP_AUTHORIZATION="Token 0123456789abcdef")
answers["api"] = {"status": api.status_code, "retry_after": api.get("Retry-After"), "body": api.json()}
page = client.get("/contacts/cases/")
answers["page"] = {"status": page.status_code, "type": page["Content-Type"]}
client.cookies["sessionid"] = "a-session-the-database-would-have"
signed_in = client.get("/")
answers["session"] = {
    "status": signed_in.status_code,
    "retry_after": signed_in.get("Retry-After"),
    "text": signed_in.content.decode(),
}
health = Client().get("/healthz")
answers["healthz"] = {"status": health.status_code, "body": health.json()}
print(json.dumps(answers))
"""


@pytest.fixture(scope="module")
def answers_while_postgres_is_unreachable() -> dict:
    """Requests made in a fresh interpreter whose DATABASE_URL names a closed port."""
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    with tempfile.TemporaryDirectory(prefix="truyvet-dbdown-"):
        result = subprocess.run(
            [sys.executable, "-c", REQUESTS_SCRIPT],
            cwd=ROOT,
            env={
                **base,
                "DJANGO_SETTINGS_MODULE": "truyvet.settings",
                "DJANGO_ENV": "test",
                "ALLOWED_HOSTS": "testserver",
                "DATABASE_URL": UNREACHABLE,
                "DB_UNAVAILABLE_RETRY_AFTER": "17",
                "LOG_LEVEL": "CRITICAL",
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_an_api_call_answers_503_in_the_error_envelope_with_retry_after(answers_while_postgres_is_unreachable):
    api = answers_while_postgres_is_unreachable["api"]
    assert api["status"] == 503
    assert api["retry_after"] == "17"
    assert api["body"]["code"] == "service_unavailable"
    assert api["body"]["detail"] and api["body"]["errors"] == {}


def test_a_page_answers_503_and_never_500(answers_while_postgres_is_unreachable):
    page = answers_while_postgres_is_unreachable["page"]
    assert page["status"] in {302, 503}, "a page that needs no data may still redirect to sign-in"


def test_a_signed_in_visitor_whose_session_cannot_be_read_gets_the_bilingual_page(
    answers_while_postgres_is_unreachable,
):
    session = answers_while_postgres_is_unreachable["session"]
    assert session["status"] == 503
    assert session["retry_after"] == "17"
    assert "Hệ thống tạm thời gián đoạn" in session["text"] and "Temporarily unavailable" in session["text"]


def test_healthz_says_the_database_is_down(answers_while_postgres_is_unreachable):
    health = answers_while_postgres_is_unreachable["healthz"]
    assert health["status"] == 503
    assert health["body"]["database"] == "down"
    assert "outbox_pending" not in health["body"], "no figure is made up while the table cannot be read"


def test_only_connection_errors_count_as_the_database_being_down() -> None:
    assert not is_connection_error(ProgrammingError("relation does not exist"))
    assert not is_connection_error(ValueError("no"))
    assert is_connection_error(OperationalError("connection refused"))


# --- In this process, on PostgreSQL: the connection pointed at a closed port ------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="points the PostgreSQL connection at a closed port")
@pytest.mark.django_db(transaction=True)
def test_a_request_while_the_connection_cannot_be_made_answers_503_and_the_next_one_recovers() -> None:
    db = connections["default"]
    saved = dict(db.settings_dict)
    client = Client()
    db.close()
    db.settings_dict.update({"HOST": "127.0.0.1", "PORT": "9"})
    try:
        response = client.get("/api/v1/checkpoints/", HTTP_AUTHORIZATION="Token 0123456789abcdef")
    finally:
        db.close()
        db.settings_dict.clear()
        db.settings_dict.update(saved)
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert int(response["Retry-After"]) > 0
    again = client.get("/api/v1/checkpoints/", HTTP_AUTHORIZATION="Token 0123456789abcdef")
    assert again.status_code == 401, "the database is back: the unknown token is refused as usual"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="terminates a PostgreSQL backend")
@pytest.mark.django_db(transaction=True)
def test_a_query_on_a_backend_the_server_terminated_is_a_connection_error() -> None:
    import psycopg

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    try:
        with pytest.raises((OperationalError, InterfaceError)) as raised, connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        assert is_connection_error(raised.value)
    finally:
        connection.close()
