from __future__ import annotations

from django.apps import AppConfig


class SafetymapConfig(AppConfig):
    name = "safetymap"
