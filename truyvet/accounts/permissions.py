"""Who may do what: every predicate on a user's role lives here, once. The page decorators
(``*_required``), the API's permission classes (``permission_class``) and the Django
permissions that core packages ask for (``user.has_perm``, ``truyvet.accounts.backends``)
are all made from these predicates. Which rows a user may then see is the selectors'
business (404 outside the jurisdiction)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http.response import HttpResponseBase
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from truyvet.accounts.jurisdiction import sees_everywhere, sees_province
from truyvet.accounts.models import HEALTH_ROLES, STAFF_ROLES, Role, UnitKind, User

Predicate = Callable[[User | AnonymousUser], bool]

# --- Predicates ----------------------------------------------------------------------------


def is_citizen(user: User | AnonymousUser) -> bool:
    """Signed in as a citizen, by phone and code: their household's pages and messages."""
    return bool(user.is_authenticated and user.role == Role.CITIZEN)


def is_portal_staff(user: User | AnonymousUser) -> bool:
    """Any staff role (not a citizen): the staff side of the portal, checkpoint scanners."""
    return bool(user.is_authenticated and (user.is_superuser or user.role in STAFF_ROLES))


def is_health_staff(user: User | AnonymousUser) -> bool:
    """A health role or an administrator: pages and API of health data."""
    return bool(user.is_authenticated and (user.is_superuser or user.role in HEALTH_ROLES | {Role.ADMINISTRATOR}))


def is_administrator(user: User | AnonymousUser) -> bool:
    """The portal's administrators (and superusers): the administrator's home."""
    return sees_everywhere(user)


def sees_whole_province(user: User | AnonymousUser) -> bool:
    """The CDC (a whole-province unit) and administrators: the province dashboard."""
    return is_health_staff(user) and sees_province(user)


def may_declare_outbreak_zones(user: User | AnonymousUser) -> bool:
    """The province CDC (and administrators) declare and end outbreak zones."""
    return bool(user.is_authenticated and (user.is_superuser or user.role in {Role.PROVINCE_CDC, Role.ADMINISTRATOR}))


def _in_checkpoint_team(user: User | AnonymousUser) -> bool:
    unit = getattr(user, "health_unit", None)
    return unit is not None and unit.kind == UnitKind.CHECKPOINT_TEAM


def may_oversee_checkpoints(user: User | AnonymousUser) -> bool:
    """Health staff and members of a checkpoint team."""
    return is_health_staff(user) or _in_checkpoint_team(user)


def may_manage_checkpoints(user: User | AnonymousUser) -> bool:
    """Administrators, the CDC and checkpoint teams (which checkpoints: ``checkpoints.selectors.manage``)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return sees_everywhere(user) or user.role == Role.PROVINCE_CDC or _in_checkpoint_team(user)


def may_operate_trips(user: User | AnonymousUser) -> bool:
    """Bus operators run their own trips; administrators may open any."""
    return bool(user.is_authenticated and user.is_active and (user.role == Role.BUS_OPERATOR or sees_everywhere(user)))


VENUE_OWNER_ROLES = frozenset({Role.VENUE_OWNER, Role.CITIZEN})


def may_register_venues(user: User | AnonymousUser) -> bool:
    """Venue owners, and citizens signed in by phone (they become owners)."""
    return bool(user.is_authenticated and user.role in VENUE_OWNER_ROLES)


def may_manage_venues(user: User | AnonymousUser) -> bool:
    """The venue pages: owners (and citizens who register one) for their own, health staff."""
    return bool(user.is_authenticated and (user.role in VENUE_OWNER_ROLES or is_health_staff(user)))


def may_vaccinate(user: User | AnonymousUser) -> bool:
    """Staff of vaccination sites (which sites: ``vaccination.selectors.site_list_for``) and administrators."""
    return bool(
        user.is_authenticated and user.is_active and (user.role == Role.VACCINATION_STAFF or sees_everywhere(user))
    )


def may_manage_ioc_feed(user: User | AnonymousUser) -> bool:
    """The province CDC and administrators: the IOC feed's webhooks and pull clients."""
    return bool(user.is_authenticated and (user.is_superuser or user.role in {Role.PROVINCE_CDC, Role.ADMINISTRATOR}))


# --- Pages ---------------------------------------------------------------------------------

View = Callable[..., HttpResponseBase]


def user_passes(test: Predicate) -> Callable[[View], View]:
    """A view decorator: signed in (else the login page) and passing ``test`` (else 403)."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not test(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


health_staff_required = user_passes(is_health_staff)
portal_staff_required = user_passes(is_portal_staff)
checkpoint_overseer_required = user_passes(may_oversee_checkpoints)
checkpoint_manager_required = user_passes(may_manage_checkpoints)
trip_operator_required = user_passes(may_operate_trips)
administrator_required = user_passes(is_administrator)
province_required = user_passes(sees_whole_province)

vaccinator_required = user_passes(may_vaccinate)

ioc_manager_required = user_passes(may_manage_ioc_feed)


# --- API -----------------------------------------------------------------------------------


def permission_class(test: Predicate, name: str) -> type[BasePermission]:
    """A DRF permission class that lets through the users passing ``test``."""

    def has_permission(self: BasePermission, request: Request, view: APIView) -> bool:
        return test(request.user)

    return type(name, (BasePermission,), {"has_permission": has_permission, "__doc__": test.__doc__})


IsPortalStaff = permission_class(is_portal_staff, "IsPortalStaff")
IsHealthStaff = permission_class(is_health_staff, "IsHealthStaff")
MayRegisterVenues = permission_class(may_register_venues, "MayRegisterVenues")
MayVaccinate = permission_class(may_vaccinate, "MayVaccinate")


# --- Django permissions that core packages ask for -------------------------------------------

# ``user.has_perm(name)``: a package below accounts (geo) asks without knowing roles. The
# names are not the admin's model permissions, so the admin site is not opened to anyone.
DJANGO_PERMISSIONS: dict[str, Predicate] = {
    "geo.see_outbreak_zones": is_health_staff,
    "geo.declare_outbreak_zones": may_declare_outbreak_zones,
}
