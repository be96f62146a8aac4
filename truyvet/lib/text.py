"""Text hygiene for what people type: characters that cannot be stored, and characters that
cannot be seen.

A lone surrogate (``"\\udfff"``, which JSON lets a client send as an escape) is not text:
PostgreSQL and SQLite refuse it when it is written, so it must be refused on the way in.
Bidirectional controls and zero-width characters in a name or an address make a staff page
or a printed card show something other than what is stored (``"Nguyễn\\u202eA nạV"``), so
they are refused with a message rather than silently removed.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError

# C0 controls but tab, line feed and carriage return (whitespace that normalisers fold), DEL
# and the C1 controls, zero-width and direction marks (U+200B-U+200F), embeddings and
# overrides (U+202A-U+202E), isolates (U+2066-U+2069), and the byte-order mark / zero-width
# no-break space (U+FEFF).
_SPACES = re.compile(r"\s+")
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def storable(value: str) -> bool:
    """Whether ``value`` is real Unicode text (no lone surrogate), as a database stores it.

    ``str.isascii`` answers at C speed for most input; only other text is encoded."""
    if value.isascii():
        return True
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def refuse_unstorable(value: str, field: str) -> str:
    """``value`` unchanged, or a DomainError (``invalid_characters``) naming ``field``."""
    if not storable(value):
        raise DomainError(
            _("This text contains characters that are not valid."), CoreError.INVALID_CHARACTERS, field=field
        )
    return value


def refuse_invisible(value: str, field: str) -> str:
    """``value`` unchanged if every character is storable and visible, else a DomainError
    (``invalid_characters``) naming ``field``. For names and addresses: what staff read and
    what cards print."""
    refuse_unstorable(value, field)
    if _INVISIBLE.search(value):
        raise DomainError(
            _("Remove the invisible or text-direction characters from this text."),
            CoreError.INVALID_CHARACTERS,
            field=field,
        )
    return value


def search_key(text: str) -> str:
    """Lower case without diacritics, for accent-insensitive search ('Đặng' -> 'dang')."""
    text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return _SPACES.sub(" ", text).strip().lower()
