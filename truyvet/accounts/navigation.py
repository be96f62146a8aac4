"""Role-aware navigation. Each app adds its entries here as its pages land."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from truyvet.accounts.models import Role, User
from truyvet.accounts.permissions import is_portal_staff


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[str] | None  # None: every signed-in staff user


_HEALTH = frozenset({Role.PROVINCE_CDC, Role.HEALTH_CENTRE, Role.COMMUNE_STATION, Role.ADMINISTRATOR})

NAV: list[NavItem] = [
    NavItem(_("Alerts"), "accounts:home", None),
    NavItem(_("Declarations"), "declarations:staff_list", _HEALTH),
    NavItem(_("Cases"), "contacts:case_list", _HEALTH),
    NavItem(_("Follow-up"), "contacts:follow_ups", _HEALTH),
    NavItem(_("Venues"), "venues:list", _HEALTH | {Role.VENUE_OWNER}),
    NavItem(_("Check-in reports"), "venues:reports", _HEALTH),
    NavItem(_("Duplicates"), "people:duplicates", _HEALTH),
    NavItem(_("Scanner"), "checkpoints:scanner_home", frozenset({Role.CHECKPOINT_STAFF, Role.ADMINISTRATOR})),
    NavItem(_("Checkpoints"), "checkpoints:monitor", _HEALTH | {Role.CHECKPOINT_STAFF}),
    NavItem(_("Checkpoint report"), "checkpoints:report", _HEALTH | {Role.CHECKPOINT_STAFF}),
    NavItem(
        _("Manage checkpoints"),
        "checkpoints:manage",
        frozenset({Role.PROVINCE_CDC, Role.ADMINISTRATOR, Role.CHECKPOINT_STAFF}),
    ),
    NavItem(_("Bus trips"), "checkpoints:trip_list", frozenset({Role.BUS_OPERATOR, Role.ADMINISTRATOR})),
    NavItem(
        _("Outbreak zones"),
        "geo:zones",
        frozenset({Role.PROVINCE_CDC, Role.HEALTH_CENTRE, Role.COMMUNE_STATION, Role.ADMINISTRATOR}),
    ),
    NavItem(_("API"), "api-docs", frozenset({Role.ADMINISTRATOR, Role.PROVINCE_CDC})),
    NavItem(_("Edge devices"), "edge_devices:list", _HEALTH | {Role.CHECKPOINT_STAFF}),
    NavItem(_("IOC feed"), "ioc:index", frozenset({Role.ADMINISTRATOR, Role.PROVINCE_CDC})),
]


CITIZEN_NAV: list[NavItem] = [
    NavItem(_("My household"), "declarations:household", None),
    NavItem(_("Messages"), "accounts:me", None),
    NavItem(_("Register a venue"), "venues:new", None),
]


def nav_for(user: User | AnonymousUser) -> list[dict[str, Any]]:
    if not user.is_authenticated:
        return []
    if not is_portal_staff(user):
        return [{"label": item.label, "url": reverse(item.url_name)} for item in CITIZEN_NAV]
    return [
        {"label": item.label, "url": reverse(item.url_name)}
        for item in NAV
        if item.roles is None or user.is_superuser or user.role in item.roles
    ]
