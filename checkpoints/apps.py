from __future__ import annotations

from django.apps import AppConfig


class CheckpointsConfig(AppConfig):
    name = "checkpoints"

    def ready(self) -> None:
        from checkpoints import receivers  # noqa: F401  (connects the person-merge receiver)
