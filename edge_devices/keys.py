"""Device keys: how one is made and checked (shared by the services and the selectors)."""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "tvd_"


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str, str]:
    """A key, the prefix stored to find its device, and the digest stored to check it."""
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32).replace('_', '-')}"
    return key, prefix, key_digest(key)
