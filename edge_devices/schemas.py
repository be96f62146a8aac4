"""The bodies of the edge device API (API.md, Edge devices), each defined once, and the
bounds every reading is held to, whichever way it came (JSON, multipart, a camera's own
event through ``edge_devices.hikvision``)."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated

from django.conf import settings
from django.utils import timezone
from msgspec import Meta

from edge_devices.errors import DeviceError
from edge_devices.models import DeviceKind
from edge_devices.services import DeviceInput, ReadingInput
from truyvet.lib import schema
from truyvet.lib.bounds import MAX_INT
from truyvet.lib.errors import DomainError
from truyvet.lib.schema import Body

# A device's clock may run this far ahead of the server's before its time is "the future".
CLOCK_SKEW = timedelta(seconds=30)
JPEG_MAGIC = b"\xff\xd8\xff"


class DeviceIn(Body):
    """A device to register at a checkpoint the caller oversees."""

    kind: DeviceKind
    checkpoint_id: Annotated[int, Meta(ge=1, le=MAX_INT)]
    serial: Annotated[str, Meta(min_length=1, max_length=64)]
    mac: Annotated[str, Meta(max_length=17)] = ""
    label: Annotated[str, Meta(max_length=100)] = ""

    def device(self) -> DeviceInput:
        return DeviceInput(
            kind=self.kind,
            serial=schema.text(self.serial, "serial", required=True),
            mac=schema.text(self.mac, "mac"),
            label=schema.text(self.label, "label"),
        )


class ReadingIn(Body):
    """A reading from a device. `image_jpeg_b64` (JSON) or the `image` file part (multipart):
    a JPEG of at most 2 MB."""

    client_id: Annotated[str, Meta(extra_json_schema={"format": "uuid"})]
    captured_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]
    temperature_c: int | float | str
    image_jpeg_b64: Annotated[str, Meta(max_length=3_000_000)] | None = None
    qr_token: Annotated[str, Meta(max_length=4096)] | None = None

    def reading(self, *, image: bytes | None = None, source: str = "json") -> ReadingInput:
        client_id = schema.client_id(self.client_id)
        if self.image_jpeg_b64:
            image = image_from_base64(self.image_jpeg_b64)
        return reading_input(
            client_id=client_id,
            captured_at=schema.aware_time(self.captured_at, "captured_at"),
            temperature=schema.decimal_tenth(self.temperature_c, "temperature_c"),
            image=image,
            qr_token=schema.stored_text(self.qr_token or "", "qr_token"),
            source=source,
        )


def image_from_base64(text: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise DomainError("The image is not valid base64.", DeviceError.IMAGE_BASE64, field="image_jpeg_b64") from None


def check_image(data: bytes, field: str = "image") -> bytes:
    """A JPEG by its content (the start of image marker), within ``EDGE_IMAGE_MAX_BYTES``."""
    limit = settings.EDGE_IMAGE_MAX_BYTES
    if len(data) > limit:
        raise DomainError(f"The image is larger than {limit} bytes.", DeviceError.IMAGE_TOO_LARGE, field=field)
    if not data.startswith(JPEG_MAGIC):
        raise DomainError("The image is not a JPEG.", DeviceError.IMAGE_NOT_JPEG, field=field)
    return data


def reading_input(
    *,
    client_id: uuid.UUID,
    captured_at: datetime,
    temperature: Decimal,
    image: bytes | None,
    qr_token: str = "",
    source: str = "json",
) -> ReadingInput:
    """The reading within its bounds, or a DomainError (400) with the code of the first broken."""
    if not Decimal(30) <= temperature <= Decimal(45):
        raise DomainError(
            "The temperature must be from 30 to 45 °C.", DeviceError.TEMPERATURE_OUT_OF_RANGE, field="temperature_c"
        )
    now = timezone.now()
    if captured_at > now + CLOCK_SKEW:
        raise DomainError("The reading's time is in the future.", DeviceError.CAPTURED_IN_FUTURE, field="captured_at")
    if captured_at < now - timedelta(hours=settings.EDGE_READING_MAX_AGE_HOURS):
        raise DomainError("The reading is too old.", DeviceError.CAPTURED_TOO_OLD, field="captured_at")
    if image is not None:
        check_image(image)
    return ReadingInput(
        client_id=client_id,
        captured_at=captured_at,
        temperature_c=temperature,
        image=image or None,
        qr_token=qr_token,
        source=source,
    )
