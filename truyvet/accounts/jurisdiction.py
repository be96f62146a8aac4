"""Jurisdiction: which wards a user may see. The one place every scoped read goes through.

- superusers and administrators: everywhere;
- a member of a unit marked ``whole_province`` (the CDC): every ward of the home province;
- any other unit member: the unit's wards;
- everybody else (citizens, venue owners, a staff user with no unit): no ward.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from truyvet.accounts.models import HEALTH_ROLES, Role, User
from truyvet.geo.models import Ward

M = TypeVar("M", bound=Model)


def sees_everywhere(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.role == Role.ADMINISTRATOR))


def sees_province(user: User | AnonymousUser) -> bool:
    """Administrators and the CDC (a ``whole_province`` unit): the province's tracing covers
    people who live elsewhere or whose ward is not known, and these users see all of it."""
    if sees_everywhere(user):
        return True
    unit = getattr(user, "health_unit", None) if user.is_authenticated and user.is_active else None
    return bool(unit is not None and unit.whole_province)


def jurisdiction_wards(user: User | AnonymousUser) -> QuerySet[Ward]:
    if sees_everywhere(user):
        return Ward.objects.all()
    unit = getattr(user, "health_unit", None) if user.is_authenticated and user.is_active else None
    if unit is None:
        return Ward.objects.none()
    if unit.whole_province:
        return Ward.objects.filter(province_id=settings.PROVINCE_CODE)
    return Ward.objects.filter(health_units=unit)


def ward_filter(user: User | AnonymousUser, ward_field: str = "ward") -> Q | None:
    """A filter keeping rows whose ``ward_field`` lies in the user's jurisdiction; None: no limit."""
    if sees_everywhere(user):
        return None
    return Q(**{f"{ward_field}__in": jurisdiction_wards(user).values("code")})


def scope_to_jurisdiction(qs: QuerySet[M], user: User | AnonymousUser, *, ward_field: str = "ward") -> QuerySet[M]:
    condition = ward_filter(user, ward_field)
    return qs if condition is None else qs.filter(condition)


def get_object_for(user: User | AnonymousUser, qs: QuerySet[M], *, ward_field: str = "ward", **lookup: Any) -> M:
    """The object, or 404 when it is absent or outside the user's jurisdiction."""
    obj = scope_to_jurisdiction(qs, user, ward_field=ward_field).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def covers_ward(user: User | AnonymousUser, ward_code: int) -> bool:
    return jurisdiction_wards(user).filter(code=ward_code).exists()


def _health_viewer(user: User | AnonymousUser) -> bool:
    """Signed in, active, and health staff or an administrator: who may see health status at all."""
    return bool(user.is_authenticated and user.is_active and (sees_everywhere(user) or user.role in HEALTH_ROLES))


def health_ward_check(
    user: User | AnonymousUser, wards_known: Iterable[Ward] | None = None
) -> Callable[[int | None], bool]:
    """``sees_health_of`` for many people at once: one query for the user's wards (none when
    the caller has them already, ``wards_known``), then a test per person's ward."""
    if not _health_viewer(user):
        return lambda ward_code: False
    if sees_everywhere(user):
        return lambda ward_code: True
    wards: list[frozenset[int]] = []  # read on the first question only
    if wards_known is not None:
        wards.append(frozenset(w.code for w in wards_known))

    def check(ward_code: int | None) -> bool:
        if ward_code is None:
            return sees_province(user)
        if not wards:
            wards.append(frozenset(jurisdiction_wards(user).values_list("code", flat=True)))
        return ward_code in wards[0]

    return check


def sees_health_of(user: User | AnonymousUser, ward_code: int | None) -> bool:
    """Health staff whose wards include ``ward_code`` (administrators everywhere; the CDC
    also for people of no known ward): the only staff who see a person's F-level and health
    reasons, or may change a person's record. One question (an indexed EXISTS); for many
    people use ``health_ward_check``."""
    if not _health_viewer(user):
        return False
    if sees_everywhere(user):
        return True
    if ward_code is None:
        return sees_province(user)
    return covers_ward(user, ward_code)
