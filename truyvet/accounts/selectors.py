from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from truyvet.accounts import two_factor
from truyvet.accounts.models import Alert, AlertSeverity, HealthUnit, Role, UnitKind, User
from truyvet.lib.models import DeliveryState, Notification

CARE_UNIT_KINDS = (UnitKind.COMMUNE_STATION, UnitKind.HEALTH_CENTRE)


def units_by_ward(ward_ids: Iterable[int], kinds: Iterable[str] = CARE_UNIT_KINDS) -> dict[int, list[HealthUnit]]:
    """The units of ``kinds`` covering each ward (by default its commune station and health
    centre), in one query, for alerts raised about many people at once."""
    found: dict[int, list[HealthUnit]] = defaultdict(list)
    links = HealthUnit.wards.through.objects.filter(ward_id__in=set(ward_ids), healthunit__kind__in=list(kinds))
    for link in links.select_related("healthunit").order_by("pk"):  # "the first linked" is stable
        found[link.ward_id].append(link.healthunit)
    return found


def alerts_open_for(user: User | AnonymousUser) -> QuerySet[Alert]:
    """Open alerts of the user's unit, newest first."""
    unit_id = getattr(user, "health_unit_id", None)
    if unit_id is None:
        return Alert.objects.none()
    return Alert.objects.filter(unit_id=unit_id, acknowledged_at__isnull=True).select_related("ward")


# Alerts alike (same kind, page and severity: a big case's exposures in one ward) from
# this many on are summed up on the staff home, and can be acknowledged together.
ALERT_GROUP_MIN = 5


def alert_groups_open_for(user: User | AnonymousUser, *, limit: int = 20) -> list[Any]:
    """The user's unit's open alerts that come in numbers, grouped by kind, page and
    severity, with their count and the time of the newest: a station that gets 4,000
    F2 of one case sees one line, not 80 pages."""
    return list(
        alerts_open_for(user)
        .order_by()
        .values("kind", "url", "severity")
        .annotate(count=Count("pk"), last_at=Max("created_at"))
        .filter(count__gte=ALERT_GROUP_MIN)
        .order_by("-last_at")[:limit]
    )


def alert_get_for(user: User | AnonymousUser, alert_id: int) -> Alert:
    """An alert of the user's unit; 404 for any other."""
    unit_id = getattr(user, "health_unit_id", None)
    alert = Alert.objects.filter(pk=alert_id, unit_id=unit_id).first() if unit_id else None
    if alert is None:
        raise Http404
    return alert


def two_factor_required_for(user: User | AnonymousUser) -> bool:
    """Whether the user's role must sign in with a second factor (``OTP_REQUIRED_ROLES``).
    "administrator" covers superusers and anyone who may open the admin site."""
    required = set(settings.OTP_REQUIRED_ROLES)
    if not required or not user.is_authenticated:
        return False
    if Role.ADMINISTRATOR in required and (user.is_superuser or user.is_staff):
        return True
    return user.role in required


def two_factor_device_for(user: User | AnonymousUser) -> TOTPDevice | None:
    """The user's confirmed authenticator, if they enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def two_factor_backup_codes_left(user: User | AnonymousUser) -> int:
    """How many of the user's backup codes are still unused (0 when they have none)."""
    left: int = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return left


def two_factor_step_for(user: User | AnonymousUser) -> str:
    """The step a fresh sign-in still owes: verify a code, enrol an authenticator, or none ("")."""
    if not getattr(user, "is_authenticated", False):
        return ""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return two_factor.VERIFY
    return two_factor.ENROL if two_factor_required_for(user) else ""


def open_alerts_by_unit(*, limit: int = 50) -> list[dict[str, Any]]:
    """Open alerts per unit, most first (the province dashboard): ``{"unit_id", "unit",
    "kind", "count", "urgent"}``. One grouped read over the partial index of open alerts
    (``accounts_alert_open_severity``: unit and severity of the open alerts), then the units' names."""
    rows = list(
        Alert.objects.filter(acknowledged_at__isnull=True)
        .order_by()
        .values("unit_id")
        # Counts of the indexed columns, not of the id: then the index is read alone.
        .annotate(count=Count("unit_id"), urgent=Count("severity", filter=Q(severity=AlertSeverity.URGENT)))
        .order_by("-count", "unit_id")[:limit]
    )
    units = HealthUnit.objects.in_bulk([row["unit_id"] for row in rows])
    return [
        {**row, "unit": units[row["unit_id"]].name, "kind": units[row["unit_id"]].get_kind_display()}
        for row in rows
        if row["unit_id"] in units
    ]


def system_overview() -> dict[str, Any]:
    """What the administrator's home shows of the portal's state: active accounts by role,
    notifications waiting or failed, open alerts."""
    labels = dict(Role.choices)
    roles = User.objects.filter(is_active=True).order_by().values("role").annotate(count=Count("pk")).order_by("role")
    states = dict(
        Notification.objects.filter(state__in=[DeliveryState.PENDING, DeliveryState.FAILED])
        .order_by()
        .values_list("state")
        .annotate(count=Count("pk"))
    )
    return {
        "accounts": [{"role": labels.get(row["role"], row["role"]), "count": row["count"]} for row in roles],
        "notifications_pending": states.get(DeliveryState.PENDING, 0),
        "notifications_failed": states.get(DeliveryState.FAILED, 0),
        "open_alerts": Alert.objects.filter(acknowledged_at__isnull=True).count(),
    }
