"""The A4 venue poster (300 dpi PNG or PDF), Vietnamese and English."""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

from truyvet.geo.names import address_with_ward
from truyvet.lib.drawing import centred, print_bytes
from truyvet.lib.qr import render_png

if TYPE_CHECKING:
    from venues.models import Venue

A4_300DPI = (2480, 3508)
BLUE = (13, 110, 253)
INSTRUCTIONS = [
    ("1. Mở camera điện thoại", "Open your phone camera"),
    ("2. Quét mã QR này", "Scan this QR code"),
    ("3. Chạm “Check-in”", "Tap “Check in”"),
]


def venue_poster(venue: Venue, *, checkin_url: str, fmt: str) -> bytes:
    """The poster of a venue (``fmt`` "png" or "pdf"), its QR leading to ``checkin_url``."""
    return render_poster(
        name=venue.name,
        address=address_with_ward(venue.address, venue.ward.name),
        category=f"{venue.get_category_display()}",
        code=venue.code,
        checkin_url=checkin_url,
        fmt=fmt,
    )


def render_poster(*, name: str, address: str, category: str, code: str, checkin_url: str, fmt: str) -> bytes:
    page = Image.new("RGB", A4_300DPI, "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle([0, 0, A4_300DPI[0], 330], fill=BLUE)
    centred(draw, A4_300DPI[0], 60, "QUÉT MÃ QR ĐỂ CHECK-IN", 120, bold=True, fill=(255, 255, 255))
    centred(draw, A4_300DPI[0], 210, "Scan to check in · Khai báo y tế", 70, fill=(255, 255, 255))
    y = 400
    for line in textwrap.wrap(name, width=28)[:3]:
        y = centred(draw, A4_300DPI[0], y, line, 110, bold=True)
    y = centred(draw, A4_300DPI[0], y + 10, category, 56, fill=(90, 90, 90))
    for line in textwrap.wrap(address, width=60)[:2]:
        y = centred(draw, A4_300DPI[0], y, line, 56, fill=(60, 60, 60))
    # 1,700 px at 300 dpi is 14.4 cm: a phone reads it from well over a metre.
    side = 1700
    qr = Image.open(io.BytesIO(render_png(checkin_url, box_size=16, border=4, error_correction="Q"))).convert("RGB")
    qr = qr.resize((side, side), Image.Resampling.NEAREST)
    top = max(y + 40, 1000)
    page.paste(qr, ((A4_300DPI[0] - side) // 2, top))
    y = centred(draw, A4_300DPI[0], top + side + 20, f"Mã địa điểm / Venue code: {code}", 64, bold=True)
    y += 30
    for vietnamese, english in INSTRUCTIONS:
        y = centred(draw, A4_300DPI[0], y, vietnamese, 72, bold=True)
        y = centred(draw, A4_300DPI[0], y - 10, english, 56, fill=(70, 70, 70))
    centred(
        draw,
        A4_300DPI[0],
        A4_300DPI[1] - 120,
        "Dữ liệu chỉ dùng để truy vết, xóa sau 21 ngày · Used only for tracing, deleted after 21 days",
        42,
        fill=(90, 90, 90),
    )
    return print_bytes(page, fmt)
