"""Whether an uploaded file is a PDF, by its content.

No PDF reader is among the portal's runtime requirements, so the check reads the structure
every PDF has: the header ``%PDF-1.x`` or ``%PDF-2.0`` at the start, ``%%EOF`` at the end,
and before it ``startxref`` with the offset of the cross-reference table (``xref``) or
stream (an ``obj``), which must lie inside the file. A renamed image, an office document or
a truncated download fails one of these. It does not prove that every page draws; a
reader's own parse would, and can replace this when one is installed.
"""

from __future__ import annotations

import re
from typing import IO

_HEADER = re.compile(rb"^%PDF-(1\.[0-7]|2\.0)[\r\n\s%]")
_STARTXREF = re.compile(rb"startxref\s+(\d{1,12})\s+%%EOF\s*$")
TAIL = 2048


def looks_like_pdf(stream: IO[bytes], size: int) -> bool:
    """True when ``stream`` (``size`` bytes) has a PDF's header, trailer and cross-reference."""
    if size < 64:
        return False
    stream.seek(0)
    head = stream.read(16)
    if not _HEADER.match(head):
        return False
    stream.seek(max(0, size - TAIL))
    tail = stream.read(TAIL)
    # Incremental updates append sections: the last startxref is the one that counts.
    matches = list(_STARTXREF.finditer(tail.rstrip(b"\x00")))
    if not matches:
        return False
    offset = int(matches[-1].group(1))
    if not 9 <= offset < size:
        return False
    stream.seek(offset)
    at = stream.read(64).lstrip()
    stream.seek(0)
    return at.startswith(b"xref") or re.match(rb"^\d+\s+\d+\s+obj\b", at) is not None
