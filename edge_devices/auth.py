"""``Authorization: Device <key>`` (API.md): the device in service whose key it is.

Cameras that cannot set a header of their own (a Hikvision's HTTP host notification) may
send the key as the password of HTTP Basic authentication, with any user name.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from edge_devices.models import Device
from edge_devices.selectors import device_by_key


class DeviceAuthentication(BaseAuthentication):
    keyword = "Device"

    def authenticate(self, request: Request) -> tuple[AnonymousUser, Device] | None:
        parts = get_authorization_header(request).split()
        if not parts:
            return None
        scheme = parts[0].lower()
        if scheme == b"device" and len(parts) == 2:
            key = parts[1].decode("latin-1")
        elif scheme == b"basic" and len(parts) == 2:
            try:
                key = base64.b64decode(parts[1], validate=True).decode("latin-1").partition(":")[2]
            except (binascii.Error, ValueError):
                raise AuthenticationFailed("Invalid device key.") from None
        else:
            return None
        device = device_by_key(key)
        if device is None:
            raise AuthenticationFailed("Invalid device key.")
        return AnonymousUser(), device

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class IsDevice(BasePermission):
    """A device in service, authenticated by its key."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return isinstance(request.auth, Device)


def device_of(request: Request) -> Device | None:
    return request.auth if isinstance(request.auth, Device) else None


class DeviceAuthenticationScheme(OpenApiAuthenticationExtension):
    """``Authorization: Device <key>`` in the OpenAPI document."""

    target_class = "edge_devices.auth.DeviceAuthentication"
    name = "deviceKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Device <key>`: the key given when the device was registered.",
        }
