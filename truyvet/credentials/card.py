"""The printable personal QR card (A6, 300 dpi) as PNG or PDF, for people without a phone."""

from __future__ import annotations

import io
from datetime import datetime

from django.utils import timezone
from PIL import Image, ImageDraw

from truyvet.lib.drawing import centred, print_bytes
from truyvet.lib.qr import render_png

A6_300DPI = (1240, 1748)
RISK_COLOURS = {"green": (25, 135, 84), "yellow": (255, 193, 7), "red": (220, 53, 69)}


def render_card(
    *, token: str, full_name: str, date_of_birth: str, risk_level: str, expires_at: datetime, fmt: str
) -> bytes:
    card = Image.new("RGB", A6_300DPI, "white")
    draw = ImageDraw.Draw(card)
    colour = RISK_COLOURS.get(risk_level, (108, 117, 125))
    draw.rectangle([0, 0, A6_300DPI[0], 150], fill=colour)
    text_on_band = (0, 0, 0) if risk_level == "yellow" else (255, 255, 255)
    centred(draw, A6_300DPI[0], 30, "THẺ MÃ QR CÁ NHÂN", 56, bold=True, fill=text_on_band)
    centred(draw, A6_300DPI[0], 98, "Personal QR card", 36, fill=text_on_band)
    centred(draw, A6_300DPI[0], 190, full_name, 58, bold=True)
    if date_of_birth:
        centred(draw, A6_300DPI[0], 270, f"Ngày sinh / Born: {date_of_birth}", 36)
    qr = Image.open(io.BytesIO(render_png(token, box_size=12, border=4, error_correction="M"))).convert("RGB")
    side = 1000
    qr = qr.resize((side, side), Image.Resampling.NEAREST)
    card.paste(qr, ((A6_300DPI[0] - side) // 2, 340))
    local = timezone.localtime(expires_at)
    centred(draw, A6_300DPI[0], 1370, f"Hết hạn / Expires: {local:%d/%m/%Y %H:%M}", 40, bold=True)
    lines = [
        "Xuất trình thẻ này tại chốt kiểm dịch, địa điểm công cộng.",
        "Show this card at checkpoints and public places.",
        "Khai báo lại để gia hạn. Declare again to renew.",
    ]
    for index, line in enumerate(lines):
        centred(draw, A6_300DPI[0], 1460 + index * 60, line, 32)
    return print_bytes(card, fmt)
