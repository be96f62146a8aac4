"""Role-aware navigation, in groups. Each app adds its entries here as its pages land.

The staff bar shows one menu per group (``GROUPS``, in this order) holding the items the
user's role may open; a group with one item is a plain link, a group with none is left out.
To add a page: one ``NavItem`` line at the end of ``NAV``, naming its group
(``group=NavGroup.VENUES``); an item that names none goes to "More"."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.urls import get_script_prefix, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from truyvet.accounts.models import STAFF_ROLES, Role, User
from truyvet.accounts.permissions import is_portal_staff


class NavGroup(models.TextChoices):
    # Short words ("menu" context): six of them, the languages and the account fit one line at 800 px.
    TRACING = "tracing", pgettext_lazy("menu", "Tracing")
    DECLARATIONS = "declarations", pgettext_lazy("menu", "Declarations")
    VENUES = "venues", pgettext_lazy("menu", "Venues")
    CHECKPOINTS = "checkpoints", pgettext_lazy("menu", "Checkpoints")
    REPORTS = "reports", pgettext_lazy("menu", "Reports")
    MORE = "more", pgettext_lazy("menu", "More")
    ADMIN = "admin", pgettext_lazy("menu", "Admin")


GROUPS: list[NavGroup] = list(NavGroup)  # the order of the bar


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[str] | None  # None: every signed-in staff user
    group: NavGroup = NavGroup.MORE


_HEALTH = frozenset({Role.PROVINCE_CDC, Role.HEALTH_CENTRE, Role.COMMUNE_STATION, Role.ADMINISTRATOR})
_CDC = frozenset({Role.PROVINCE_CDC, Role.ADMINISTRATOR})
# Roles whose units receive alerts (venue owners, bus operators and facility managers have no unit).
_ALERTED = STAFF_ROLES - {Role.VENUE_OWNER, Role.BUS_OPERATOR, Role.FACILITY_MANAGER}

NAV: list[NavItem] = [
    NavItem(_("Alerts"), "accounts:alerts", _ALERTED, NavGroup.TRACING),
    NavItem(_("Cases"), "contacts:case_list", _HEALTH, NavGroup.TRACING),
    NavItem(_("Follow-up"), "contacts:follow_ups", _HEALTH, NavGroup.TRACING),
    NavItem(_("Outbreak zones"), "geo:zones", _HEALTH, NavGroup.TRACING),
    NavItem(_("Declarations"), "declarations:staff_list", _HEALTH, NavGroup.DECLARATIONS),
    NavItem(_("Duplicates"), "people:duplicates", _HEALTH, NavGroup.DECLARATIONS),
    NavItem(_("Venues"), "venues:list", _HEALTH | {Role.VENUE_OWNER}, NavGroup.VENUES),
    NavItem(
        _("Scanner"), "checkpoints:scanner_home", frozenset({Role.CHECKPOINT_STAFF, Role.ADMINISTRATOR}),
        NavGroup.CHECKPOINTS,
    ),
    NavItem(_("Checkpoints"), "checkpoints:monitor", _HEALTH | {Role.CHECKPOINT_STAFF}, NavGroup.CHECKPOINTS),
    NavItem(
        _("Manage checkpoints"), "checkpoints:manage", _CDC | {Role.CHECKPOINT_STAFF}, NavGroup.CHECKPOINTS
    ),
    NavItem(_("Bus trips"), "checkpoints:trip_list", frozenset({Role.BUS_OPERATOR, Role.ADMINISTRATOR}),
            NavGroup.CHECKPOINTS),
    NavItem(_("Province dashboard"), "operations:province", _CDC, NavGroup.REPORTS),
    NavItem(_("Today's work"), "operations:today", _HEALTH, NavGroup.REPORTS),
    NavItem(_("Check-in reports"), "venues:reports", _HEALTH, NavGroup.REPORTS),
    NavItem(_("Checkpoint report"), "checkpoints:report", _HEALTH | {Role.CHECKPOINT_STAFF}, NavGroup.REPORTS),
    NavItem(_("System"), "admin_home", frozenset({Role.ADMINISTRATOR}), NavGroup.ADMIN),
    NavItem(_("API"), "api-docs", _CDC, NavGroup.ADMIN),
    NavItem(_("COVID-safe map"), "safetymap:facilities", _HEALTH, NavGroup.VENUES),
    NavItem(_("Facility reports"), "safetymap:moderation", _HEALTH, NavGroup.VENUES),
    NavItem(_("My facilities"), "safetymap:my_facilities", frozenset({Role.FACILITY_MANAGER}), NavGroup.VENUES),
    # A vaccinator's one link; an administrator finds the sites under Admin (a seventh group does not fit 800 px).
    NavItem(_("Vaccination site"), "vaccination:sites", frozenset({Role.VACCINATION_STAFF, Role.ADMINISTRATOR}),
            NavGroup.ADMIN),
    NavItem(_("Edge devices"), "edge_devices:list", _HEALTH | {Role.CHECKPOINT_STAFF}, NavGroup.CHECKPOINTS),
    NavItem(_("IOC feed"), "ioc:index", _CDC, NavGroup.ADMIN),
    # Employers' representatives are venue owners or facility managers (vaccination.Employer).
    NavItem(_("Employees' vaccination"), "vaccination:employers",
            frozenset({Role.VENUE_OWNER, Role.FACILITY_MANAGER}), NavGroup.VENUES),
    NavItem(_("Vaccination coverage"), "vaccination:coverage", _HEALTH, NavGroup.REPORTS),
    NavItem(_("Reactions after vaccination"), "vaccination:reactions", _HEALTH, NavGroup.REPORTS),
]  # fmt: skip


CITIZEN_NAV: list[NavItem] = [
    NavItem(_("My household"), "declarations:household", None),
    NavItem(_("Messages"), "accounts:me", None),
    NavItem(_("Register a venue"), "venues:new", None),
    NavItem(_("Vaccination registration"), "vaccination:register", None),
    NavItem(_("My vaccinations"), "vaccination:mine", None),
]


@functools.lru_cache(maxsize=256)
def _url(url_name: str, script_prefix: str) -> str:
    """The bar's links take no arguments: each is reversed once per script prefix."""
    return reverse(url_name)


def _link(item: NavItem, path: str) -> dict[str, Any]:
    url = _url(item.url_name, get_script_prefix())
    return {"label": item.label, "url": url, "active": path == url}


def nav_for(user: User | AnonymousUser, path: str = "") -> list[dict[str, Any]]:
    """The bar: ``[{"label", "url", "active", "items"}]``, one entry per group with items
    (``items`` empty and ``url`` set when the group holds one: a plain link). Citizens get
    their three links."""
    if not user.is_authenticated:
        return []
    if not is_portal_staff(user):
        return [{**_link(item, path), "items": []} for item in CITIZEN_NAV]
    mine = [item for item in NAV if item.roles is None or user.is_superuser or user.role in item.roles]
    if user.is_staff:  # Django's admin site, for those who may open it
        mine.append(NavItem(_("Admin site"), "admin:index", None, NavGroup.ADMIN))
    bar = []
    for group in GROUPS:
        links = [_link(item, path) for item in mine if item.group == group]
        if len(links) == 1:
            bar.append({**links[0], "items": []})
        elif links:
            bar.append(
                {"label": group.label, "url": "", "items": links, "active": any(link["active"] for link in links)}
            )
    return bar
