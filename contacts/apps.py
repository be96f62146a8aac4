from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Tracing")

    def ready(self) -> None:
        from contacts import receivers  # noqa: F401  (connects the person-merge receiver)
