from __future__ import annotations

from django.apps import AppConfig


class VaccinationConfig(AppConfig):
    name = "vaccination"

    def ready(self) -> None:
        # The appointments' message codes and Celery task (modules of their own, beside
        # the app's ``messages`` and ``tasks``).
        from vaccination import appointment_messages, appointment_tasks  # noqa: F401
