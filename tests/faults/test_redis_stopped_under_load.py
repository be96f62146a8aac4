"""Redis stopped for a minute (``FAULT_REDIS_DOWN_SECONDS``, 60 by default; shorter in CI) while
citizens declare and check in and the CDC confirms a case (``make faults``: the fault Redis).

Redis is stopped without saving, as a crash loses its queues. During the outage every write is
accepted (201); once Redis is back the case's warnings reach each exposed person, and the
declarations' alerts are on the units' lists: each exactly once.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from contacts.models import Case
from tests.factories import PersonFactory, VenueFactory, home_ward
from tests.faults.conftest import post_json, services, start_server
from tests.workers import queue_drained, start_relay, start_worker, wait_for
from truyvet.accounts.models import Alert, HealthUnit, User
from truyvet.credentials.services import qr_issue
from venues.models import CheckIn

pytestmark = [
    pytest.mark.faults,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fault_services", "geo_units"),
]

DOWN = float(os.environ.get("FAULT_REDIS_DOWN_SECONDS", "60"))


def declaration(n: int) -> dict[str, object]:
    """A new citizen with a cough who met a case: red, which alerts the ward's units."""
    return {
        "kind": "daily",
        "person": {"full_name": f"Người khai {n}", "id_number": f"001090{n:06d}", "date_of_birth": "1990-05-17",
                   "gender": "male", "phone": f"09{n:08d}", "ward_code": home_ward(0).code, "address": "Bản 1"},
        "symptoms": ["cough"],
        "exposures": {"case_contact": True, "outbreak_zone": False, "abroad_14d": False},
    }  # fmt: skip


def test_writes_are_accepted_while_redis_is_down_and_warnings_and_alerts_arrive_once_after(
    tmp_path: Path, cdc: User, station: HealthUnit
) -> None:
    started = timezone.now()
    market = VenueFactory(name="Chợ", category="market", address="1")
    venues = [VenueFactory(name=f"Quán {i}", category="restaurant", address=str(i + 2)).code for i in range(10)]
    patient = PersonFactory(ward=home_ward(0))
    visitors = PersonFactory.create_batch(30, ward=home_ward(0))
    then = started - timedelta(hours=6)
    CheckIn.objects.bulk_create(
        [CheckIn(venue=market, person=p, client_id=uuid.uuid4(), checked_in_at=then, ends_at=then + timedelta(hours=1))
         for p in [patient, *visitors]]
    )  # fmt: skip
    tokens = [qr_issue(person=p, risk_level="green")[0] for p in PersonFactory.create_batch(50)]
    cdc_token = Token.objects.create(user=cdc).key

    (tmp_path / "worker").mkdir()
    worker = start_worker(tmp_path / "worker", "worker")
    relay = start_relay(tmp_path / "worker")
    server = start_server(tmp_path, workers=2, threads=2)
    statuses: Counter[tuple[str, int]] = Counter()
    declared = 0
    try:
        services("stop-redis")
        deadline = time.monotonic() + DOWN

        def staff() -> None:
            confirm = {"person_id": patient.pk, "confirmed_at": started.isoformat()}
            auth = {"Authorization": f"Token {cdc_token}"}
            statuses[("case", post_json(server, "/api/v1/cases/", confirm, auth))] += 1

        def citizens(offset: int) -> None:
            nonlocal declared
            n = offset
            while time.monotonic() < deadline:
                n += 2
                status = post_json(server, "/api/v1/declarations/", declaration(n))
                statuses[("declaration", status)] += 1
                if status == 201:
                    declared += 1
                body = {"venue_code": venues[n % len(venues)], "qr_token": tokens[n % len(tokens)],
                        "client_id": str(uuid.uuid4())}  # fmt: skip
                statuses[("checkin", post_json(server, "/api/v1/checkins/", body))] += 1

        threads = [threading.Thread(target=citizens, args=(i,)) for i in range(2)] + [threading.Thread(target=staff)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        services("start-redis")
        print(f"during the outage of {DOWN:.0f} s: {dict(statuses)}")
        # A check-in at a venue where the person's stay is still open answers that stay (200).
        assert {status for (kind, status) in statuses if kind != "checkin"} == {201}, statuses
        assert {status for (kind, status) in statuses if kind == "checkin"} <= {200, 201}, statuses

        phones = {str(p.phone) for p in visitors}
        assert wait_for(lambda: Case.objects.filter(matching="done").exists(), timeout=180), "matching never ran"
        assert wait_for(lambda: phones <= set(sms(worker.sms_dir)), timeout=180), "warnings never arrived"
        assert wait_for(queue_drained, timeout=120)
    finally:
        services("start-redis")
        server.stop()
        relay.stop()
        worker.stop()
    sent = sms(worker.sms_dir)
    assert max(sent.values()) == 1, [phone for phone, n in sent.items() if n > 1]
    alerts = Alert.objects.filter(kind="declaration", unit=station)
    assert alerts.count() == declared
    assert alerts.values("dedupe_key").distinct().count() == declared


def sms(folder: Path) -> Counter[str]:
    lines = [line for path in folder.glob("*.jsonl") for line in path.read_text().splitlines()]
    return Counter(str(json.loads(line)["to"]) for line in lines)
