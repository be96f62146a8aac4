"""Demo facilities of the COVID-safe map, so ``make run`` shows it alive.

``--facilities N`` (default 60) facilities of every type across the province's wards, with
``--facility-days D`` (default 7) days of daily assessments and ``--facility-reports R``
(default 12) citizens' reports. Facility number ``i`` always has the same type, ward, place
and history (its own seeded generator), so a re-run adds only what is missing. Every status
is there: safe, at risk, high risk, unsafe (a critical criterion failed), not assessed (the
last assessment too old, or none). The demo ``facility`` user (Lê Thị Thu) manages the
first six; the first ward's station (the demo ``commune``) has reports to moderate.

Everything is written in bulk, and each facility's status row is computed here as the
services would (``safetymap.status``), so the benchmark's 20,000 facilities with 30 days of
assessments load in minutes.
"""

from __future__ import annotations

import random
from argparse import ArgumentParser
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TextIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from safetymap.models import (
    Assessment,
    Checklist,
    Criterion,
    Facility,
    FacilityType,
    Report,
    ReportState,
    SafetyStatus,
)
from safetymap.selectors import checklist_current
from safetymap.status import is_passing, lowered, score_of, status_of
from truyvet.accounts.models import Role, User
from truyvet.geo.models import Ward
from truyvet.people.normalize import search_key
from venues.models import Venue

BATCH = 5000
MANAGED_BY_DEMO_USER = 6
PREFIXES: dict[str, list[str]] = {
    FacilityType.SCHOOL: ["Trường Tiểu học", "Trường THCS", "Trường THPT", "Trường Mầm non"],
    FacilityType.HEALTH: ["Trạm Y tế", "Phòng khám Đa khoa", "Nhà thuốc"],
    FacilityType.MARKET: ["Chợ", "Chợ phiên"],
    FacilityType.SUPERMARKET: ["Siêu thị", "Cửa hàng tiện lợi"],
    FacilityType.FACTORY: ["Nhà máy chè", "Xưởng may", "Khu công nghiệp"],
    FacilityType.OFFICE: ["UBND", "Ngân hàng", "Bưu điện"],
    FacilityType.TRANSPORT: ["Bến xe", "Trạm dừng nghỉ"],
    FacilityType.HOTEL: ["Khách sạn", "Nhà nghỉ", "Homestay"],
    FacilityType.RESTAURANT: ["Nhà hàng", "Quán phở", "Quán cơm"],
    FacilityType.RELIGIOUS: ["Chùa", "Nhà thờ", "Đền"],
}
# Facility i's profile: what its assessments say (the last one decides the status).
PROFILES = ["safe", "safe", "at_risk", "high_risk", "unsafe", "safe", "stale", "never", "at_risk", "safe"]
REPORT_TEXTS = [
    "Nhân viên bán hàng không đeo khẩu trang.",
    "Không có nước rửa tay ở cổng vào.",
    "Khách xếp hàng sát nhau, không giãn cách.",
    "Không đo thân nhiệt người ra vào.",
    "Không yêu cầu quét mã QR khi vào.",
    "Phòng kín, không mở cửa thông gió.",
]
REPORT_STATES = [
    ReportState.NEW,
    ReportState.NEW,
    ReportState.VERIFIED,
    ReportState.REJECTED,
    ReportState.RESOLVED,
    ReportState.VERIFIED,
]


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--facilities", type=int, default=60, help="Demo facilities of the safety map (default 60).")
    parser.add_argument("--facility-days", type=int, default=7, help="Days of daily assessments (default 7).")
    parser.add_argument("--facility-reports", type=int, default=12, help="Citizens' reports (default 12).")


def _failing_for(checklist: Checklist, target: str) -> list[int]:
    """Criteria to fail so that an assessment against ``checklist`` gives ``target``."""
    criteria: list[Criterion] = list(checklist.criteria.all())
    if target == SafetyStatus.SAFE:
        return []
    if target == SafetyStatus.UNSAFE:
        critical = [c for c in criteria if c.critical]
        return [critical[0].pk] if critical else [c.pk for c in criteria]
    ordinary = sorted((c for c in criteria if not c.critical), key=lambda c: c.points)
    failed: list[int] = []
    for criterion in ordinary:
        failed.append(criterion.pk)
        score = score_of((c.points, c.pk not in failed) for c in criteria)
        if status_of(score, critical_failed=False) == target:
            return failed
    return failed


def _place(rng: random.Random, ward_index: int) -> tuple[Decimal, Decimal]:
    """A place near the ward's own spot around the province's centre (wards have no outline here)."""
    lat0, lng0 = settings.MAP_CENTER
    spot = random.Random(ward_index)  # noqa: S311 (demo data, not secrets)
    latitude = lat0 + spot.uniform(-0.5, 0.5) + rng.uniform(-0.03, 0.03)
    longitude = lng0 + spot.uniform(-0.6, 0.6) + rng.uniform(-0.03, 0.03)
    return Decimal(f"{min(max(latitude, 8.1), 23.9):.6f}"), Decimal(f"{min(max(longitude, 102.1), 117.9):.6f}")


def _morning(day: datetime, rng: random.Random) -> datetime:
    return day.replace(hour=6, minute=0, second=0, microsecond=0) + timedelta(minutes=rng.randint(0, 150))


def seed(options: dict[str, Any], out: TextIO) -> None:
    count = max(0, options.get("facilities", 60) or 0)
    days = max(1, options.get("facility_days", 7) or 7)
    report_count = max(0, options.get("facility_reports", 12) or 0)
    wards = list(Ward.objects.filter(province_id=settings.PROVINCE_CODE).order_by("code"))
    if not wards or not count:
        return
    checklists = {kind: checklist_current(kind) for kind in FacilityType.values}
    failing: dict[tuple[str, str], list[int]] = {
        (kind, target): _failing_for(checklist, target)
        for kind, checklist in checklists.items()
        if checklist is not None
        for target in (SafetyStatus.SAFE, SafetyStatus.AT_RISK, SafetyStatus.HIGH_RISK, SafetyStatus.UNSAFE)
    }
    points = {
        kind: {c.pk: (c.points, c.critical) for c in checklist.criteria.all()}
        for kind, checklist in checklists.items()
        if checklist is not None
    }
    manager = User.objects.filter(username="facility", role=Role.FACILITY_MANAGER).first()
    types = FacilityType.values
    now = timezone.now()
    today = timezone.localtime(now)

    with transaction.atomic():
        plans: list[tuple[int, Facility, random.Random]] = []
        for index in range(count):
            rng = random.Random(f"safetymap-{index}")  # noqa: S311 (demo data, not secrets)
            kind = types[index % len(types)]
            # The first ward (the demo station's) gets a share; the rest spread over the province.
            ward_index = 0 if index % 5 == 0 else (index * 7) % len(wards)
            ward = wards[ward_index]
            prefix = PREFIXES[kind][(index // len(types)) % len(PREFIXES[kind])]
            name = f"{prefix} {ward.name} {index + 1}"
            latitude, longitude = _place(rng, ward_index)
            plans.append(
                (
                    index,
                    Facility(
                        name=name,
                        name_key=search_key(name),
                        type=kind,
                        ward=ward,
                        address=f"Số {rng.randint(1, 300)}, {ward.name}",
                        latitude=latitude,
                        longitude=longitude,
                        capacity=rng.choice([None, 50, 120, 300, 800, 2000]),
                    ),
                    rng,
                )
            )
        existing = set(Facility.objects.filter(name__in=[f.name for _i, f, _r in plans]).values_list("name", flat=True))
        new = [(i, f, r) for i, f, r in plans if f.name not in existing]
        Facility.objects.bulk_create([f for _i, f, _r in new], batch_size=BATCH)
        if manager is not None:
            Facility.managers.through.objects.bulk_create(
                [
                    Facility.managers.through(facility_id=f.pk, user_id=manager.pk)
                    for i, f, _r in new
                    if i < MANAGED_BY_DEMO_USER
                ],
                ignore_conflicts=True,
            )
            venue = (
                Venue.objects.filter(owner__username="venue").order_by("pk").first()
                or Venue.objects.order_by("pk").first()
            )
            first = next((f for i, f, _r in new if i == 0), None)
            if venue is not None and first is not None:
                Facility.objects.filter(pk=first.pk).update(venue=venue)

        # Daily assessments, and the last one's status on the facility row.
        last: dict[int, Assessment] = {}
        batch: list[Assessment] = []
        written = 0
        for index, facility, rng in new:
            checklist = checklists.get(facility.type)
            profile = PROFILES[index % len(PROFILES)]
            if checklist is None or profile == "never":
                continue
            skip_recent = 4 if profile == "stale" else 0
            for back in range(days - 1, skip_recent - 1, -1):
                # Mostly the profile's status; now and then a better or a worse day.
                roll = rng.random()
                target = profile if profile != "stale" else SafetyStatus.SAFE
                if back > 0 and roll < 0.15:
                    target = rng.choice([SafetyStatus.SAFE, SafetyStatus.AT_RISK, SafetyStatus.HIGH_RISK])
                failed = failing[(facility.type, target)]
                criteria = points[facility.type]
                score = score_of((p, pk not in failed) for pk, (p, _c) in criteria.items())
                critical_failed = any(criteria[pk][1] for pk in failed)
                assessment = Assessment(
                    facility=facility,
                    checklist=checklist,
                    by=manager if index < MANAGED_BY_DEMO_USER else None,
                    at=min(_morning(today - timedelta(days=back), rng), now - timedelta(minutes=10 + index % 50)),
                    failed=failed,
                    score=score,
                    critical_failed=critical_failed,
                    status=status_of(score, critical_failed=critical_failed),
                )
                batch.append(assessment)
                last[facility.pk] = assessment
            if len(batch) >= BATCH:
                Assessment.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        Assessment.objects.bulk_create(batch)
        written += len(batch)

        # Citizens' reports: about the facilities just made, in every state.
        made_reports: list[Report] = []
        lowering: set[int] = set()
        refs = {f"demo-{j}" for j in range(report_count)}
        known_refs = set(Report.objects.filter(ref__in=refs).values_list("ref", flat=True))
        targets = [f for _i, f, _r in new]
        for j in range(report_count):
            ref = f"demo-{j}"
            if ref in known_refs or not targets:
                continue
            rng = random.Random(f"safetymap-report-{j}")  # noqa: S311 (demo data, not secrets)
            # The first reports go to the first ward's facilities (the demo station moderates them).
            first_ward = [f for f in targets if f.ward_id == wards[0].code]
            facility = (first_ward or targets)[j % len(first_ward or targets)] if j < 8 else rng.choice(targets)
            state = REPORT_STATES[j % len(REPORT_STATES)]
            created = now - timedelta(hours=rng.randint(2, 24 * min(days, 7)))
            report = Report(
                ref=ref,
                facility=facility,
                text=REPORT_TEXTS[j % len(REPORT_TEXTS)],
                state=state,
                created_at=created,
            )
            if state != ReportState.NEW:
                report.moderated_at = created + timedelta(hours=1)
            if state == ReportState.RESOLVED:
                report.resolved_at = created + timedelta(hours=3)
                report.answer = "Cơ sở đã khắc phục và nhắc nhở nhân viên."
                report.answered_at = created + timedelta(hours=2)
            final = last.get(facility.pk)
            resolved = report.resolved_at
            if final is not None and resolved is not None and final.at >= resolved and is_passing(final.status):
                report.lifted_at = final.at
            if state in {ReportState.VERIFIED, ReportState.RESOLVED} and report.lifted_at is None:
                lowering.add(facility.pk)
            made_reports.append(report)
        Report.objects.bulk_create(made_reports, batch_size=BATCH)

        updates = []
        for _index, facility, _rng in new:
            final = last.get(facility.pk)
            if final is None:
                facility.status, facility.score, facility.assessed_at = SafetyStatus.NOT_ASSESSED, None, None
                facility.lowered = False
            else:
                in_force = facility.pk in lowering
                facility.status = lowered(final.status) if in_force else final.status
                facility.score, facility.assessed_at = final.score, final.at
                facility.lowered = in_force and facility.status != final.status
            updates.append(facility)
        for facility in updates:
            facility.updated_at = now
        Facility.objects.bulk_update(
            updates, ["status", "score", "assessed_at", "lowered", "updated_at"], batch_size=500
        )
    out.write(
        f"  safety map: {len(new)} facilities, {written} assessments, {len(made_reports)} reports "
        f"({len(plans) - len(new)} facilities already there)\n"
    )
