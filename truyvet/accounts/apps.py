from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "truyvet.accounts"
    label = "accounts"
    verbose_name = _("Accounts and health units")

    def ready(self) -> None:
        from truyvet.accounts import checks, signals  # noqa: F401  (registers receivers and checks)
