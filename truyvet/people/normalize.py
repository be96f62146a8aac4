"""Normalising names, phones and search keys the way a Vietnamese clerk would."""

from __future__ import annotations

import re
import secrets
import unicodedata

# Read by the apps beside the other normalisers; it lives in lib so that lib's tables can fold headings.
from truyvet.lib.text import search_key as search_key

_SPACES = re.compile(r"\s+")
_MOBILE = re.compile(r"^(?:\+?84|0)([35789]\d{8})$")


def normalize_name(name: str) -> str:
    """NFC, single spaces, each word's first letter in capitals: '  nguyễn   văn AN ' ->
    'Nguyễn Văn AN'. No letter is ever lowered: 'McDonald', 'DƯƠNG' and 'La Thị Ơn' stay as
    typed (a clerk copies a name from a card; only the person may say how it is written)."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", name)).strip()
    return " ".join(word[:1].upper() + word[1:] for word in text.split(" "))


def normalize_phone(phone: str) -> str | None:
    """A Vietnamese mobile number in E.164 (+84...), or None if it is not one.

    Accepts '0912 345 678', '+84912345678', '84-912-345-678'.
    """
    digits = re.sub(r"[\s.\-()]", "", phone or "")
    match = _MOBILE.match(digits)
    return f"+84{match.group(1)}" if match else None


def display_phone(e164: str) -> str:
    return "0" + e164[3:] if e164.startswith("+84") else e164


def mask_name(full_name: str) -> str:
    """'Nguyễn Văn An' -> 'Nguyễn V. A.': enough for staff to ask, not enough to identify."""
    parts = full_name.split()
    if len(parts) <= 1:
        return full_name[:1] + "." if full_name else ""
    return " ".join([parts[0], *(p[0] + "." for p in parts[1:])])


def new_ref() -> str:
    """The opaque reference a QR token carries: 128 random bits, never the database id."""
    return secrets.token_urlsafe(16)


def masked_phone(phone: str) -> str:
    """'+84912345678' -> '0912***678': enough to confirm a number the person gives, not to call."""
    local = display_phone(phone or "")
    if len(local) < 7:
        return "***" if local else ""
    return f"{local[:4]}***{local[-3:]}"
