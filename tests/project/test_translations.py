"""Vietnamese first: every message has a Vietnamese translation, compiled."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parents[2] / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def entries() -> list[tuple[str, str, str]]:
    """(flags, msgid, msgstr) of every entry after the header, continuation lines joined."""
    text = PO.read_text(encoding="utf-8")
    found = []
    for block in text.split("\n\n")[1:]:
        flags = " ".join(line for line in block.splitlines() if line.startswith("#,"))
        msgid = "".join(re.findall(r'"(.*)"', block.split("msgstr")[0].split("msgid", 1)[1]))
        msgstr = "".join(re.findall(r'"(.*)"', block.split("msgstr", 1)[1]))
        found.append((flags, msgid, msgstr))
    return found


def test_every_message_is_translated_to_vietnamese_and_none_is_fuzzy() -> None:
    missing = [msgid for flags, msgid, msgstr in entries() if not msgstr or "fuzzy" in flags]
    assert not missing, f"untranslated or fuzzy: {missing[:10]}"


def test_the_compiled_catalogue_is_in_use() -> None:
    with translation.override("vi"):
        assert translation.gettext("Send the declaration") == "Gửi tờ khai"
