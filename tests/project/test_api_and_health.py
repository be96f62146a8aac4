from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.test import Client

from truyvet.lib import signing

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_keys_lists_the_public_signing_keys_as_a_jwk_set(client: Client) -> None:
    token = signing.sign({"sub": "abc", "exp": 4_000_000_000})
    response = client.get("/api/v1/keys/")
    assert response.status_code == 200
    (key,) = response.json()["keys"]
    assert key["kty"] == "EC" and key["crv"] == "P-256" and key["alg"] == "ES256"
    assert "d" not in key, "never the private part"
    header = json.loads(signing.b64url_decode(token.split(".")[0]))
    assert key["kid"] == header["kid"]


def test_keys_are_public_and_cacheable(client: Client) -> None:
    response = client.get("/api/v1/keys/")
    assert response.status_code == 200
    assert "max-age" in response["Cache-Control"]


def test_healthz_reports_each_part(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok" and body["cache"] == "ok"
    assert body["tasks"] in {"ok", "eager"}


HEALTHZ_SCRIPT = """
import django, json
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def healthz_with(**env: str) -> dict:
    """/healthz in a fresh interpreter; its database is a throwaway SQLite file unless ``env`` names one."""
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    with tempfile.TemporaryDirectory(prefix="truyvet-healthz-") as scratch:
        result = subprocess.run(
            [sys.executable, "-c", HEALTHZ_SCRIPT],
            cwd=ROOT,
            env={
                **base,
                "DJANGO_SETTINGS_MODULE": "truyvet.settings",
                "DJANGO_ENV": "test",
                "ALLOWED_HOSTS": "testserver",
                "DATABASE_URL": f"sqlite:///{scratch}/healthz.sqlite3",
                **env,
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_healthz_says_503_when_the_database_is_unreachable() -> None:
    answer = healthz_with(DATABASE_URL="postgres://nobody@127.0.0.1:9/nothing")
    assert answer["status"] == 503
    assert answer["body"]["database"] == "down"


def test_healthz_says_503_when_redis_is_unreachable() -> None:
    answer = healthz_with(REDIS_URL="redis://127.0.0.1:9/0")
    assert answer["status"] == 503
    parts = {name: answer["body"][name] for name in ("database", "cache", "tasks")}
    assert parts == {"database": "ok", "cache": "down", "tasks": "down"}


def test_the_schema_describes_the_api(client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/keys/" in schema["paths"]


def test_the_api_docs_load_no_asset_from_a_cdn(client: Client) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    for host in ("cdn.", "jsdelivr", "unpkg.com", "cdnjs"):
        assert host not in page


def test_every_page_sends_a_strict_content_security_policy(client: Client) -> None:
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "object-src 'none'" in policy


def test_an_unknown_api_path_answers_json_404(client: Client) -> None:
    response = client.get("/api/v1/keys/nope/")
    assert response.status_code == 404


def test_the_home_page_is_vietnamese_even_for_an_english_browser_until_english_is_chosen(client: Client) -> None:
    assert '<html lang="vi">' in client.get("/").content.decode()
    assert '<html lang="vi">' in client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()
