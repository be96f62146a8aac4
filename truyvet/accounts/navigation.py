"""Role-aware navigation. Each app adds its entries here as its pages land."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from truyvet.accounts.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[str] | None  # None: every signed-in staff user


NAV: list[NavItem] = [
    NavItem(_("Alerts"), "accounts:home", None),
    NavItem(
        _("Outbreak zones"),
        "geo:zones",
        frozenset({Role.PROVINCE_CDC, Role.HEALTH_CENTRE, Role.COMMUNE_STATION, Role.ADMINISTRATOR}),
    ),
    NavItem(_("API"), "api-docs", frozenset({Role.ADMINISTRATOR, Role.PROVINCE_CDC})),
]


def nav_for(user: Any) -> list[dict[str, Any]]:
    if not user.is_authenticated or not user.is_portal_staff:
        return []
    return [
        {"label": item.label, "url": reverse(item.url_name)}
        for item in NAV
        if item.roles is None or user.is_superuser or user.role in item.roles
    ]
