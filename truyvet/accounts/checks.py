from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.urls import NoReverseMatch, reverse

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


@register(Tags.urls)
def staff_home_pages_exist(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Each entry of ``STAFF_HOME_PAGES`` is a role and names a page that exists."""
    problems: list[CheckMessage] = []
    for role, url_name in settings.STAFF_HOME_PAGES.items():
        if role not in Role.values:
            problems.append(
                Error(
                    f"STAFF_HOME_PAGES names an unknown role: {role}",
                    hint=f"Use one of: {', '.join(Role.values)}",
                    id="accounts.E002",
                )
            )
            continue
        try:
            reverse(url_name)
        except NoReverseMatch:
            problems.append(
                Error(f"STAFF_HOME_PAGES[{role!r}] = {url_name!r} is no page without arguments", id="accounts.E003")
            )
    return problems
