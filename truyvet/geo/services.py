from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AbstractUser
from django.db import transaction

from truyvet.geo.loading import load_units
from truyvet.geo.models import OutbreakZone, Province, Ward
from truyvet.lib.audit import audit_log
from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError


def geo_sync_from_package() -> tuple[int, int]:
    """Refresh provinces and wards from the installed ``vietnam-provinces`` package."""
    with transaction.atomic():
        return load_units(Province, Ward)


@transaction.atomic
def outbreak_zone_create(
    *,
    user: AbstractUser,
    name: str,
    level: int,
    starts_at: datetime,
    ends_at: datetime | None = None,
    ward_codes: Iterable[int] = (),
    whole_province_code: int | None = None,
    note: str = "",
) -> OutbreakZone:
    # Which roles may is accounts' business (truyvet.accounts.permissions).
    if not user.has_perm("geo.declare_outbreak_zones"):
        raise DomainError("Only province CDC staff declare outbreak zones.", CoreError.FORBIDDEN)
    codes = sorted(set(ward_codes))
    if not codes and whole_province_code is None:
        raise DomainError("Choose wards or a whole province.", CoreError.ZONE_EMPTY)
    if ends_at is not None and ends_at <= starts_at:
        raise DomainError("The end must come after the start.", CoreError.ZONE_PERIOD)
    wards = list(Ward.objects.filter(code__in=codes))
    if len(wards) != len(codes):
        raise DomainError("Unknown ward code.", CoreError.UNKNOWN_WARD)
    if whole_province_code is not None and not Province.objects.filter(code=whole_province_code).exists():
        raise DomainError("Unknown province code.", CoreError.UNKNOWN_PROVINCE)
    zone = OutbreakZone.objects.create(
        name=name,
        level=level,
        starts_at=starts_at,
        ends_at=ends_at,
        whole_province_id=whole_province_code,
        note=note,
        created_by_id=user.pk,
    )
    zone.wards.set(wards)
    audit_log(actor=user, action="outbreak_zone.create", obj=zone, detail={"wards": codes, "level": level})
    return zone


@transaction.atomic
def outbreak_zone_end(*, user: AbstractUser, zone: OutbreakZone, ends_at: datetime) -> OutbreakZone:
    if not user.has_perm("geo.declare_outbreak_zones"):
        raise DomainError("Only province CDC staff end outbreak zones.", CoreError.FORBIDDEN)
    if ends_at <= zone.starts_at:
        raise DomainError("The end must come after the start.", CoreError.ZONE_PERIOD)
    zone.ends_at = ends_at
    zone.save(update_fields=["ends_at"])
    audit_log(actor=user, action="outbreak_zone.end", obj=zone, detail={"ends_at": ends_at.isoformat()})
    return zone
