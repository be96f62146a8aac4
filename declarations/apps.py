from __future__ import annotations

from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "declarations"
