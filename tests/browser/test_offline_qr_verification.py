from __future__ import annotations

import json
from typing import Any

import pytest

from tests.factories import PersonFactory
from truyvet.lib import signing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]


def verify_in_browser(page: Any, token: str, jwks: dict, now: float | None = None) -> dict:
    return page.evaluate(
        "([token, jwks, now]) => truyvetQr.verify(token, jwks, now === null ? undefined : now)",
        [token, jwks, now],
    )


def test_a_tablet_verifies_personal_qr_tokens_offline_with_the_cached_keys(live_server: Any, desktop_page: Any) -> None:
    person = PersonFactory()
    token = signing.sign({"sub": person.ref, "iat": 1_800_000_000, "exp": 1_900_000_000, "lvl": "yellow"})
    page = desktop_page
    page.goto(f"{live_server.url}/")
    jwks = page.evaluate("() => fetch('/api/v1/keys/').then(r => r.json())")
    page.add_script_tag(url="/static/js/qrverify.js")  # our CSP refuses inline scripts
    page.context.set_offline(True)  # from here on, no network: only the cached keys

    result = verify_in_browser(page, token, jwks, now=1_850_000_000)
    assert result == {
        "valid": True,
        "payload": {"sub": person.ref, "iat": 1_800_000_000, "exp": 1_900_000_000, "lvl": "yellow"},
    }

    assert verify_in_browser(page, token, jwks, now=1_900_000_001)["reason"] == "expired"
    header, _payload, signature = token.split(".")
    forged_payload = signing.b64url_encode(
        json.dumps({"sub": person.ref, "exp": 1_900_000_000, "lvl": "green"}).encode()
    )
    assert verify_in_browser(page, f"{header}.{forged_payload}.{signature}", jwks)["reason"] == "bad_signature"
    assert verify_in_browser(page, "not-a-token", jwks)["reason"] == "malformed"
    assert verify_in_browser(page, token, {"keys": []})["reason"] == "bad_signature"

    rotated = signing.keyring().rotate()
    new_token = signing.sign({"sub": person.ref, "iat": 1_800_000_000, "exp": 1_900_000_000, "lvl": "green"})
    assert verify_in_browser(page, new_token, jwks, now=1_850_000_000)["reason"] == "bad_signature"
    fresh_jwks = signing.jwks()
    assert rotated.kid in {k["kid"] for k in fresh_jwks["keys"]}
    assert verify_in_browser(page, new_token, fresh_jwks, now=1_850_000_000)["valid"] is True
    assert verify_in_browser(page, token, fresh_jwks, now=1_850_000_000)["valid"] is True, "old keys still verify"
