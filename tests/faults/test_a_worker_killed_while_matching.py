"""A Celery worker killed with SIGKILL in the middle of matching a large case.

Real worker processes on the fault services (``make faults``): the first takes the case's
``match_case`` task and is killed once its first level is committed, while it looks for the
second; the task, acknowledged late and never acknowledged, stays in Redis' unacked set and is
delivered again to the worker started after it (``CELERY_VISIBILITY_TIMEOUT`` shortened to a
few seconds here; an hour in production). After that: the same exposures and follow-ups as
the data dictates, and exactly one warning SMS per exposed person.
"""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from contacts.models import Case, Exposure, FollowUp
from contacts.tasks import match_case
from tests.contacts.conftest import T0
from tests.factories import VenueFactory, home_ward
from tests.workers import queue_drained, start_worker, wait_for
from truyvet.people.models import Person
from venues.models import CheckIn

pytestmark = [
    pytest.mark.faults,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fault_services", "geo_units"),
]

# F1 people at the market with the case; each F1 later shares a shop with F2_PER_F1 people.
F1 = int(os.environ.get("FAULT_MATCH_F1", "200"))
F2_PER_F1 = int(os.environ.get("FAULT_MATCH_F2_PER_F1", "25"))
SHOPS = 40


def people(count: int, first: int) -> list[Person]:
    ward = home_ward(0)
    rows = [
        Person(full_name=f"Người thử {n}", name_key=f"nguoi thu {n}", id_number=f"0120{n:08d}",
               gender="female", phone=f"+8490{n:07d}", ward=ward)
        for n in range(first, first + count)
    ]  # fmt: skip
    return Person.objects.bulk_create(rows, batch_size=5000)


def stays(rows: list[tuple[Person, int, int, int]]) -> None:
    """(person, venue id, start minute, end minute) from T0."""
    CheckIn.objects.bulk_create(
        [
            CheckIn(venue_id=venue, person=person, client_id=uuid.uuid4(),
                    checked_in_at=T0 + timedelta(minutes=start), ends_at=T0 + timedelta(minutes=end))
            for person, venue, start, end in rows
        ],
        batch_size=5000,
    )  # fmt: skip


def sms_phones(folder: Path) -> Counter[str]:
    lines = [line for path in (folder / "sms").glob("*.jsonl") for line in path.read_text().splitlines()]
    return Counter(str(json.loads(line)["to"]) for line in lines)


def test_a_worker_killed_mid_case_leaves_the_same_exposures_and_one_warning_per_person_after_the_redelivery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    market = VenueFactory(name="Chợ lớn", category="market", address="1")
    shops = [VenueFactory(name=f"Tiệm {i}", category="other", address=f"{i + 2}").pk for i in range(SHOPS)]
    (patient,) = people(1, 0)
    f1s = people(F1, 1)
    f2s = people(F1 * F2_PER_F1, 1 + F1)
    rows = [(patient, market.pk, 0, 60)]
    for i, f1 in enumerate(f1s):
        # One F1 per (shop, hour): their F2 meet only them.
        shop, start = shops[i % SHOPS], 120 + 60 * (i // SHOPS)
        rows += [(f1, market.pk, 10, 50), (f1, shop, start, start + 40)]
        rows += [(f2, shop, start, start + 40) for f2 in f2s[i * F2_PER_F1 : (i + 1) * F2_PER_F1]]
    stays(rows)
    assert T0 + timedelta(minutes=120 + 60 * (F1 // SHOPS)) < T0 + timedelta(hours=24), "stays must be past"
    case = Case.objects.create(
        person=patient, ward_id=patient.ward_id, confirmed_at=T0 + timedelta(hours=20), sample_date=T0.date()
    )

    monkeypatch.setenv("CELERY_VISIBILITY_TIMEOUT", "5")
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
    first = start_worker(tmp_path / "first", "first")
    started = time.monotonic()
    try:
        match_case.delay(case.pk)
        # Polled every 20 ms: the kill must land while the second level is being looked for.
        deadline, reached = time.monotonic() + 120, False
        while not reached and time.monotonic() < deadline:
            reached = Exposure.objects.filter(case=case, level=1).exists()
            time.sleep(0.02)
        first.process.send_signal(signal.SIGKILL)  # kill -9: no acknowledgement, no clean-up
        killed_after = time.monotonic() - started
    finally:
        first.stop(kill=True)
    assert reached, "the first worker never committed the first level"
    case.refresh_from_db()
    assert case.matching != "done", "matching finished before the kill: make the case larger (FAULT_MATCH_F1)"
    committed_f2 = Exposure.objects.filter(case=case, level=2).count()
    assert committed_f2 == 0, "the second level's transaction must not be half there"

    second = start_worker(tmp_path / "second", "second")
    try:
        expected = 1 + F1 + F1 * F2_PER_F1 - 1  # everyone but the patient
        assert wait_for(lambda: Case.objects.filter(pk=case.pk, matching="done").exists(), timeout=300)
        assert wait_for(lambda: sum(sms_phones(tmp_path / "second").values()) >= expected, timeout=600)
        assert wait_for(queue_drained, timeout=120)
    finally:
        second.stop()
    recovered_after = time.monotonic() - started

    levels = dict(Exposure.objects.filter(case=case).values_list("person_id", "level"))
    assert levels == {p.pk: 1 for p in f1s} | {p.pk: 2 for p in f2s}
    assert FollowUp.objects.filter(state="active").count() == expected
    phones = sms_phones(tmp_path / "second")
    assert sms_phones(tmp_path / "first") == Counter()
    assert set(phones) == {str(p.phone) for p in f1s + f2s}
    assert max(phones.values()) == 1, [phone for phone, n in phones.items() if n > 1][:5]
    print(f"killed after {killed_after:.1f} s; all {expected} warned once after {recovered_after:.1f} s")
