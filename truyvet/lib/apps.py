from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibConfig(AppConfig):
    name = "truyvet.lib"
    label = "lib"
    verbose_name = _("Audit and notifications")

    def ready(self) -> None:
        from truyvet.lib.messages import load_app_messages

        load_app_messages()
