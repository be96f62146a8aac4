from __future__ import annotations

from datetime import datetime
from functools import cache

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from truyvet.geo.models import OutbreakZone, Province, Ward


def home_province() -> Province:
    return Province.objects.get(code=settings.PROVINCE_CODE)


def ward_list(*, province_code: int | None = None, search: str = "") -> QuerySet[Ward]:
    qs = Ward.objects.select_related("province")
    if province_code is not None:
        qs = qs.filter(province_id=province_code)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(codename__icontains=search.replace(" ", "_")))
    return qs.order_by("sort_name", "name")


@cache
def known_ward_codes() -> frozenset[int]:
    """Every ward code (3,321 small ints), read once per process: validating a ward then
    costs no query. ``sync_geo`` changes them once in years; restart after it."""
    return frozenset(Ward.objects.values_list("code", flat=True))


def ward_get(code: int) -> Ward | None:
    return Ward.objects.select_related("province").filter(code=code).first()


def outbreak_zones_active(at: datetime | None = None) -> QuerySet[OutbreakZone]:
    at = at or timezone.now()
    return OutbreakZone.objects.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at), starts_at__lte=at)


def outbreak_zone_list(*, limit: int = 200) -> list[OutbreakZone]:
    """Outbreak zones, the latest to start first, with their province and wards."""
    return list(OutbreakZone.objects.select_related("whole_province").prefetch_related("wards")[:limit])


def outbreak_zone_ids_active(at: datetime | None = None) -> set[int]:
    return set(outbreak_zones_active(at).values_list("pk", flat=True))


def outbreak_zone_get(zone_id: int) -> OutbreakZone:
    """The zone, or 404. Zones are known to all health staff: who may change one is asked
    of ``user.has_perm`` by the page and the service."""
    zone = OutbreakZone.objects.filter(pk=zone_id).first()
    if zone is None:
        raise Http404
    return zone


def outbreak_zone_for_ward(ward_code: int, at: datetime | None = None) -> OutbreakZone | None:
    """The highest-level active zone that covers this ward (by ward, or by its whole province)."""
    province_code = Ward.objects.filter(code=ward_code).values_list("province_id", flat=True).first()
    if province_code is None:
        return None
    return (
        outbreak_zones_active(at)
        .filter(Q(wards__code=ward_code) | Q(whole_province_id=province_code))
        .order_by("-level", "-starts_at")
        .first()
    )
