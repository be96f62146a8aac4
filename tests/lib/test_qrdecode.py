"""Reading personal QR codes from photos on the server."""

from __future__ import annotations

import random
import string

from truyvet.lib.qr import render_png
from truyvet.lib.qrdecode import decode_qr_image


def test_every_one_of_sixty_token_sized_codes_is_read_back():
    # OpenCV's classic detector alone missed several of these (about one in twelve).
    chars = random.Random(7)
    alphabet = string.ascii_letters + string.digits + "-_."
    texts = ["".join(chars.choice(alphabet) for _ in range(250)) for _ in range(60)]
    assert [decode_qr_image(render_png(text, box_size=8)) for text in texts] == texts
