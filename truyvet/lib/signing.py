"""ES256 compact JWS (RFC 7515) for personal QR tokens.

Keys are P-256 private keys in PEM, one file per key in ``SIGNING_KEY_DIR`` named by its
``kid`` (the RFC 7638 JWK thumbprint). The file ``current`` names the key that signs; every
key in the directory verifies, so tokens signed before a rotation stay valid until they
expire. ``SIGNING_PRIVATE_KEY_PEM`` (or ``SIGNING_PRIVATE_KEY_PEM_FILE``) overrides the
signing key for deployments that keep keys in a secret store.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from django.conf import settings
from django.utils import timezone

ALG = "ES256"
_COORD = 32  # bytes in a P-256 coordinate and in each of r, s


class TokenError(Exception):
    """A token that does not verify. ``reason`` is one of the API's codes."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "malformed" | "bad_signature" | "expired"


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    # A regular expression, not a check per character: every scan and check-in decodes a
    # token, and the per-character check was a quarter of the verification's time.
    if not isinstance(text, str) or _B64URL.fullmatch(text) is None:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: ec.EllipticCurvePrivateKey

    @cached_property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, str]:
        return {**_public_members(self.public_key), "kid": self.kid, "use": "sig", "alg": ALG}


def _public_members(public_key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(_COORD, "big")),
        "y": b64url_encode(numbers.y.to_bytes(_COORD, "big")),
    }


def jwk_thumbprint(public_key: ec.EllipticCurvePublicKey) -> str:
    """RFC 7638: SHA-256 over the required members in lexicographic order, no spaces."""
    members = _public_members(public_key)
    canonical = json.dumps({k: members[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True)
    return b64url_encode(hashlib.sha256(canonical.encode("ascii")).digest())


def _load_pem(pem: bytes) -> SigningKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("signing keys must be EC P-256 private keys")
    return SigningKey(kid=jwk_thumbprint(key.public_key()), private_key=key)


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class KeyRing:
    """The signing key and every key that still verifies. Loaded once per process."""

    def __init__(self, directory: Path, override_pem: str = "") -> None:
        self.directory = Path(directory)
        self.override_pem = override_pem
        self._lock = threading.Lock()
        self._keys: dict[str, SigningKey] | None = None
        self._current: str | None = None

    def _ensure_loaded(self) -> None:
        if self._keys is not None:
            return
        with self._lock:
            if self._keys is not None:
                return
            keys, current = self._read()
            if self.override_pem:
                override = _load_pem(self.override_pem.encode())
                keys[override.kid] = override
                current = override.kid
            if current is None:
                keys, current = self._create_first()
            self._current, self._keys = current, keys

    def _read(self) -> tuple[dict[str, SigningKey], str | None]:
        keys: dict[str, SigningKey] = {}
        if self.directory.is_dir():
            for path in sorted(self.directory.glob("*.pem")):
                key = _load_pem(path.read_bytes())
                keys[key.kid] = key
        current_file = self.directory / "current"
        current = current_file.read_text().strip() if current_file.exists() else None
        if current not in keys:
            current = None
        return keys, current

    def _create_first(self) -> tuple[dict[str, SigningKey], str]:
        # Several gunicorn workers may start at once: a file lock makes exactly one create.
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            keys, current = self._read()
            if current is None:
                new = self._write_new()
                keys[new.kid] = new
                current = new.kid
            return keys, current

    def _write_new(self) -> SigningKey:
        private_key = ec.generate_private_key(ec.SECP256R1())
        key = SigningKey(kid=jwk_thumbprint(private_key.public_key()), private_key=private_key)
        path = self.directory / f"{key.kid}.pem"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(_pem(key.private_key))
        tmp = self.directory / "current.tmp"
        tmp.write_text(key.kid + "\n")
        tmp.replace(self.directory / "current")
        return key

    def rotate(self) -> SigningKey:
        """Create a new signing key; older keys keep verifying."""
        self._ensure_loaded()
        with self._lock, open(self.directory / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            new = self._write_new()
            assert self._keys is not None
            self._keys[new.kid] = new
            self._current = new.kid
            return new

    def retire(self, kid: str) -> None:
        """Stop verifying tokens of ``kid`` (never the current key)."""
        self._ensure_loaded()
        if kid == self._current:
            raise ValueError("the current signing key cannot be retired; rotate first")
        (self.directory / f"{kid}.pem").unlink(missing_ok=True)
        with self._lock:
            assert self._keys is not None
            self._keys.pop(kid, None)

    @property
    def current(self) -> SigningKey:
        self._ensure_loaded()
        assert self._keys is not None and self._current is not None
        return self._keys[self._current]

    def get(self, kid: str) -> SigningKey | None:
        self._ensure_loaded()
        assert self._keys is not None
        return self._keys.get(kid)

    def all(self) -> list[SigningKey]:
        self._ensure_loaded()
        assert self._keys is not None
        return list(self._keys.values())


_keyring: KeyRing | None = None


_keyring_setting: object = None


def keyring() -> KeyRing:
    global _keyring, _keyring_setting
    directory = settings.SIGNING_KEY_DIR
    # Compared as the setting is (a str or a Path), not as a new Path per call: a hot path.
    if _keyring is None or (directory is not _keyring_setting and _keyring.directory != Path(directory)):
        _keyring = KeyRing(Path(directory), settings.SIGNING_PRIVATE_KEY_PEM)
    _keyring_setting = directory
    return _keyring


def reset_keyring() -> None:
    """Forget loaded keys (tests that change SIGNING_KEY_DIR)."""
    global _keyring
    _keyring = None


def jwks() -> dict[str, list[dict[str, str]]]:
    return {"keys": [key.public_jwk() for key in keyring().all()]}


def _json_segment(data: dict[str, Any]) -> str:
    return b64url_encode(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())


def sign(payload: dict[str, Any]) -> str:
    key = keyring().current
    signing_input = f"{_json_segment({'alg': ALG, 'typ': 'JWT', 'kid': key.kid})}.{_json_segment(payload)}"
    der = key.private_key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return f"{signing_input}.{b64url_encode(r.to_bytes(_COORD, 'big') + s.to_bytes(_COORD, 'big'))}"


@lru_cache(maxsize=64)
def _header_kid(header_b64: str) -> str:
    """The ``kid`` of a well-formed ES256 header, or TokenError("malformed")."""
    try:
        header = json.loads(b64url_decode(header_b64))
    except (ValueError, UnicodeDecodeError):
        raise TokenError("malformed") from None
    if not isinstance(header, dict) or header.get("alg") != ALG:
        raise TokenError("malformed")
    return str(header.get("kid", ""))


def verify(token: str, *, now: datetime | None = None) -> dict[str, Any]:
    """Return the payload of a valid, unexpired token or raise ``TokenError``."""
    if not isinstance(token, str) or len(token) > 4096 or token.count(".") != 2:
        raise TokenError("malformed")
    header_b64, payload_b64, signature_b64 = token.split(".")
    kid = _header_kid(header_b64)  # tokens of one key share their header: parsed once
    try:
        payload = json.loads(b64url_decode(payload_b64))
        signature = b64url_decode(signature_b64)
    except (ValueError, UnicodeDecodeError):
        raise TokenError("malformed") from None
    if not isinstance(payload, dict):
        raise TokenError("malformed")
    key = keyring().get(kid)
    if key is None or len(signature) != 2 * _COORD:
        raise TokenError("bad_signature")
    der = encode_dss_signature(int.from_bytes(signature[:_COORD], "big"), int.from_bytes(signature[_COORD:], "big"))
    try:
        key.public_key.verify(der, f"{header_b64}.{payload_b64}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise TokenError("bad_signature") from None
    exp = payload.get("exp")
    if not isinstance(exp, int | float):
        raise TokenError("malformed")
    if (now or timezone.now()).timestamp() >= exp:
        raise TokenError("expired")
    return payload
