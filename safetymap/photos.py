"""A report's photo, checked by what it holds rather than its name: a JPEG, PNG or WebP of at
most ``SAFETYMAP_PHOTO_MAX_MB`` that Pillow decodes, re-encoded from its pixels alone, so
no EXIF (the GPS position, the phone's make, the time), XMP or ICC block of the original
survives. A photo larger than ``MAX_SIDE`` pixels is scaled down; it is kept as a JPEG
(or a PNG when it has transparency)."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from safetymap.errors import SafetymapError
from truyvet.lib.errors import DomainError

FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_SIDE = 2048
MAX_PIXELS = 50_000_000  # a decompression bomb is refused before it is decoded


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes
    extension: str  # "jpg" or "png"


def _refuse() -> DomainError:
    return DomainError(_("Send a photo: a JPEG, PNG or WebP image."), SafetymapError.PHOTO_TYPE, field="photo")


def photo_clean(stream: IO[bytes], size: int) -> CleanPhoto:
    """The photo re-encoded without any metadata, or a ``DomainError`` on the field ``photo``."""
    limit = settings.SAFETYMAP_PHOTO_MAX_MB * 1024 * 1024
    if size > limit:
        raise DomainError(
            _("The photo is too large (%(mb)s MB at most).") % {"mb": settings.SAFETYMAP_PHOTO_MAX_MB},
            SafetymapError.PHOTO_TOO_LARGE,
            field="photo",
        )
    stream.seek(0)
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise DomainError(
            _("The photo is too large (%(mb)s MB at most).") % {"mb": settings.SAFETYMAP_PHOTO_MAX_MB},
            SafetymapError.PHOTO_TOO_LARGE,
            field="photo",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=sorted(FORMATS)) as original:
                if original.format not in FORMATS or original.width * original.height > MAX_PIXELS:
                    raise _refuse()
                original.load()
                # Turn the pixels as the phone meant (its EXIF orientation), then forget the EXIF.
                upright = ImageOps.exif_transpose(original)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
        raise _refuse() from None
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    transparent = upright.mode in {"RGBA", "LA"} or (upright.mode == "P" and "transparency" in upright.info)
    # A new image from the pixels alone: no info, EXIF, XMP or ICC profile is carried over.
    pixels = upright.convert("RGBA" if transparent else "RGB")
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    if transparent:
        clean.save(out, format="PNG", optimize=True)
        return CleanPhoto(out.getvalue(), "png")
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return CleanPhoto(out.getvalue(), "jpg")
