"""Chains of transmission of any size, written in a few bulk inserts (for the graph's browser tests)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from contacts.models import Case, Cluster, Exposure, MatchingState
from tests.factories import CaseFactory, PersonFactory, home_ward
from truyvet.people.models import Person
from truyvet.people.normalize import search_key
from venues.models import Venue

VIAS = ["venue", "venue", "proximity", "manual"]


def two_person_case() -> Case:
    """A case and the one person they met at a market: the smallest chain."""
    ward = home_ward(0)
    case = CaseFactory(person=PersonFactory(full_name="Lò Văn Bệnh", ward=ward))
    market = Venue.objects.create(name="Chợ Trung tâm Mường Tè", category="market", address="1 Lê Lợi", ward=ward)
    met = timezone.now() - timedelta(hours=30)
    Exposure.objects.create(
        case=case,
        person=PersonFactory(full_name="Quàng Thị Gặp", ward=ward),
        source_person=case.person,
        level=1,
        via="venue",
        venue=market,
        overlap_start=met,
        overlap_end=met + timedelta(hours=1),
        last_contact_at=met + timedelta(hours=1),
        ward=ward,
        created_at=timezone.now(),
    )
    return case


def cluster(name: str, n_cases: int, n_people: int, seed: int = 5) -> Cluster:
    """A cluster of ``n_cases`` cases and ``n_people`` people in all: each case's F1 and F2,
    and each case an F1 of the one before (the chain)."""
    rng = random.Random(seed)
    wards = [home_ward(i) for i in range(3)]
    now = timezone.now().replace(microsecond=0)
    start = now - timedelta(days=14)
    people = Person.objects.bulk_create(
        [
            Person(full_name=f"Người Chuỗi {i}", name_key=search_key(f"Người Chuỗi {i}"), ward=rng.choice(wards))
            for i in range(n_people)
        ],
        batch_size=2000,
    )
    venues = Venue.objects.bulk_create(
        [Venue(name=f"Chợ {i}", category="market", address=f"{i} Lê Lợi", ward=rng.choice(wards)) for i in range(8)]
    )
    group = Cluster.objects.create(name=name, ward=wards[0])
    cases = Case.objects.bulk_create(
        [
            Case(
                person=p,
                ward_id=p.ward_id,
                cluster=group,
                classification="confirmed",
                confirmed_at=start + timedelta(hours=6 * i),
                matching=MatchingState.DONE,
            )
            for i, p in enumerate(people[:n_cases])
        ]
    )
    contacts = people[n_cases:]
    exposures: list[Exposure] = []

    def expose(case: Case, person: Person, source: Person, level: int, when: datetime) -> None:
        via = rng.choice(VIAS)
        exposures.append(
            Exposure(
                case=case,
                person=person,
                source_person=source,
                level=level,
                via=via,
                venue=rng.choice(venues) if via == "venue" else None,
                overlap_start=when,
                overlap_end=when + timedelta(hours=1),
                last_contact_at=when + timedelta(hours=1),
                ward_id=person.ward_id,
                created_at=now,
            )
        )

    per_case = max(1, len(contacts) // n_cases)
    for i, case in enumerate(cases):
        assert case.confirmed_at is not None
        mine = contacts[i * per_case : (i + 1) * per_case] if i < n_cases - 1 else contacts[i * per_case :]
        f1s = mine[: max(1, len(mine) * 3 // 5)]
        for person in f1s:
            expose(case, person, case.person, 1, case.confirmed_at - timedelta(hours=rng.randint(1, 48)))
        for person in mine[len(f1s) :]:
            expose(case, person, rng.choice(f1s), 2, case.confirmed_at - timedelta(hours=rng.randint(0, 24)))
        if i + 1 < n_cases:
            expose(case, cases[i + 1].person, case.person, 1, case.confirmed_at - timedelta(hours=2))
    Exposure.objects.bulk_create(exposures, batch_size=2000)
    return group
