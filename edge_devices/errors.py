"""The codes of every error edge_devices can answer, each with its words.

A code keeps its string forever (device firmware and the IOC depend on it).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from truyvet.lib.errors import ErrorCode


class DeviceError(ErrorCode):
    # Registering and managing devices.
    SERIAL_TAKEN = "serial_taken", _("a device in service already has this serial number")
    MAC_INVALID = "mac_invalid", _("not a MAC address")
    REVOKED = "device_revoked", _("the device was withdrawn")
    # Readings.
    TEMPERATURE_OUT_OF_RANGE = "temperature_out_of_range", _("the temperature is outside 30–45 °C")
    CAPTURED_IN_FUTURE = "captured_in_future", _("the reading's time is in the future")
    CAPTURED_TOO_OLD = "captured_too_old", _("the reading is too old")
    IMAGE_TOO_LARGE = "image_too_large", _("the image is larger than allowed")
    IMAGE_NOT_JPEG = "image_not_jpeg", _("the image is not a JPEG")
    IMAGE_BASE64 = "image_base64_invalid", _("the image is not valid base64")
    EVENT_UNREADABLE = "event_unreadable", _("the camera's event could not be read")
    EVENT_NOT_THERMAL = "event_not_thermal", _("the camera's event carries no temperature")
