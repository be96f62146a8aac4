from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "truyvet.credentials"
    label = "credentials"
    verbose_name = _("Personal QR credentials")
