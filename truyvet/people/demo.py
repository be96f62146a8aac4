"""Demo people with Vietnamese names, living in households across the home province.

Person number ``i`` is always generated the same way (its own seeded generator), so the
command can resume where an earlier run stopped and never duplicates anybody.
"""

from __future__ import annotations

import random
from argparse import ArgumentParser
from datetime import date, timedelta
from typing import Any, TextIO

from django.conf import settings
from django.db import reset_queries, transaction

from truyvet.geo.models import Ward
from truyvet.people.models import Household, Person
from truyvet.people.normalize import new_ref, search_key

HOUSEHOLD_SIZE = 4
BATCH = 5000

# Weighted surnames: the Kinh majority, plus Thái, Mông and Dao names common in Lai Châu.
SURNAMES = [
    ("Nguyễn", 30),
    ("Trần", 9),
    ("Lê", 8),
    ("Phạm", 6),
    ("Hoàng", 4),
    ("Vũ", 3),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 1),
    ("Ngô", 1),
    ("Dương", 1),
    ("Lò", 6),
    ("Lường", 3),
    ("Giàng", 5),
    ("Vàng", 4),
    ("Sùng", 3),
    ("Tẩn", 3),
    ("Lý", 3),
    ("Hạng", 2),
    ("Tao", 1),
    ("Chẻo", 1),
]
MIDDLE = {
    "male": ["Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "A"],
    "female": ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Thị"],
}
GIVEN = {
    "male": [
        "An",
        "Bình",
        "Cường",
        "Dũng",
        "Hùng",
        "Huy",
        "Khang",
        "Long",
        "Nam",
        "Phong",
        "Quân",
        "Sơn",
        "Thắng",
        "Tuấn",
        "Việt",
        "Vinh",
        "Páo",
        "Sử",
        "Chứ",
        "Phù",
    ],
    "female": [
        "Anh",
        "Chi",
        "Dung",
        "Hà",
        "Hằng",
        "Hoa",
        "Hương",
        "Lan",
        "Linh",
        "Mai",
        "Nga",
        "Ngọc",
        "Phương",
        "Thảo",
        "Trang",
        "Vân",
        "Xuân",
        "Mỷ",
        "Pằng",
        "Sua",
    ],
}
# Province-of-birth prefixes of the citizen id (Circular 07/2016): one per million people,
# so (prefix, serial) never repeats.
BIRTH_PREFIXES = ["012", "011", "010", "014", "015", "001", "008", "017", "019", "020"]
_SURNAME_NAMES = [name for name, _ in SURNAMES]
_SURNAME_WEIGHTS = [weight for _, weight in SURNAMES]


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--people", type=int, default=300, help="Demo people to have in total (default 300).")


def id_number_for(index: int, born: date, gender: str) -> str:
    century = (born.year // 100) - 19  # 1900s: 0, 2000s: 1
    gender_digit = 2 * century + (1 if gender == "female" else 0)
    return f"{BIRTH_PREFIXES[index // 1_000_000]}{gender_digit}{born.year % 100:02d}{index % 1_000_000:06d}"


def person_fields(index: int, ward_codes: list[int]) -> dict[str, Any]:
    rng = random.Random(index)  # noqa: S311 (demo data, not secrets)
    gender = "female" if rng.random() < 0.5 else "male"
    name = " ".join(
        [rng.choices(_SURNAME_NAMES, _SURNAME_WEIGHTS)[0], rng.choice(MIDDLE[gender]), rng.choice(GIVEN[gender])]
    )
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 84))
    household_head = index - index % HOUSEHOLD_SIZE
    head_rng = random.Random(household_head)  # noqa: S311
    return {
        "full_name": name,
        "name_key": search_key(name),
        "gender": gender,
        "date_of_birth": born,
        "id_number": id_number_for(index, born, gender),
        "phone": f"+849{household_head:08d}"[:12],
        "ward_id": head_rng.choice(ward_codes),
        "address": f"Bản {head_rng.randrange(1, 40)}, nhà số {head_rng.randrange(1, 200)}",
    }


def seed(options: dict[str, Any], out: TextIO) -> None:
    target = options["people"]
    ward_codes = list(Ward.objects.filter(province_id=settings.PROVINCE_CODE).values_list("code", flat=True))
    existing = Person.objects.filter(is_demo=True).count()
    created = 0
    for start in range(existing, target, BATCH):
        stop = min(start + BATCH, target)
        with transaction.atomic():
            created += _create_batch(start, stop, ward_codes)
        reset_queries()  # with DEBUG on, Django would keep every batch's SQL in memory
    out.write(f"  {existing + created} demo people ({created} new)")


def _create_batch(start: int, stop: int, ward_codes: list[int]) -> int:
    rows = [person_fields(i, ward_codes) for i in range(start, stop)]
    heads = sorted({i - i % HOUSEHOLD_SIZE for i in range(start, stop)})
    households: dict[int, int] = {}
    if start % HOUSEHOLD_SIZE:
        # The first household of this batch was started by the previous run.
        previous = Person.objects.filter(is_demo=True, household__isnull=False).order_by("-pk").first()
        if previous is not None and previous.household_id is not None:
            households[heads.pop(0)] = previous.household_id
    new = Household.objects.bulk_create(
        [
            Household(address=rows[max(h - start, 0)]["address"], ward_id=rows[max(h - start, 0)]["ward_id"])
            for h in heads
        ]
    )
    households.update({h: household.pk for h, household in zip(heads, new, strict=True)})
    people = [
        Person(ref=new_ref(), is_demo=True, household_id=households[i - i % HOUSEHOLD_SIZE], **row)
        for i, row in zip(range(start, stop), rows, strict=True)
    ]
    Person.objects.bulk_create(people, batch_size=BATCH, ignore_conflicts=True)
    return len(people)
