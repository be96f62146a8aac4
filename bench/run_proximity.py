"""Proximity matching before and after the encounters are partitioned by day, in one run.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/truyvet_hc_bench \\
        .venv/bin/python bench/run_proximity.py [--people 300000] [--encounters 2000000] \\
        [--sources 1000] [--repeat 5] [--no-retention]

1. The database is migrated (created first if missing); if an earlier run left the
   encounters partitioned, ``migrate contacts 0005`` makes them a plain table again (timed);
   ``seed_demo --people N --proximity M`` loads the demo province (idempotent: a rerun
   adds only what is missing; encounters of 1-60 minutes in the daytime of the last 21 days).
2. **before** (plain table): the proximity reads of one matching level,
   ``contacts.matching._encounters`` (both sides' uploads, the other side's people), for
   (a) *one case*: the phone owner with the most encounters in the last 6 days, window from
   the midnight 5 days ago to now; (b) *a level of sources*: ``--sources`` phone owners,
   each from a time in the last 3 days to now. Each with the query as it was (``last_seen``
   alone: "old query") and as it is (``first_seen`` bounded by the longest encounter: "new
   query"), median of ``--repeat`` after one warm-up.
3. The conversion (``migrate contacts 0200``), timed.
4. **after** (partitioned): the same reads, both queries.
5. The lower bound, measured beside each: one raw SQL statement returning the same rows
   through the same indexes (bounded, both sides' uploads in a UNION ALL), fetched whole.
6. Unless ``--no-retention``: the purge dropping one day's partition, against a batched
   ``DELETE`` (the old purge's way, 5,000 rows a statement) of the next day's rows on the
   same table. It removes those two days: the next run's seed adds encounters back.

Every figure is printed with the load average; the encounters found are checked equal
before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from lib import server_env  # noqa: E402

DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/truyvet_hc_bench")
# No broker: nothing this script does may reach another developer's Celery worker.
os.environ.update(server_env(DATABASE_URL=DB, REDIS_URL=""))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import QuerySet  # noqa: E402
from django.utils import timezone  # noqa: E402

from contacts import matching  # noqa: E402
from contacts.matching import Span  # noqa: E402
from contacts.models import ProximityContact  # noqa: E402
from truyvet.lib.days import day_start  # noqa: E402
from truyvet.lib.postgres.partitions import partitions_drop_before, partitions_of  # noqa: E402
from truyvet.lib.retention import delete_in_batches  # noqa: E402

TABLE = "contacts_proximitycontact"
PLAIN, PARTITIONED = "contacts 0005_exposure_alerts_open_follow_ups", "contacts 0200_partition_proximity_contacts"
NEW_QUERY = matching.close_encounters


def old_query(earliest: datetime, latest: datetime) -> QuerySet[ProximityContact]:
    """The reads as they were before the bound: by ``last_seen`` alone."""
    return ProximityContact.objects.filter(
        min_distance_m__lte=settings.TRACING_PROXIMITY_MAX_DISTANCE_M, last_seen__gte=earliest
    )


def load() -> float:
    return os.getloadavg()[0]


def manage(*args: str) -> float:
    connection.close()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=os.environ.copy(), check=True, capture_output=True
    )
    return time.perf_counter() - started


def ensure_database() -> None:
    name = DB.rsplit("/", 1)[1]
    admin = DB.rsplit("/", 1)[0] + "/postgres"
    exists = subprocess.run(
        ["psql", admin, "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(["psql", admin, "-c", f'CREATE DATABASE "{name}"'], check=True)


def sources_for(people: int) -> tuple[dict[str, dict[int, Span]], dict[str, str]]:
    now = timezone.now()
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT d.person_id FROM contacts_proximitydevice d JOIN contacts_proximitycontact c ON c.device_id = d.id
               WHERE c.first_seen >= %s GROUP BY d.person_id ORDER BY count(*) DESC, d.person_id LIMIT 1""",
            [now - timedelta(days=6)],
        )
        (case_person,) = cursor.fetchone()
        cursor.execute(
            "SELECT person_id FROM contacts_proximitydevice ORDER BY hashint8(person_id), person_id LIMIT %s", [people]
        )
        level = [pid for (pid,) in cursor.fetchall()]
    start = day_start(today - timedelta(days=3))
    groups = {
        "one case": {case_person: Span(day_start(today - timedelta(days=5)), now)},
        f"{people} sources": {pid: Span(start + timedelta(minutes=(pid * 7919) % 2880), now) for pid in level},
    }
    spans = {
        "one case": "window from the midnight 5 days ago",
        f"{people} sources": "each from a time in the last 3 days",
    }
    return groups, spans


RAW = """
SELECT d.person_id, c.other_device_id, c.first_seen, c.last_seen
FROM contacts_proximitydevice d JOIN contacts_proximitycontact c ON c.device_id = d.id
WHERE d.person_id = ANY(%(people)s) AND c.min_distance_m <= %(distance)s AND c.last_seen >= %(earliest)s
  AND c.first_seen >= %(bound)s AND c.first_seen <= %(latest)s
UNION ALL
SELECT d.person_id, c.other_device_id, c.first_seen, c.last_seen
FROM contacts_proximitydevice d JOIN contacts_proximitycontact c ON c.other_device_id = d.device_id
WHERE d.person_id = ANY(%(people)s) AND c.min_distance_m <= %(distance)s AND c.last_seen >= %(earliest)s
  AND c.first_seen >= %(bound)s AND c.first_seen <= %(latest)s
"""


def raw(sources: dict[int, Span]) -> int:
    earliest = min(s.start for s in sources.values())
    params = {
        "people": list(sources),
        "distance": settings.TRACING_PROXIMITY_MAX_DISTANCE_M,
        "earliest": earliest,
        "bound": earliest - settings.TRACING_PROXIMITY_MAX_ENCOUNTER,
        "latest": max(s.end for s in sources.values()),
    }
    with connection.cursor() as cursor:
        cursor.execute(RAW, params)
        return len(cursor.fetchall())


def reads(sources: dict[int, Span], query: Callable[..., QuerySet[ProximityContact]]) -> list[Any]:
    matching.close_encounters = query  # type: ignore[assignment]
    try:
        return list(matching._encounters(sources))
    finally:
        matching.close_encounters = NEW_QUERY  # type: ignore[assignment]


def timed(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    result = run()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, result


def measure(label: str, groups: dict[str, dict[int, Span]], repeat: int) -> dict[tuple[str, str], Any]:
    out: dict[tuple[str, str], Any] = {}
    for name, sources in groups.items():
        for qname, query in (("old query", old_query), ("new query", NEW_QUERY)):
            load_before = load()
            raw_ms, raw_rows = timed(lambda sources=sources: raw(sources), repeat)
            ms, rows = timed(lambda sources=sources, query=query: reads(sources, query), repeat)
            raw_ms_after, _ = timed(lambda sources=sources: raw(sources), repeat)
            bound = min(raw_ms, raw_ms_after)
            found = {(r[0], r[2], r[4], r[5]) for r in rows}
            out[(name, qname)] = (ms, bound, found, load_before, load())
            print(
                f"{label:6} {name:14} {qname}: {ms:8.1f} ms, raw SQL {bound:7.1f} ms ({raw_rows} rows): "
                f"{ms / bound:5.2f}x; {len(rows)} encounters; load {load_before:.1f}->{load():.1f}",
                flush=True,
            )
    return out


def retention() -> None:
    """One day's partition dropped, against a batched DELETE of the next day's rows."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(first_seen) FROM {TABLE}")
        (oldest,) = cursor.fetchone()
    first_day = timezone.localdate(oldest)
    drop_to = day_start(first_day + timedelta(days=1))
    delete_to = day_start(first_day + timedelta(days=2))
    load_before = load()
    started = time.perf_counter()
    dropped = partitions_drop_before(TABLE, drop_to)
    drop_ms = (time.perf_counter() - started) * 1000
    old = ProximityContact.objects.filter(first_seen__lt=delete_to, last_seen__lt=delete_to)
    started = time.perf_counter()
    deleted = delete_in_batches(old, batch_size=5_000)
    delete_ms = (time.perf_counter() - started) * 1000
    print(
        f"retention: {first_day} dropped ({dropped} rows) {drop_ms:.0f} ms; the next day deleted in batches of "
        f"5,000 ({deleted} rows) {delete_ms:.0f} ms; load {load_before:.1f}->{load():.1f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--encounters", type=int, default=2_000_000)
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-retention", action="store_true")
    options = parser.parse_args()
    print(f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {os.cpu_count()} cores, database {DB}", flush=True)

    ensure_database()
    print(f"migrate: {manage('migrate', '--no-input'):.1f} s", flush=True)
    if partitions_of(TABLE) is not None:
        print(f"back to a plain table (migrate {PLAIN}): {manage('migrate', *PLAIN.split()):.1f} s", flush=True)
    seconds = manage("seed_demo", "--people", str(options.people), "--proximity", str(options.encounters))
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {TABLE}")
        cursor.execute(f"SELECT count(*), min(first_seen), max(first_seen) FROM {TABLE}")
        count, first, last = cursor.fetchone()
    print(f"seed: {seconds:.1f} s; {count} encounters, {first:%Y-%m-%d} .. {last:%Y-%m-%d}", flush=True)

    groups, spans = sources_for(options.sources)
    for name, text in spans.items():
        print(f"  {name}: {text}", flush=True)
    before = measure("before", groups, options.repeat)

    load_before = load()
    seconds = manage("migrate", *PARTITIONED.split())
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {TABLE}")
    print(
        f"conversion (migrate {PARTITIONED}): {seconds:.1f} s for {count} rows, "
        f"{len(partitions_of(TABLE) or [])} partitions; load {load_before:.1f}->{load():.1f}",
        flush=True,
    )
    after = measure("after", groups, options.repeat)
    for key in before:
        assert before[key][2] == after[key][2], f"{key}: the encounters found differ"
    print("the same encounters found before and after, by both queries", flush=True)
    if not options.no_retention:
        retention()


if __name__ == "__main__":
    main()
