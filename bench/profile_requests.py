"""The peak mix's requests in process, one kind at a time: what each costs the processor.

Each request goes through ``truyvet.wsgi.application`` itself (every middleware, as gunicorn
calls it: a WSGI environ, the body read from ``wsgi.input``, the answer iterated and closed,
so ``request_finished`` runs), with the bodies and headers of bench/locustfile.py; no HTTP
server, no network, no other request at the same time.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME BENCH_REDIS_URL=redis://127.0.0.1:6379/N \\
        .venv/bin/python bench/profile_requests.py [--data DIR] [--count 400] [--only checkin,check] [--profile]

On a database with the demo province (``seed_demo``; small sizes do). Without ``--data`` it
prepares, as run_peak.py does, the tokens, venues, the guard and the CDC officer's session
(``--people``, ``--venues``) in a new directory and prints it; ``--data`` reuses one (its
tokens last 7 days), so that two runs (before and after a change) read the same data.

For each kind: requests, the median wall time (for orientation only: it counts the waits
for a core on a shared machine), the processor time a request costs this process (Django
and Python: ``time.process_time``) and its PostgreSQL backend (read from /proc, same
machine), and the SQL statements it sends (as Django executes them; BEGIN and COMMIT are
not statements here). Then the mix's average, weighted by the peak's rates: the processor
time of the web tier and of the database per request of the mix. ``--profile`` adds the
standard library's profile (cProfile) of the timed requests of each kind: the functions of
most own time and of most time with their callees.

The lower bound measured in the same run: ``POST /bench/insert-one`` (``BENCH_BASELINE=1``,
set here), a bare Django view through the same middleware that parses a JSON body and
inserts one row.

What each kind leaves behind: the check-ins it made are deleted at the end (by client_id,
with their receipts), so the next run finds the same open stays; declarations (new people),
passages and audit events stay, as the peak's would.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lib import server_env

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(server_env())
# One connection, one PostgreSQL backend to read the time of, for the whole run (a server
# recycles its connections every minute: a negligible cost, but a new backend's time is lost).
os.environ["DB_CONN_MAX_AGE"] = "3600"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

# The peak's rates at scale 1 (bench/locustfile.py): the weights of the mix's average.
RATES = {"checkin": 300.0, "declare": 50.0, "scans": 20.0, "check": 20.0, "staff": 20.0}
PREFIXES = ["001", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022", "024", "025", "026", "027"]


# --- Measuring ------------------------------------------------------------------------------


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def backend_cpu_seconds(pid: int) -> float:
    """Processor time a PostgreSQL backend has used (user + system, from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


@dataclass
class Request:
    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    expect: tuple[int, ...] = (200, 201)
    label: str = ""  # a part of a kind (the staff's three pages), reported apart too


def wsgi_call(app: Any, request: Request) -> tuple[int, bytes]:
    """One request as gunicorn hands it to Django (the headers python-requests sends)."""
    path, _sep, query = request.path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8077",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "50000",
        "HTTP_HOST": "127.0.0.1:8077",
        "HTTP_USER_AGENT": "python-requests/2.32.3",
        "HTTP_ACCEPT_ENCODING": "gzip, deflate",
        "HTTP_ACCEPT": "*/*",
        "HTTP_CONNECTION": "keep-alive",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(request.body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if request.body:
        environ["CONTENT_TYPE"] = "application/json"
        environ["CONTENT_LENGTH"] = str(len(request.body))
    for name, value in request.headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    started: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        started.append(status)

    result = app(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return int(started[0][:3]), content


@dataclass
class Figures:
    kind: str
    count: int
    wall_median_ms: float
    process_ms: float
    backend_ms: float
    statements: float
    statuses: dict[int, int]
    parts: dict[str, tuple[int, float]] = field(default_factory=dict)  # label: (requests, CPU ms each)

    @property
    def total_ms(self) -> float:
        return self.process_ms + self.backend_ms


def measure(
    app: Any, kind: str, make: Callable[[], Request], *, count: int, warm_up: int, profile: bool
) -> tuple[Figures, cProfile.Profile | None]:
    for _ in range(warm_up):
        request = make()
        status, content = wsgi_call(app, request)
        assert status in request.expect, (kind, status, content[:500])
    requests = [make() for _ in range(count)]
    # Processor time, not the wall clock: on a shared machine the waits for a core would
    # land on whatever function was running.
    profiler = cProfile.Profile(time.thread_time) if profile else None
    counter, times, statuses = StatementCounter(), [], {}
    parts: dict[str, list[float]] = {}
    pid = backend_pid()
    backend, process = backend_cpu_seconds(pid), time.process_time()
    with connection.execute_wrapper(counter):
        for request in requests:
            if profiler is not None:
                profiler.enable()
            began, cpu = time.perf_counter(), time.thread_time()
            status, content = wsgi_call(app, request)
            times.append(time.perf_counter() - began)
            if request.label:
                parts.setdefault(request.label, []).append(time.thread_time() - cpu)
            if profiler is not None:
                profiler.disable()
            assert status in request.expect, (kind, status, content[:500])
            statuses[status] = statuses.get(status, 0) + 1
    process = time.process_time() - process
    if backend_pid() != pid:
        print(f"  ({kind}: the database connection was replaced during the run: no backend time)")
        backend = float("nan")
    else:
        backend = backend_cpu_seconds(pid) - backend
    figures = Figures(
        kind=kind,
        count=count,
        wall_median_ms=statistics.median(times) * 1000,
        process_ms=process / count * 1000,
        # The two pg_backend_pid() calls and /proc's 10 ms ticks are within the noise.
        backend_ms=backend / count * 1000,
        statements=counter.count / count,
        statuses=statuses,
        parts={label: (len(cpu), sum(cpu) / len(cpu) * 1000) for label, cpu in parts.items()},
    )
    return figures, profiler


# --- The mix's requests (bench/locustfile.py) -------------------------------------------------


def lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line] if path.exists() else []


class Mix:
    def __init__(self, data: Path, seed: int) -> None:
        from django.conf import settings

        self.rnd = random.Random(seed)
        self.tokens = lines(data / "tokens.txt")
        self.venues = lines(data / "venues.txt")
        self.checkpoint = lines(data / "checkpoint.txt")[0]
        self.guard_key = lines(data / "key.txt")[0]
        self.ids = lines(data / "ids.txt")
        self.staff = json.loads((data / "staff.json").read_text())
        self.wards = [
            w.code
            for w in __import__("truyvet.geo.models", fromlist=["Ward"])
            .Ward.objects.filter(province_id=settings.PROVINCE_CODE)
            .only("code")
        ][:20]
        # Clock-seeded id numbers (100 a second, 15 million before they repeat): each run's
        # citizens are new, as the peak's, so every declaration takes the new-person path.
        self.counter = itertools.count(int(time.time() * 100) % (15 * 10**6))
        self.cursor = itertools.count(self.rnd.randrange(10**6))
        self.pages = itertools.count()
        self.checkin_ids: list[str] = []

    def checkin(self) -> Request:
        client_id = str(uuid.uuid4())
        self.checkin_ids.append(client_id)
        body = {"venue_code": self.rnd.choice(self.venues), "qr_token": self.rnd.choice(self.tokens),
                "client_id": client_id}  # fmt: skip
        return Request("POST", "/api/v1/checkins/", json.dumps(body).encode())

    def declare(self) -> Request:
        n = next(self.counter)
        body = {
            "kind": "daily",
            "person": {"full_name": "Nguyễn Văn Thử", "id_number": f"{PREFIXES[n % 15]}090{(n // 15) % 10**6:06d}",
                       "date_of_birth": "1990-05-17", "gender": "male", "phone": "0912345678",
                       "ward_code": self.wards[n % len(self.wards)], "address": "Bản 1"},
            "symptoms": ["cough"] if n % 5 == 0 else [],
            "exposures": {"case_contact": False, "outbreak_zone": False, "abroad_14d": False},
        }  # fmt: skip
        return Request("POST", "/api/v1/declarations/", json.dumps(body).encode())

    def scans(self) -> Request:
        at = (datetime.now(UTC) - timedelta(seconds=30)).isoformat()
        scans = []
        for i in range(10):
            n = next(self.cursor)
            who = {"qr_token": self.tokens[n % len(self.tokens)]}
            if self.ids and n % 50 == 0:
                who = {"id_number": self.ids[n % len(self.ids)]}
            scans.append({"client_id": str(uuid.uuid4()), "direction": "in" if i % 2 else "out", "scanned_at": at,
                          **who})  # fmt: skip
        body = {"tablet_id": "profile-tablet", "pending": 0, "scans": scans}
        return Request("POST", f"/api/v1/checkpoints/{self.checkpoint}/scans/", json.dumps(body).encode(),
                       {"Authorization": f"Token {self.guard_key}"}, (200,))  # fmt: skip

    def check(self) -> Request:
        body = {"qr_token": self.rnd.choice(self.tokens)}
        return Request("POST", f"/api/v1/checkpoints/{self.checkpoint}/check/", json.dumps(body).encode(),
                       {"Authorization": f"Token {self.guard_key}"}, (200,))  # fmt: skip

    def staff_page(self) -> Request:
        n = next(self.pages)
        cases = self.staff.get("cases") or []
        if n % 3 == 0:
            path, label = "/contacts/cases/", "case list"
        elif n % 3 == 1 and cases:
            path, label = f"/contacts/cases/{cases[n % len(cases)]}/", "case page"
        else:
            path, label = "/declarations/staff/", "declarations"
        cookie = {"Cookie": f"sessionid={self.staff['session']}"}
        return Request("GET", path, headers=cookie, expect=(200,), label=label)

    def bare_insert(self) -> Request:
        return Request("POST", "/bench/insert-one", json.dumps({"n": 1}).encode(), expect=(201,))

    def forget_checkins(self) -> int:
        """Delete the check-ins this run made (and their receipts): the next run starts alike."""
        from venues.models import CheckIn, CheckInReceipt

        ids = self.checkin_ids
        deleted = 0
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            CheckInReceipt.objects.filter(client_id__in=chunk).delete()
            deleted += CheckIn.objects.filter(client_id__in=chunk).delete()[0]
        return deleted


def prepare(people: int, venues: int) -> Path:
    from run_peak import prepare as peak_prepare

    data = Path(tempfile.mkdtemp(prefix="bench-profile-requests-"))
    peak_prepare(data, people, venues)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="a directory prepared by an earlier run (or by run_peak.py)")
    parser.add_argument("--people", type=int, default=1000, help="travellers given tokens when preparing")
    parser.add_argument("--venues", type=int, default=50, help="venues when preparing")
    parser.add_argument("--count", type=int, default=400, help="timed requests of each kind (staff pages: a third)")
    parser.add_argument("--warm-up", type=int, default=30)
    parser.add_argument("--only", default="", help="comma-separated kinds: " + ",".join(RATES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile of each kind's timed requests")
    parser.add_argument("--lines", type=int, default=40, help="functions listed by --profile")
    options = parser.parse_args()

    data = options.data
    if data is None:
        data = prepare(options.people, options.venues)
        print(f"prepared: {data} (reuse with --data)")
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    mix = Mix(data, options.seed)
    makers: dict[str, Callable[[], Request]] = {
        "checkin": mix.checkin,
        "declare": mix.declare,
        "scans": mix.scans,
        "check": mix.check,
        "staff": mix.staff_page,
    }
    kinds = [k for k in (options.only.split(",") if options.only else RATES) if k]
    print(f"load {os.getloadavg()[0]:.2f}; {options.count} timed requests of each kind after {options.warm_up}")
    results: list[Figures] = []
    try:
        floor, _ = measure(app, "bare insert", mix.bare_insert, count=options.count, warm_up=options.warm_up,
                           profile=False)  # fmt: skip
        for kind in kinds:
            count = max(30, options.count // 3) if kind == "staff" else options.count
            figures, profiler = measure(
                app, kind, makers[kind], count=count, warm_up=options.warm_up, profile=options.profile
            )
            results.append(figures)
            if profiler is not None:
                for sort in ("tottime", "cumulative"):
                    out = io.StringIO()
                    pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(options.lines)
                    print(f"--- {kind}: by {sort}\n{out.getvalue()}")
    finally:
        forgotten = mix.forget_checkins()
    print(f"\n{'request':<14} {'n':>5} {'wall p50':>9} {'CPU: Django':>12} {'PostgreSQL':>11} {'total':>8} "
          f"{'statements':>11}  answers")  # fmt: skip
    for f in [floor, *results]:
        answers = ", ".join(f"{n}×{s}" for s, n in sorted(f.statuses.items()))
        print(f"{f.kind:<14} {f.count:>5} {f.wall_median_ms:>7.2f}ms {f.process_ms:>10.2f}ms {f.backend_ms:>9.2f}ms "
              f"{f.total_ms:>6.2f}ms {f.statements:>11.2f}  {answers}")  # fmt: skip
        for label, (n, cpu) in sorted(f.parts.items()):
            print(f"  {label:<12} {n:>5} {'':>9} {cpu:>10.2f}ms")
    weighted = [f for f in results if f.kind in RATES]
    if {f.kind for f in weighted} == set(RATES):
        rate = sum(RATES.values())
        process = sum(RATES[f.kind] * f.process_ms for f in weighted) / rate
        backend = sum(RATES[f.kind] * f.backend_ms for f in weighted) / rate
        statements = sum(RATES[f.kind] * f.statements for f in weighted) / rate
        print(f"\nthe mix ({rate:.0f} requests/s at scale 1), per request: Django {process:.2f} ms, PostgreSQL "
              f"{backend:.2f} ms, {statements:.2f} statements; at {rate:.0f}/s that is {process * rate / 1000:.2f} "
              f"cores of Django and {backend * rate / 1000:.2f} of PostgreSQL (bare insert: "
              f"{floor.process_ms:.2f} + {floor.backend_ms:.2f} ms)")  # fmt: skip
    print(f"(check-ins made by this run deleted: {forgotten}; load {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
