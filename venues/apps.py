from __future__ import annotations

from django.apps import AppConfig


class VenuesConfig(AppConfig):
    name = "venues"
