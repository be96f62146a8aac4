from __future__ import annotations

from django.apps import AppConfig


class VaccinationConfig(AppConfig):
    name = "vaccination"
