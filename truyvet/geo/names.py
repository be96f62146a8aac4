"""How administrative units are named, sorted and written after an address.

Official names carry their type ("Thành phố Hà Nội", "Tỉnh …" in older data, "Xã Dào San",
"Phường 3", "Đặc khu Côn Đảo"): lists sort them by the name without the type, so Hà Nội
sits under H, and an address that already ends with its ward is not given it twice.
"""

from __future__ import annotations

import re
import unicodedata

# Longest first: "Thành phố" before "Thị xã"/"Thị trấn" does not matter, "Thị xã" before "Xã" does not either,
# as a prefix must be followed by a space.
UNIT_TYPES = ("Thành phố", "Thị trấn", "Thị xã", "Đặc khu", "Phường", "Tỉnh", "Quận", "Huyện", "Xã", "TP.", "TP")

_TYPE = re.compile(r"^(?:" + "|".join(re.escape(t) for t in UNIT_TYPES) + r")\s+", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")


def bare_name(name: str) -> str:
    """The name without its unit type: "Thành phố Hà Nội" → "Hà Nội"; a name that is only a
    type and a number ("Phường 3") keeps nothing but the number."""
    name = unicodedata.normalize("NFC", name).strip()
    stripped = _TYPE.sub("", name, count=1)
    return stripped or name


def _fold(text: str) -> str:
    # Lower case without tone marks, but đ after d, as the Vietnamese alphabet has it.
    text = unicodedata.normalize("NFC", text).casefold().replace("đ", "d~")
    decomposed = unicodedata.normalize("NFD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def sort_name(name: str) -> str:
    """The key lists of units sort by: the bare name, folded, with numbers padded
    ("Phường 3" before "Phường 12")."""
    return _NUMBER.sub(lambda m: m.group().zfill(6), _fold(bare_name(name)))[:100]


def address_with_ward(address: str, ward_name: str) -> str:
    """``address``, then the ward, unless the address already names it (with or without its
    type: "…, Xã Dào San" or "…, Dào San")."""
    address = " ".join((address or "").split()).strip(" ,")
    ward_name = (ward_name or "").strip()
    if not ward_name:
        return address
    if not address:
        return ward_name
    wanted = _fold(bare_name(ward_name))
    if any(_fold(bare_name(part)) == wanted for part in address.split(",")):
        return address
    return f"{address}, {ward_name}"
