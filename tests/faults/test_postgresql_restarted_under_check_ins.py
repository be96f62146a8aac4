"""PostgreSQL restarted while citizens check in (``make faults``: the fault cluster is stopped for
``FAULT_PG_DOWN_SECONDS``, 5 by default, and started again; never a shared one).

gunicorn serves the portal on the fault cluster; clients post check-ins, each with its own
``client_id``, while PostgreSQL stops (every session cut) and starts again. Every 201 has its row; a
request that met the database down is answered 503 (never a 500, never a cut connection), and the
client's retry with the same ``client_id`` writes exactly one row.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.db import connections

from tests.factories import PersonFactory, VenueFactory
from tests.faults.conftest import post_json, services, start_server
from truyvet.credentials.services import qr_issue
from venues.models import CheckIn

pytestmark = [
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fault_services", "geo_units"),
]

SECONDS = float(os.environ.get("FAULT_PG_LOAD_SECONDS", "20"))
DOWN = float(os.environ.get("FAULT_PG_DOWN_SECONDS", "5"))
CLIENTS = 4


def test_every_201_has_its_row_and_a_503_retried_with_its_client_id_writes_one_row(tmp_path: Path) -> None:
    venues = [VenueFactory(name=f"Quán {i}", category="restaurant", address=str(i)).code for i in range(20)]
    tokens = [qr_issue(person=person, risk_level="green")[0] for person in PersonFactory.create_batch(200)]
    # Each request a new (person, venue) pair: a second check-in of someone still inside the
    # same venue is answered with the first one's record and writes nothing.
    pairs = iter(itertools.product(tokens, venues))
    lock = threading.Lock()
    answers: dict[str, list[int]] = {}
    bodies: dict[str, dict[str, str]] = {}
    server = start_server(tmp_path, workers=2, threads=2)
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            with lock:
                token, venue = next(pairs)
            body = {"venue_code": venue, "qr_token": token, "client_id": str(uuid.uuid4())}
            status = post_json(server, "/api/v1/checkins/", body)
            with lock:
                bodies[body["client_id"]] = body
                answers[body["client_id"]] = [status]

    try:
        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(SECONDS / 2)
        # Down for a few seconds, as a restart after a crash or a failover takes: requests land
        # in the gap, not only on cut sessions.
        services("stop-pg")
        time.sleep(DOWN)
        services("start-pg")
        connections.close_all()  # this process's own session was cut too
        time.sleep(SECONDS / 2)
        stop.set()
        for thread in threads:
            thread.join()
        # The clients retry what was not acknowledged, with the same client_id, twice over.
        for client_id, statuses in answers.items():
            if statuses[0] != 201:
                for _ in range(2):
                    statuses.append(post_json(server, "/api/v1/checkins/", bodies[client_id]))
    finally:
        server.stop()

    first = [statuses[0] for statuses in answers.values()]
    print(f"{len(first)} check-ins: " + ", ".join(f"{s}: {first.count(s)}" for s in sorted(set(first))))
    assert 500 not in {s for statuses in answers.values() for s in statuses}, "a 500 is a bug"
    assert set(first) <= {201, 503}, "no answer other than 201 or 503 (0: the connection was cut)"
    assert first.count(503) > 0, "the restart was not seen: lengthen FAULT_PG_LOAD_SECONDS"
    rows = dict(CheckIn.objects.values_list("client_id", "pk"))
    assert {str(c) for c in rows} == set(answers), "every client_id acknowledged or retried has exactly one row"
    for statuses in answers.values():
        assert statuses[0] == 201 or (statuses[1] == 201 and statuses[2] == 200), statuses
