"""Fonts and centred text for the printed cards and posters (Pillow, DejaVu for Vietnamese)."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

_FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu"]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _font_path(bold: bool) -> str | None:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for directory in _FONT_DIRS:
        if (Path(directory) / name).exists():
            return str(Path(directory) / name)
    return None


def font(size: int, *, bold: bool = False) -> Font:
    """DejaVu Sans (it has every Vietnamese letter); Pillow's own font if it is missing."""
    path = _font_path(bold)
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)


def centred(
    draw: ImageDraw.ImageDraw, width: int, y: int, text: str, size: int, *, bold: bool = False,
    fill: tuple[int, int, int] = (0, 0, 0),
) -> int:  # fmt: skip
    """Draw one centred line; returns the y of the next line."""
    face = font(size, bold=bold)
    draw.text(((width - draw.textlength(text, font=face)) / 2, y), text, font=face, fill=fill)
    return y + int(size * 1.3)


def print_bytes(image: Image.Image, fmt: str) -> bytes:
    """A 300 dpi page as PDF (``fmt == "pdf"``) or PNG."""
    buffer = io.BytesIO()
    if fmt == "pdf":
        image.save(buffer, format="PDF", resolution=300.0)
    else:
        image.save(buffer, format="PNG", dpi=(300, 300), optimize=True)
    return buffer.getvalue()
