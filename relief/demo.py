"""Demo help requests, volunteers and response teams, so the SOS map is alive under
``make run``.

``--sos N`` (default 40): request number ``i`` always has the same type, status, ward and
place (its own seeded generator) and the follow link ``demo-<i>``, so a re-run creates only
the missing ones. Every type and every status is there, with their history; a few are done
or duplicates from long ago (off the public map). Volunteers have demo phones
(``+847000000NN``); the first, in the first commune of the province (the demo ``commune``
station's), has requests assigned to them and signs in at /operations/volunteers/signin/
with the code the console SMS shows.
"""

from __future__ import annotations

import random
from argparse import ArgumentParser
from datetime import timedelta
from decimal import Decimal
from typing import Any, TextIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from relief.consent import CONSENT_TEXT, CONSENT_VERSION
from relief.models import (
    Availability,
    EventAction,
    HelpKind,
    HelpRequest,
    HelpRequestEvent,
    HelpStatus,
    Skill,
    Team,
    Volunteer,
    VolunteerSkill,
)
from relief.schemas import area
from truyvet.geo.models import Ward
from truyvet.people.normalize import display_phone, search_key

DEMO_VOLUNTEER_PHONE = "+84700000001"
VOLUNTEERS: list[tuple[str, list[str], str]] = [
    ("Lò Văn Thắng", [Skill.MOTORBIKE, Skill.DELIVERY, Skill.FIRST_AID], Availability.ANY_TIME),
    ("Nguyễn Thị Lan", [Skill.HEALTH_WORKER, Skill.FIRST_AID], Availability.EVENINGS),
    ("Giàng A Páo", [Skill.RESCUE, Skill.LANGUAGES, Skill.MOTORBIKE], Availability.ANY_TIME),
    ("Trần Minh Đức", [Skill.CAR, Skill.DELIVERY], Availability.DAYTIME),
    ("Tẩn Thị Mẩy", [Skill.COOKING, Skill.LANGUAGES], Availability.WEEKENDS),
    ("Phạm Quốc Huy", [Skill.TECH, Skill.COUNSELLING], Availability.EVENINGS),
    ("Vàng Thị Dua", [Skill.COOKING, Skill.DELIVERY], Availability.DAYTIME),
    ("Đặng Văn Hải", [Skill.CAR, Skill.RESCUE, Skill.FIRST_AID], Availability.ANY_TIME),
]
TEXTS: dict[str, list[str]] = {
    HelpKind.FOOD: ["Gia đình 5 người đang cách ly, hết gạo và rau.", "Cần thực phẩm cho 2 cụ già sống một mình."],
    HelpKind.MEDICINE: ["Cần thuốc hạ sốt cho trẻ 3 tuổi.", "Hết thuốc huyết áp, không đi mua được."],
    HelpKind.OXYGEN: ["Bố tôi khó thở, SpO2 91%, cần bình oxy.", "Cần nạp lại bình oxy cho người bệnh tại nhà."],
    HelpKind.MEDICAL: ["Mẹ tôi sốt cao 3 ngày, cần nhân viên y tế đến khám.", "Sản phụ sắp sinh, cần xe đưa đi viện."],
    HelpKind.RESCUE: [
        "Nước lũ dâng, nhà có 4 người mắc kẹt trên gác.",
        "Sạt lở chắn đường, xe chở người ốm không qua được.",
    ],
    HelpKind.OTHER: [
        "Cần người trông giúp hai cháu nhỏ khi tôi đi cách ly.",
        "Cần giúp sạc điện thoại, cả xóm mất điện.",
    ],
}
# Each request's status, in turn (every status is there several times).
STATUSES = [
    HelpStatus.NEW,
    HelpStatus.ASSIGNED,
    HelpStatus.IN_PROGRESS,
    HelpStatus.NEW,
    HelpStatus.DONE,
    HelpStatus.ASSIGNED,
    HelpStatus.NEW,
    HelpStatus.IN_PROGRESS,
    HelpStatus.DONE,
    HelpStatus.DUPLICATE,
]


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--sos", type=int, default=40, help="Demo help requests (default 40).")


def _teams(wards: list[Ward]) -> list[Team]:
    local, _ = Team.objects.get_or_create(
        name=f"Đội phản ứng nhanh {wards[0].name}", defaults={"phone": "0214 3876 115"}
    )
    local.wards.set(wards[:1])
    province, _ = Team.objects.get_or_create(name="Tổ xe cấp cứu tỉnh", defaults={"phone": "115"})
    return [local, province]


def _volunteers(wards: list[Ward]) -> list[Volunteer]:
    found = []
    for index, (name, skills, availability) in enumerate(VOLUNTEERS, start=1):
        phone = f"+847000000{index:02d}"
        volunteer = Volunteer.objects.filter(phone=phone, is_active=True).first()
        if volunteer is None:
            volunteer = Volunteer.objects.create(
                full_name=name,
                name_key=search_key(name),
                phone=phone,
                availability=availability,
                consent_version=CONSENT_VERSION,
                consent_text=str(CONSENT_TEXT),
                consented_at=timezone.now(),
            )
            VolunteerSkill.objects.bulk_create([VolunteerSkill(volunteer=volunteer, skill=s) for s in skills])
            # The first few near the first commune (the demo station's), the others spread out.
            start = 0 if index <= 4 else (index * 3) % len(wards)
            volunteer.wards.set(wards[start : start + 3])
        found.append(volunteer)
    return found


def _place(rng: random.Random, ward_index: int) -> tuple[Decimal, Decimal]:
    """A place near the ward's own spot in the province's box (wards have no outline here)."""
    south, west, north, east = area()
    spot = random.Random(ward_index)  # noqa: S311 (demo data, not secrets)
    latitude = south + (north - south) * (0.2 + 0.6 * spot.random()) + rng.uniform(-0.03, 0.03)
    longitude = west + (east - west) * (0.2 + 0.6 * spot.random()) + rng.uniform(-0.03, 0.03)
    return Decimal(f"{latitude:.6f}"), Decimal(f"{longitude:.6f}")


def _history(sos: HelpRequest, status: str, received: Any, volunteer: Volunteer | None, team: Team | None) -> None:
    """The steps that led to ``status``, an hour or so apart."""
    steps: list[tuple[str, str, str]] = [(EventAction.SUBMITTED, "", HelpStatus.NEW)]
    if status in {HelpStatus.ASSIGNED, HelpStatus.IN_PROGRESS, HelpStatus.DONE}:
        steps.append((EventAction.ASSIGNED, HelpStatus.NEW, HelpStatus.ASSIGNED))
    if status in {HelpStatus.IN_PROGRESS, HelpStatus.DONE}:
        steps.append((EventAction.STARTED, HelpStatus.ASSIGNED, HelpStatus.IN_PROGRESS))
    if status == HelpStatus.DONE:
        steps.append((EventAction.DONE, HelpStatus.IN_PROGRESS, HelpStatus.DONE))
    if status == HelpStatus.DUPLICATE:
        steps.append((EventAction.DUPLICATE, HelpStatus.NEW, HelpStatus.DUPLICATE))
    for index, (action, before, after) in enumerate(steps):
        event = HelpRequestEvent.objects.create(
            sos=sos,
            action=action,
            from_status=before,
            to_status=after,
            actor_label="" if index == 0 else "Lò Thị Mai",
            volunteer=volunteer if index else None,
            team=team if index else None,
            duplicate_of=sos.duplicate_of if action == EventAction.DUPLICATE else None,
        )
        HelpRequestEvent.objects.filter(pk=event.pk).update(at=received + timedelta(minutes=50 * index))


@transaction.atomic
def seed(options: dict[str, Any], out: TextIO) -> None:
    wards = list(Ward.objects.filter(province_id=settings.PROVINCE_CODE).order_by("code"))
    if not wards:
        return
    teams = _teams(wards)
    volunteers = _volunteers(wards)
    now = timezone.now()
    kinds = list(HelpKind.values)
    created = 0
    originals: dict[int, HelpRequest] = {}
    for index in range(options.get("sos", 40)):
        ref = f"demo-{index}"
        rng = random.Random(f"relief-{index}")  # noqa: S311 (demo data, not secrets)
        kind = kinds[(index + index // 6) % len(kinds)]
        status = STATUSES[index % len(STATUSES)]
        # A third in the first commune (the demo station sees them), the rest spread out.
        ward_index = 0 if index % 3 == 0 else rng.randrange(len(wards))
        ward = wards[ward_index]
        existing = HelpRequest.objects.filter(ref=ref).first()
        if existing is not None:
            originals.setdefault(existing.ward_id, existing)
            continue
        latitude, longitude = _place(rng, ward_index)
        # Done ones from long ago leave the public map; the rest are from the last two days.
        old = status in {HelpStatus.DONE, HelpStatus.DUPLICATE} and index % 20 >= 10
        received = now - timedelta(days=rng.randint(5, 12) if old else 0, minutes=rng.randint(10, 2 * 24 * 60))
        volunteer = team = None
        if status in {HelpStatus.ASSIGNED, HelpStatus.IN_PROGRESS, HelpStatus.DONE}:
            near = [v for v in volunteers if ward in v.wards.all()]
            volunteer = volunteers[0] if ward_index == 0 else (rng.choice(near) if near else None)
            team = teams[1] if kind in {HelpKind.RESCUE, HelpKind.MEDICAL, HelpKind.OXYGEN} else None
            if volunteer is None and team is None:
                team = teams[1]
        original = originals.get(ward.code) if status == HelpStatus.DUPLICATE else None
        if status == HelpStatus.DUPLICATE and original is None:
            status = HelpStatus.NEW
        changed = received + timedelta(minutes=50 * 3)
        sos = HelpRequest.objects.create(
            ref=ref,
            kind=kind,
            status=status,
            latitude=latitude,
            longitude=longitude,
            ward=ward,
            phone=f"+8488{rng.randrange(10**7):07d}",
            name=rng.choice(["", "Lò Thị Hoa", "Nguyễn Văn Bình", "Sùng A Lử", "Hoàng Thị Nga"]),
            address=rng.choice(
                ["", "Bản Nà Khum, nhà thứ 3 từ đầu bản", "Tổ 5, cạnh nhà văn hóa", "Đội 2, gần trường"]
            ),
            text=rng.choice(TEXTS[kind]),
            volunteer=volunteer,
            team=team,
            duplicate_of=original,
            status_changed_at=changed,
            taken_up_at=received + timedelta(minutes=50) if volunteer or team else None,
            done_at=changed if status == HelpStatus.DONE else None,
        )
        HelpRequest.objects.filter(pk=sos.pk).update(created_at=received)
        _history(sos, status, received, volunteer, team)
        originals.setdefault(ward.code, sos)
        created += 1
    out.write(
        f"  {created} demo help requests, {len(volunteers)} volunteers, {len(teams)} teams; "
        f"volunteer sign-in: {display_phone(DEMO_VOLUNTEER_PHONE)} at /operations/volunteers/signin/ "
        "(the code is in the console SMS)\n"
    )
