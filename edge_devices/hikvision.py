"""The adapter for a Hikvision thermal camera's own push (ISAPI event notification, "HTTP
listening" / alarm server, JSON format), so a camera that cannot be reprogrammed to our JSON
still posts readings. docs/DEVICES.md lists every field read and what it becomes.

The camera posts ``multipart/form-data``: one part with ``Content-Type: application/json``
holding the event, then zero or more ``image/jpeg`` parts (the visible-light snapshot and
the thermal picture). The parts are read from the raw body with the standard library's MIME
parser, since firmware does not always give a picture part a file name (Django would then
read the JPEG as text).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from django.utils.dateparse import parse_datetime

from edge_devices.errors import DeviceError
from edge_devices.schemas import reading_input
from edge_devices.services import ReadingInput
from truyvet.lib.errors import DomainError

# Where the event's client_id comes from: the same event re-sent is the same reading.
NAMESPACE = uuid.UUID("5b0c6f3e-6a55-4d0e-9a43-0b6c1d7e2f10")
HEARTBEAT_TYPES = frozenset({"heartBeat", "heartbeat"})
THERMAL_BLOCKS = ("ThermometryAlarm", "ThermometryInfo", "AccessControllerEvent", "FaceTemperatureMeasurementEvent")


@dataclass(frozen=True)
class CameraEvent:
    heartbeat: bool
    reading: ReadingInput | None


def _parts(content_type: str, body: bytes) -> list[Message]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise DomainError("Send the event as multipart/form-data.", DeviceError.EVENT_UNREADABLE)
    return [part for part in message.iter_parts() if isinstance(part, Message)]


def _event(parts: list[Message]) -> dict[str, Any]:
    for part in parts:
        if part.get_content_type() == "application/json" or part.get_param("name", header="content-disposition") in (
            "event_log",
            "EventNotificationAlert",
        ):
            payload = part.get_payload(decode=True)
            try:
                data = json.loads(payload if isinstance(payload, bytes) else b"")
            except ValueError:
                break
            if isinstance(data, dict):
                return data
    raise DomainError("No JSON event part could be read.", DeviceError.EVENT_UNREADABLE, field="event_log")


def _picture(parts: list[Message]) -> bytes | None:
    """The visible-light snapshot (the face), else the first JPEG part."""
    pictures = []
    for part in parts:
        if part.get_content_type() not in ("image/jpeg", "image/jpg", "application/octet-stream"):
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes) and data:
            name = str(part.get_param("name", header="content-disposition") or "")
            pictures.append((0 if "visible" in name.lower() else 1, data))
    return min(pictures, key=lambda p: p[0])[1] if pictures else None


def _celsius(value: Any, unit: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise DomainError("The temperature is not a number.", DeviceError.EVENT_NOT_THERMAL) from None
    if not number.is_finite():
        raise DomainError("The temperature is not a number.", DeviceError.EVENT_NOT_THERMAL)
    unit = unit.lower()
    if unit == "fahrenheit":
        number = (number - 32) * 5 / 9
    elif unit == "kelvin":
        number -= Decimal("273.15")
    return number.quantize(Decimal("0.1"))


def _thermal(event: dict[str, Any]) -> tuple[Decimal, Decimal | None]:
    """The current temperature (and the alarm threshold, kept for the record) of the event."""
    for block_name in THERMAL_BLOCKS:
        block = event.get(block_name)
        if isinstance(block, list) and block and isinstance(block[0], dict):
            block = block[0]
        if isinstance(block, dict) and "currTemperature" in block:
            unit = str(block.get("thermometryUnit") or "celsius")
            alarm = block.get("alarmTemperature", block.get("ruleTemperature"))
            return _celsius(block["currTemperature"], unit), (_celsius(alarm, unit) if alarm is not None else None)
    raise DomainError("The event carries no current temperature.", DeviceError.EVENT_NOT_THERMAL)


def camera_event(content_type: str, body: bytes) -> CameraEvent:
    parts = _parts(content_type, body)
    event = _event(parts)
    kind = str(event.get("eventType") or "")
    if kind in HEARTBEAT_TYPES:
        return CameraEvent(heartbeat=True, reading=None)
    when = event.get("dateTime")
    captured_at = parse_datetime(when) if isinstance(when, str) else None
    if captured_at is None or captured_at.tzinfo is None:
        raise DomainError(
            "The event's dateTime is not an ISO 8601 time with its offset.",
            DeviceError.EVENT_UNREADABLE,
            field="dateTime",
        )
    temperature, _alarm = _thermal(event)
    key = "|".join(str(event.get(k, "")) for k in ("macAddress", "channelID", "dateTime", "eventType", "UUID"))
    return CameraEvent(
        heartbeat=False,
        reading=reading_input(
            client_id=uuid.uuid5(NAMESPACE, f"{key}|{temperature}"),
            captured_at=captured_at,
            temperature=temperature,
            image=_picture(parts),
            source="hikvision",
        ),
    )
