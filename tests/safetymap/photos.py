"""Photos as a phone takes them: a JPEG with EXIF that names the camera and, in its GPS block,
where it was taken (built with Pillow, as a phone's camera writes it)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

GPS_IFD = 0x8825
MAKE, MODEL, DATETIME = 0x010F, 0x0110, 0x0132


def photo_with_gps(*, size: tuple[int, int] = (640, 480), fmt: str = "JPEG") -> bytes:
    """A photo (a gradient with shapes, so it compresses like one) whose EXIF holds the
    phone's make and model and a GPS position in Lai Châu (22°23'24" N, 103°27'36" E)."""
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(size[1]):
        draw.line([(0, y), (size[0], y)], fill=(40 + y % 200, 90, 160 - y % 120))
    draw.ellipse([100, 100, 300, 300], fill=(230, 200, 30))
    exif = Image.Exif()
    exif[MAKE] = "Xiaomi"
    exif[MODEL] = "Redmi Note 10"
    exif[DATETIME] = "2026:12:06 08:15:00"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (22.0, 23.0, 24.0), 3: "E", 4: (103.0, 27.0, 36.0)})
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif, quality=90)
    return out.getvalue()


def has_gps(content: bytes) -> bool:
    with Image.open(io.BytesIO(content)) as image:
        exif = image.getexif()
        return bool(exif.get_ifd(GPS_IFD)) or MAKE in exif or MODEL in exif or "exif" in image.info
