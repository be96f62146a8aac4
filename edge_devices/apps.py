from __future__ import annotations

from django.apps import AppConfig


class EdgeDevicesConfig(AppConfig):
    name = "edge_devices"
