from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command

from truyvet.lib import signing
from truyvet.lib.signing import KeyRing, TokenError, b64url_decode, b64url_encode

FUTURE = 4_000_000_000


def reason(token: str) -> str:
    with pytest.raises(TokenError) as error:
        signing.verify(token)
    return error.value.reason


def test_a_signed_token_verifies_and_carries_a_raw_64_byte_es256_signature() -> None:
    token = signing.sign({"sub": "abc", "exp": FUTURE})
    header = json.loads(b64url_decode(token.split(".")[0]))
    assert header["alg"] == "ES256" and header["kid"] == signing.keyring().current.kid
    assert len(b64url_decode(token.split(".")[2])) == 64
    assert signing.verify(token)["sub"] == "abc"


def test_an_independent_library_verifies_our_tokens_with_the_published_jwk() -> None:
    token = signing.sign({"sub": "abc", "exp": FUTURE, "lvl": "green"})
    key = jwt.PyJWK(signing.jwks()["keys"][0])
    assert jwt.decode(token, key.key, algorithms=["ES256"])["lvl"] == "green"


def test_the_kid_is_the_rfc_7638_thumbprint() -> None:
    jwk = signing.jwks()["keys"][0]
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    assert jwk["kid"] == b64url_encode(hashlib.sha256(canonical.encode()).digest())


def test_an_expired_token_is_expired() -> None:
    assert reason(signing.sign({"sub": "a", "exp": 1_000})) == "expired"


def test_a_tampered_payload_has_a_bad_signature() -> None:
    header, _payload, signature = signing.sign({"sub": "a", "exp": FUTURE, "lvl": "red"}).split(".")
    forged = b64url_encode(json.dumps({"sub": "a", "exp": FUTURE, "lvl": "green"}).encode())
    assert reason(f"{header}.{forged}.{signature}") == "bad_signature"


def test_a_token_from_an_unknown_key_has_a_bad_signature(tmp_path: Path) -> None:
    stranger = KeyRing(tmp_path / "elsewhere")
    header = b64url_encode(json.dumps({"alg": "ES256", "kid": stranger.current.kid}).encode())
    payload = b64url_encode(json.dumps({"sub": "a", "exp": FUTURE}).encode())
    signature = b64url_encode(b"\x01" * 64)
    assert reason(f"{header}.{payload}.{signature}") == "bad_signature"


@pytest.mark.parametrize(
    "token",
    ["", "a.b", "a.b.c", "!!.??.**", "x" * 5000,
     b64url_encode(b'{"alg":"none"}') + "." + b64url_encode(b'{"exp":4000000000}') + "."],
)  # fmt: skip
def test_a_token_that_is_garbage_is_malformed(token: str) -> None:
    assert reason(token) == "malformed"


def test_after_a_rotation_old_tokens_still_verify_and_new_ones_use_the_new_key() -> None:
    old = signing.sign({"sub": "a", "exp": FUTURE})
    new_key = signing.keyring().rotate()
    new = signing.sign({"sub": "b", "exp": FUTURE})
    assert json.loads(b64url_decode(new.split(".")[0]))["kid"] == new_key.kid
    assert signing.verify(old)["sub"] == "a" and signing.verify(new)["sub"] == "b"
    assert len(signing.jwks()["keys"]) == 2


def test_retiring_a_key_stops_its_tokens_and_the_current_key_cannot_be_retired() -> None:
    old_kid = signing.keyring().current.kid
    old = signing.sign({"sub": "a", "exp": FUTURE})
    signing.keyring().rotate()
    signing.keyring().retire(old_kid)
    assert reason(old) == "bad_signature"
    with pytest.raises(ValueError, match="rotate first"):
        signing.keyring().retire(signing.keyring().current.kid)


def test_keys_persist_across_processes(settings: object) -> None:
    kid = signing.keyring().current.kid
    again = KeyRing(Path(settings.SIGNING_KEY_DIR))  # type: ignore[attr-defined]
    assert again.current.kid == kid


def test_a_key_from_the_environment_signs(settings: object) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    settings.SIGNING_PRIVATE_KEY_PEM = pem.decode()  # type: ignore[attr-defined]
    signing.reset_keyring()
    token = signing.sign({"sub": "a", "exp": FUTURE})
    assert jwt.decode(token, private.public_key(), algorithms=["ES256"])["sub"] == "a"


def test_the_signing_keys_command_rotates_lists_and_retires(capsys: pytest.CaptureFixture[str]) -> None:
    first = signing.keyring().current.kid
    call_command("signing_keys", "rotate")
    call_command("signing_keys", "retire", "--", first)  # a kid may start with "-"
    call_command("signing_keys")
    out = capsys.readouterr().out
    assert "(signing)" in out and first not in out.splitlines()[-1]
