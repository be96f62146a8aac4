"""Demo health units and one staff account per role."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any, TextIO

from django.conf import settings
from django.db import transaction

from truyvet.accounts.models import HealthUnit, Role, UnitKind, User
from truyvet.geo.models import Province, Ward

HEALTH_CENTRES = 4

# username -> (role, unit key, full name)
DEMO_USERS: dict[str, tuple[str, str | None, str]] = {
    "cdc": (Role.PROVINCE_CDC, "cdc", "Nguyễn Thị Hồng"),
    "healthcentre": (Role.HEALTH_CENTRE, "centre-1", "Trần Văn Minh"),
    "commune": (Role.COMMUNE_STATION, "station-1", "Lò Thị Mai"),
    "checkpoint": (Role.CHECKPOINT_STAFF, "checkpoint", "Giàng A Sử"),
    "venue": (Role.VENUE_OWNER, None, "Phạm Văn Long"),
    "facility": (Role.FACILITY_MANAGER, None, "Lê Thị Thu"),
    "vaccinator": (Role.VACCINATION_STAFF, "vaccination", "Đặng Minh Tuấn"),
    "busoperator": (Role.BUS_OPERATOR, None, "Vũ Đức Thắng"),
    "admin": (Role.ADMINISTRATOR, None, "Quản trị hệ thống"),
}


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--no-accounts", action="store_true", help="Skip the demo health units and staff accounts.")


def _unit(name: str, kind: str, *, whole_province: bool = False, parent: HealthUnit | None = None) -> HealthUnit:
    unit, _ = HealthUnit.objects.update_or_create(
        name=name, defaults={"kind": kind, "whole_province": whole_province, "parent": parent}
    )
    return unit


@transaction.atomic
def seed(options: dict[str, Any], out: TextIO) -> None:
    if options.get("no_accounts"):
        return
    province = Province.objects.get(code=settings.PROVINCE_CODE)
    wards = list(Ward.objects.filter(province=province).order_by("code"))
    units: dict[str, HealthUnit] = {"cdc": _unit(f"CDC {province.name}", UnitKind.PROVINCE_CDC, whole_province=True)}
    # Consecutive ward codes follow the old districts, so contiguous groups make plausible areas.
    size = -(-len(wards) // HEALTH_CENTRES)
    for index in range(HEALTH_CENTRES):
        group = wards[index * size : (index + 1) * size]
        if not group:
            continue
        centre = _unit(f"Trung tâm Y tế khu vực {group[0].name}", UnitKind.HEALTH_CENTRE, parent=units["cdc"])
        centre.wards.set(group)
        units[f"centre-{index + 1}"] = centre
        for ward in group:
            station = _unit(f"Trạm Y tế {ward.name}", UnitKind.COMMUNE_STATION, parent=centre)
            station.wards.set([ward])
            if ward == wards[0]:
                units["station-1"] = station
    checkpoint = _unit(f"Tổ chốt kiểm dịch {province.name}", UnitKind.CHECKPOINT_TEAM, parent=units["cdc"])
    checkpoint.wards.set(wards)
    units["checkpoint"] = checkpoint
    units["vaccination"] = _unit(f"Điểm tiêm chủng {wards[0].name}", UnitKind.VACCINATION_SITE, parent=units["cdc"])
    units["vaccination"].wards.set(wards[:size])

    for username, (role, unit_key, full_name) in DEMO_USERS.items():
        last, _, first = full_name.rpartition(" ")
        user = User.objects.filter(username=username).first() or User(username=username)
        user.role = role
        user.health_unit = units[unit_key] if unit_key else None
        user.first_name, user.last_name = first, last
        user.is_staff = role == Role.ADMINISTRATOR
        user.is_superuser = role == Role.ADMINISTRATOR
        user.set_password(settings.DEMO_PASSWORD)
        user.save()
    out.write(f"  {len(units)} named units, {len(wards)} commune stations, {len(DEMO_USERS)} staff accounts")
