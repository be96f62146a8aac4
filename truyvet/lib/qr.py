"""QR code images (PNG and SVG) for personal codes, cards and posters."""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathImage

_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


def _code(data: str, *, error_correction: str, border: int, box_size: int) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=_LEVELS[error_correction], border=border, box_size=box_size)
    code.add_data(data)
    code.make(fit=True)
    return code


def render_png(data: str, *, box_size: int = 10, border: int = 4, error_correction: str = "M") -> bytes:
    """A black-on-white PNG; ``border`` is the quiet zone in modules (4 per ISO/IEC 18004)."""
    image = _code(data, error_correction=error_correction, border=border, box_size=box_size).make_image(
        image_factory=PilImage
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def render_svg(data: str, *, border: int = 4, error_correction: str = "M") -> str:
    image = _code(data, error_correction=error_correction, border=border, box_size=10).make_image(
        image_factory=SvgPathImage
    )
    return image.to_string(encoding="unicode")
