from __future__ import annotations

from django.apps import AppConfig


class ReliefConfig(AppConfig):
    """The operations map's SOS help requests and volunteer register."""

    name = "relief"
