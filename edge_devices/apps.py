from __future__ import annotations

from django.apps import AppConfig


class EdgeDevicesConfig(AppConfig):
    name = "edge_devices"

    def ready(self) -> None:
        from edge_devices import panels

        panels.register()
