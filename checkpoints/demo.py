"""Demo checkpoints on the national roads into Lai Châu, their tablets and duty, the demo
travellers' passages over the last days, and one coach trip with its passengers.

The checkpoints stand where the province's roads cross its borders: QL4D over the Ô Quy
Hồ pass (from Lào Cai), QL12 at the Hang Tôm bridge (from Điện Biên), QL32 at Mường Than
(from Mù Cang Chải) and QL279 at Mường Kim (from Sơn La). With another home province the
same names go to its first wards, without coordinates.

``--passages N``: passage number ``i`` is always drawn the same way (its own seeded
generator), at a time counted back from the run; demo passages have client ids in their
own range (``dc000000-0000-4000-8000-<index>``), so a re-run counts them and adds only
the difference. The demo account "checkpoint" staffs every demo checkpoint and is on duty
at the first; the demo "busoperator" runs the trip.
"""

from __future__ import annotations

import random
import uuid
from argparse import ArgumentParser
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any, TextIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from checkpoints.models import BusTrip, Checkpoint, DutyShift, Passage, PassageReceipt, Tablet, TripPassenger
from checkpoints.services.passage_store import receipt_for
from truyvet.accounts.models import User
from truyvet.geo.models import Ward
from truyvet.people.models import Person

DAYS = 7
CLIENT_ID_PREFIX = "dc000000-0000-4000-8000-"
CLIENT_ID_RANGE = (uuid.UUID(CLIENT_ID_PREFIX + "0" * 12), uuid.UUID(CLIENT_ID_PREFIX + "f" * 12))
TRIP_CODE = "TRIP-DEMN2345"
BATCH = 2000

# name, road, border, ward in Lai Châu, latitude, longitude, (province code, ward) travellers come from
CHECKPOINTS: list[tuple[str, str, str, str, str, str, tuple[int, str]]] = [
    ("Chốt kiểm dịch đèo Ô Quy Hồ", "QL4D", "Ranh giới tỉnh Lào Cai", "Xã Bình Lư", "22.353300", "103.773100",
     (15, "Phường Sa Pa")),
    ("Chốt kiểm dịch cầu Hang Tôm", "QL12", "Ranh giới tỉnh Điện Biên", "Xã Lê Lợi", "22.047000", "103.160000",
     (11, "Phường Mường Lay")),
    ("Chốt kiểm dịch Mường Than", "QL32", "Ranh giới tỉnh Lào Cai (Mù Cang Chải)", "Xã Mường Than",
     "21.895000", "104.005000", (15, "Xã Mù Cang Chải")),
    ("Chốt kiểm dịch Mường Kim", "QL279", "Ranh giới tỉnh Sơn La", "Xã Mường Kim", "21.860000", "103.820000",
     (14, "Xã Quỳnh Nhai")),
]  # fmt: skip
FAR_ORIGIN = (1, "Phường Ba Đình")  # Hà Nội, for the coach and a few cars

# verdict: (share, [(reasons, share)])
VERDICTS: dict[str, tuple[int, list[tuple[list[str], int]]]] = {
    "allow": (80, [(["green"], 1)]),
    "declare": (10, [(["no_declaration"], 1)]),
    "refer": (7, [(["yellow"], 3), (["green", "fever"], 2), (["green", "active_f2"], 1),
                  (["green", "origin_in_outbreak_zone"], 2)]),
    "deny": (3, [(["red"], 1), (["green", "active_f1"], 2)]),
}  # fmt: skip
VEHICLES = [("motorbike", 45), ("car", 25), ("truck", 15), ("bus", 10), ("on_foot", 5)]
PLATE_PROVINCES = ["25", "25", "25", "24", "27", "26", "29", "21"]  # Lai Châu first, then neighbours
KNOWN_SHARE = 0.85  # passages of a person with a personal QR; the rest typed an id


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--passages",
        type=int,
        default=600,
        help=f"Demo checkpoint passages over the last {DAYS} days to have in total (default 600).",
    )


def seed(options: dict[str, Any], out: TextIO) -> None:
    wards = Ward.objects.filter(province_id=settings.PROVINCE_CODE).order_by("code")
    if not wards.exists():
        out.write("  no wards: load the administrative units first")
        return
    with transaction.atomic():
        checkpoints = _seed_checkpoints()
        guard = User.objects.filter(username="checkpoint").first()
        _seed_staff(checkpoints, guard)
        _seed_tablets(checkpoints, guard)
        trip = _seed_trip()
    total, new = _seed_passages(options.get("passages", 600), checkpoints, guard)
    out.write(
        f"  {len(checkpoints)} demo checkpoints, {total} demo passages ({new} new)"
        + (f", trip {trip.code}" if trip else "")
    )


def _ward_codes(pairs: list[tuple[int, str]]) -> dict[tuple[int, str], int]:
    found: dict[tuple[int, str], int] = {}
    for code, province, name in Ward.objects.filter(name__in={name for _p, name in pairs}).values_list(
        "code", "province_id", "name"
    ):
        if (province, name) in pairs:
            found[(province, name)] = code
    return found


@dataclass(frozen=True)
class DemoCheckpoint:
    checkpoint: Checkpoint
    origin: int | None  # the ward across the border
    far_origin: int | None  # where the coaches come from


def _seed_checkpoints() -> list[DemoCheckpoint]:
    home = settings.PROVINCE_CODE
    found = _ward_codes([(home, c[3]) for c in CHECKPOINTS] + [c[6] for c in CHECKPOINTS] + [FAR_ORIGIN])
    fallback = list(Ward.objects.filter(province_id=home).order_by("code").values_list("code", flat=True))
    checkpoints = []
    for index, (name, road, border, ward_name, lat, lon, _origin) in enumerate(CHECKPOINTS):
        ward = found.get((home, ward_name))
        checkpoint, _created = Checkpoint.objects.update_or_create(
            name=name,
            defaults={
                "road": road,
                "border": border,
                "ward_id": ward or fallback[index % len(fallback)],
                "latitude": Decimal(lat) if ward else None,
                "longitude": Decimal(lon) if ward else None,
                "is_active": True,
            },
        )
        checkpoints.append(DemoCheckpoint(checkpoint, found.get(_origin), found.get(FAR_ORIGIN)))
    return checkpoints


def _seed_staff(checkpoints: list[DemoCheckpoint], guard: User | None) -> None:
    if guard is None:
        return
    for demo in checkpoints:
        demo.checkpoint.staff.add(guard)
    if not DutyShift.objects.filter(user=guard, ended_at__isnull=True).exists():
        DutyShift.objects.create(
            user=guard, checkpoint=checkpoints[0].checkpoint, started_at=timezone.now() - timedelta(hours=3, minutes=20)
        )


def _seed_tablets(checkpoints: list[DemoCheckpoint], guard: User | None) -> None:
    """One tablet a checkpoint, online; the last one silent for hours with scans waiting."""
    now = timezone.now()
    for index, demo in enumerate(checkpoints):
        silent = index == len(checkpoints) - 1
        Tablet.objects.update_or_create(
            device_id=f"demo-tablet-{index + 1}",
            defaults={
                "checkpoint": demo.checkpoint,
                "user": guard,
                "label": f"Máy tính bảng {index + 1}",
                "last_seen_at": now - (timedelta(hours=3) if silent else timedelta(minutes=1)),
                "last_sync_at": now - (timedelta(hours=3, minutes=5) if silent else timedelta(minutes=2)),
                "pending": 14 if silent else 0,
            },
        )


def _seed_trip() -> BusTrip | None:
    people = list(Person.objects.filter(is_demo=True).order_by("pk")[:6])
    if not people:
        return None
    found = _ward_codes([FAR_ORIGIN, (settings.PROVINCE_CODE, "Phường Tân Phong")])
    destination = found.get((settings.PROVINCE_CODE, "Phường Tân Phong"))
    departure = timezone.make_aware(datetime.combine(timezone.localdate(), time(6, 0)))
    trip, _created = BusTrip.objects.update_or_create(
        code=TRIP_CODE,
        defaults={
            "operator": User.objects.filter(username="busoperator").first(),
            "operator_name": "Nhà xe Vũ Thắng",
            "route": "Hà Nội – Lai Châu",
            "vehicle_plate": "29B-123.45",
            "departure_at": departure,
            "origin_ward_id": found.get(FAR_ORIGIN),
            "destination_ward_id": destination,
        },
    )
    passengers = [
        TripPassenger(
            trip=trip,
            person=person,
            full_name=person.full_name,
            id_number=person.id_number or "",
            phone=person.phone,
            seat=f"A{index + 1}",
            destination_ward_id=person.ward_id or destination,
        )
        for index, person in enumerate(people)
    ]
    # One passenger the operator typed in who has not declared yet.
    passengers.append(
        TripPassenger(trip=trip, full_name="Hoàng Văn Khách", id_number="099195000001", seat="B1", phone="")
    )
    TripPassenger.objects.bulk_create(passengers, ignore_conflicts=True)
    return trip


def demo_client_id(index: int) -> uuid.UUID:
    return uuid.UUID(f"{CLIENT_ID_PREFIX}{index:012x}")


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([value for value, _w in weighted], [w for _v, w in weighted])[0]


def _scanned_at(rng: random.Random, now: datetime) -> datetime:
    """A moment of the last DAYS days; nights are quieter (a quarter of the daytime traffic)."""
    while True:
        at = now - timedelta(minutes=rng.random() * DAYS * 24 * 60)
        hour = timezone.localtime(at).hour
        if 6 <= hour <= 21 or rng.random() < 0.25:
            return at


def demo_passage(
    index: int,
    *,
    now: datetime,
    checkpoints: list[DemoCheckpoint],
    people: list[tuple[int, int | None]],
    home_wards: list[int],
    guard_id: int | None,
) -> Passage:
    rng = random.Random(f"demo-passage:{index}")  # noqa: S311 (demo data, not secrets)
    checkpoint_index = rng.randrange(len(checkpoints))
    demo = checkpoints[checkpoint_index]
    verdict = _pick(rng, [(v, share) for v, (share, _r) in VERDICTS.items()])
    reasons: list[str] = _pick(rng, VERDICTS[verdict][1])
    direction = "in" if rng.random() < 0.6 else "out"
    vehicle = _pick(rng, VEHICLES)
    person_id, person_ward = rng.choice(people) if people and rng.random() < KNOWN_SHARE else (None, None)
    away = demo.far_origin if vehicle == "bus" else demo.origin
    local = person_ward or rng.choice(home_wards)
    fever = "fever" in reasons
    return Passage(
        client_id=demo_client_id(index),
        seq=0,
        checkpoint=demo.checkpoint,
        person_id=person_id,
        identifier="" if person_id else f"0{rng.randrange(10**10, 10**11)}",
        direction=direction,
        vehicle_plate=""
        if vehicle == "on_foot"
        else f"{rng.choice(PLATE_PROVINCES)}{rng.choice('ABCDEFGH')}{rng.randrange(1, 10)}-"
        f"{rng.randrange(100, 1000)}.{rng.randrange(10, 100)}",
        vehicle_type=vehicle,
        origin_ward_id=away if direction == "in" else local,
        destination_ward_id=local if direction == "in" else away,
        temperature=Decimal(f"{rng.uniform(37.6, 38.9) if fever else rng.uniform(36.0, 37.2):.1f}"),
        verdict=verdict,
        risk_level=reasons[0] if reasons[0] in {"green", "yellow", "red"} else "",
        f_level=1 if "active_f1" in reasons else 2 if "active_f2" in reasons else None,
        reasons=reasons,
        scanned_at=_scanned_at(rng, now),
        recorded_by_id=guard_id,
        tablet_id=f"demo-tablet-{checkpoint_index + 1}",
    )


def _seed_passages(target: int, checkpoints: list[DemoCheckpoint], guard: User | None) -> tuple[int, int]:
    existing = PassageReceipt.objects.filter(client_id__range=CLIENT_ID_RANGE).count()
    if existing >= target or not checkpoints:
        return existing, 0
    now = timezone.now()
    people: list[tuple[int, int | None]] = list(
        Person.objects.filter(is_demo=True).order_by("pk").values_list("pk", "ward_id")[:5000]
    )
    home_wards = list(Ward.objects.filter(province_id=settings.PROVINCE_CODE).values_list("code", flat=True))
    rows = [
        demo_passage(
            i,
            now=now,
            checkpoints=checkpoints,
            people=people,
            home_wards=home_wards,
            guard_id=guard.pk if guard else None,
        )
        for i in range(existing, target)
    ]
    # Each passage with its receipt, in one transaction: a second seeding run starts where
    # the receipts stop, and one that raced it fails on their key and writes nothing.
    with transaction.atomic():
        Passage.objects.bulk_create(rows, batch_size=BATCH)
        PassageReceipt.objects.bulk_create([receipt_for(p, "demo") for p in rows], batch_size=BATCH)
    return PassageReceipt.objects.filter(client_id__range=CLIENT_ID_RANGE).count(), len(rows)
