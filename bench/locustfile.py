"""The peak mix of a province, for locust (run by run_peak.py; docs/BENCHMARKS.md, "Peak").

Rates at ``PEAK_SCALE=1`` (each user paced with ``constant_throughput``, at most ``PEAK_PER_USER`` (2)
requests a second, so a slow server shows as latency and a lower rate, not as retries):

| who | what | rate |
|---|---|---|
| citizens | ``POST /api/v1/declarations/``: a new citizen each, one in five with a cough | 50/s |
| citizens | ``POST /api/v1/checkins/``: a known token at a random venue, a fresh client_id | 300/s |
| guards | ``POST /api/v1/checkpoints/{id}/scans/``: a batch of 10 scans from the guard's own tablet | 20 batches/s (200 scans/s) |
| guards | ``POST /api/v1/checkpoints/{id}/check/``: the online check of one token | 20/s |
| staff | ``GET`` the case list, a case page, the declarations list (in turn), signed in as the CDC | 20/s |
| CDC | ``POST /api/v1/cases/``: a person who checked in this week confirmed (matching follows) | 1/min |

Every user is a ``FastHttpUser`` (geventhttpclient, installed with locust): the same requests
as with ``HttpUser`` (python-requests) for less of the load generator's CPU, which shares the
machine with the server (docs/BENCHMARKS.md, "Peak: the cost of each request").

``PEAK_DATA`` names the directory of the prepared files (tokens, venues, checkpoint, staff.json);
``PEAK_ACK_DIR`` where each locust process writes the client_ids and ids the server acknowledged
(201), so that run_peak.py can check every acknowledged row is in the database.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from locust import FastHttpUser, constant_throughput, events, task

DATA = Path(os.environ.get("PEAK_DATA", "."))
SCALE = float(os.environ.get("PEAK_SCALE", "1"))
ACK_DIR = Path(os.environ.get("PEAK_ACK_DIR", "."))
# Requests per second one locust user makes at most: more users for higher rates. A user waits for
# its answer, so the rate holds while answers take less than 1 / PER_USER s (500 ms): beyond, the
# offered rate falls, and the run shows it as a served rate below the offered one.
PER_USER = float(os.environ.get("PEAK_PER_USER", "2"))
WARDS = [int(w) for w in os.environ.get("PEAK_WARDS", "3388").split(",")]
PREFIXES = ["001", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022", "024", "025", "026", "027"]


def _lines(name: str) -> list[str]:
    path = DATA / name
    return [line for line in path.read_text().splitlines() if line] if path.exists() else []


TOKENS = _lines("tokens.txt")
VENUES = _lines("venues.txt")
CHECKPOINT = (_lines("checkpoint.txt") or ["0"])[0]
GUARD_KEY = (_lines("key.txt") or [""])[0]
ID_NUMBERS = _lines("ids.txt")
STAFF: dict[str, Any] = json.loads((DATA / "staff.json").read_text()) if (DATA / "staff.json").exists() else {}
ACKED: dict[str, list[str]] = {"checkins": [], "scans": [], "declarations": []}
_counter = itertools.count(random.randrange(10**6))


def users_for(rate: float) -> tuple[int, float]:
    """(users, each one's requests per second) for a class's rate at this scale."""
    rate *= SCALE
    users = max(1, math.ceil(rate / PER_USER))
    return users, rate / users


def _paced(rate: float) -> dict[str, Any]:
    users, each = users_for(rate)
    return {"fixed_count": users, "wait_time": constant_throughput(each)}


class DeclaringCitizen(FastHttpUser):
    locals().update(_paced(50))

    @task
    def declare(self) -> None:
        n = next(_counter)
        body = {
            "kind": "daily",
            "person": {"full_name": "Nguyễn Văn Thử", "id_number": f"{PREFIXES[n % 15]}090{(n // 15) % 10**6:06d}",
                       "date_of_birth": "1990-05-17", "gender": "male", "phone": "0912345678",
                       "ward_code": WARDS[n % len(WARDS)], "address": "Bản 1"},
            "symptoms": ["cough"] if n % 5 == 0 else [],
            "exposures": {"case_contact": False, "outbreak_zone": False, "abroad_14d": False},
        }  # fmt: skip
        with self.client.post("/api/v1/declarations/", json=body, name="citizen: declare", catch_response=True) as r:
            if r.status_code == 201:
                ACKED["declarations"].append(str(r.json().get("id", "")))
                r.success()
            elif r.status_code == 200:  # the same citizen again today: their declaration is renewed
                r.success()
            else:
                r.failure(f"{r.status_code}")


class CheckingInCitizen(FastHttpUser):
    locals().update(_paced(300))

    @task
    def check_in(self) -> None:
        client_id = str(uuid.uuid4())
        body = {"venue_code": random.choice(VENUES), "qr_token": random.choice(TOKENS), "client_id": client_id}
        with self.client.post("/api/v1/checkins/", json=body, name="citizen: check in", catch_response=True) as r:
            if r.status_code == 201:
                ACKED["checkins"].append(client_id)
                r.success()
            elif r.status_code == 200:  # the person is still inside this venue: their record, nothing new
                r.success()
            else:
                r.failure(f"{r.status_code}")


class SyncingGuard(FastHttpUser):
    """A guard with a tablet of their own, named once for the run (as a tablet keeps the id it
    made): the server keeps one status row per tablet, which two guards would share otherwise."""

    locals().update(_paced(20))
    cursor: ClassVar[itertools.count[int]] = itertools.count(random.randrange(10**6))
    tablets: ClassVar[itertools.count[int]] = itertools.count(1)

    def on_start(self) -> None:
        self.tablet_id = f"peak-tablet-{os.getpid()}-{next(self.tablets)}"

    @task
    def sync(self) -> None:
        at = (datetime.now(UTC) - timedelta(seconds=30)).isoformat()
        scans = []
        for i in range(10):
            n = next(self.cursor)
            who = {"qr_token": TOKENS[n % len(TOKENS)]}
            if ID_NUMBERS and n % 50 == 0:
                who = {"id_number": ID_NUMBERS[n % len(ID_NUMBERS)]}
            scans.append({"client_id": str(uuid.uuid4()), "direction": "in" if i % 2 else "out", "scanned_at": at,
                          **who})  # fmt: skip
        body = {"tablet_id": self.tablet_id, "pending": 0, "scans": scans}
        headers = {"Authorization": f"Token {GUARD_KEY}"}
        path = f"/api/v1/checkpoints/{CHECKPOINT}/scans/"
        with self.client.post(path, json=body, headers=headers, name="guard: sync 10 scans", catch_response=True) as r:
            if r.status_code == 200:
                ACKED["scans"] += [x["client_id"] for x in r.json()["results"] if x.get("status") == "created"]
                r.success()
            else:
                r.failure(f"{r.status_code}")


class CheckingGuard(FastHttpUser):
    locals().update(_paced(20))

    @task
    def check(self) -> None:
        self.client.post(
            f"/api/v1/checkpoints/{CHECKPOINT}/check/",
            json={"qr_token": random.choice(TOKENS)},
            headers={"Authorization": f"Token {GUARD_KEY}"},
            name="guard: online check",
        )


class Staff(FastHttpUser):
    locals().update(_paced(20))
    pages = itertools.count()
    # The session as a header of each request (what the cookie jar would send: nothing else
    # the pages set is needed for a GET).
    cookie: ClassVar[dict[str, str]] = {"Cookie": f"sessionid={STAFF.get('session', '')}"}

    @task
    def open_page(self) -> None:
        n = next(self.pages)
        if n % 3 == 0:
            path, name = "/contacts/cases/", "staff: case list"
        elif n % 3 == 1 and STAFF.get("cases"):
            path, name = f"/contacts/cases/{STAFF['cases'][n % len(STAFF['cases'])]}/", "staff: case page"
        else:
            path, name = "/declarations/staff/", "staff: declarations list"
        # Not followed: a redirect to the sign-in page is a failure, not a fast page.
        with self.client.get(path, name=name, headers=self.cookie, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")


class ConfirmingOfficer(FastHttpUser):
    """One case a minute, whatever the scale (the matching of each runs in the worker)."""

    fixed_count = 1
    wait_time = constant_throughput(1 / 60)
    candidates: ClassVar[list[int]] = []

    def on_start(self) -> None:
        self.candidates = list(STAFF.get("candidates", []))
        random.shuffle(self.candidates)

    @task
    def confirm(self) -> None:
        if not self.candidates:
            return
        body = {"person_id": self.candidates.pop(), "confirmed_at": datetime.now(UTC).isoformat()}
        headers = {"Authorization": f"Token {STAFF.get('token', '')}"}
        self.client.post("/api/v1/cases/", json=body, headers=headers, name="cdc: confirm a case")


@events.test_stop.add_listener
def _write_acknowledged(**_kwargs: Any) -> None:
    ACK_DIR.mkdir(parents=True, exist_ok=True)
    for kind, values in ACKED.items():
        with open(ACK_DIR / f"{kind}-{os.getpid()}.txt", "a") as out:
            out.write("".join(f"{v}\n" for v in values))
