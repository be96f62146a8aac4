from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from truyvet.accounts.models import Role


@register()
def otp_required_roles_are_roles(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    unknown = sorted(set(settings.OTP_REQUIRED_ROLES) - set(Role.values))
    if not unknown:
        return []
    return [
        Error(
            f"OTP_REQUIRED_ROLES names unknown roles: {', '.join(unknown)}",
            hint=f"Use some of: {', '.join(Role.values)}",
            id="accounts.E001",
        )
    ]
