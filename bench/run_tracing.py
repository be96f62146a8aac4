"""Exposure matching at a province's size.

    .venv/bin/python bench/run_tracing.py [--repeat 7] [--visits 30] [--cluster 100]

Needs the tracing database (``TRACE_DATABASE_URL``, default ``…/truyvet_trace``) loaded
with ``seed_demo --people 1500000 --venues 20000 --checkins 20000000 --proximity 2000000``.

1. The index case: a demo person with no check-in of their own in the last week is given
   ``--visits`` stays over the week before today (copies of random demo stays of those
   days, so popular venues and busy hours come up as often as in the data, one after the
   other), and a confirmed case (onset 4 days ago, sampled yesterday: infectious since 6
   days ago), made directly with the ORM.
2. ``match_case`` (F1 and F2 found and stored, follow-ups started, in its own transaction),
   ``--repeat`` times, the case's exposures and follow-ups deleted in between; against the
   lower bound: one raw SELECT that finds the same F1 venue rows (the case's stays joined
   to ``venues_checkin`` with the margins through the (venue_id, checked_in_at) index).
3. ``warn_exposed`` for the case (notifications and alerts), deleted in between.
4. A cluster: ``--cluster`` of the case's F1 become confirmed cases and are matched one
   after the other, in a separate process whose peak RSS (``ru_maxrss``) is the worker's
   memory; the index case alone is also matched in a fresh process for its peak RSS.

Warnings are not queued during the matching runs (the task's ``delay`` is stubbed): they
are timed on their own. Everything this script creates is removed at the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from lib import server_env  # noqa: E402

TRACE_DB = os.environ.get("TRACE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/truyvet_trace")
# No broker: nothing this script does may reach another developer's Celery worker.
os.environ.update(server_env(DATABASE_URL=TRACE_DB, REDIS_URL=""))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from contacts import matching, warning_tasks  # noqa: E402
from contacts.matching import infectious_window, match_case  # noqa: E402
from contacts.models import Case, Cluster, Exposure, FollowUp  # noqa: E402
from contacts.warnings import warn_exposed  # noqa: E402
from truyvet.accounts.models import Alert  # noqa: E402
from truyvet.lib import tasks as lib_tasks  # noqa: E402
from truyvet.lib.models import Notification  # noqa: E402
from venues.models import CheckIn  # noqa: E402

NOTE = "bench:run_tracing"
CLUSTER = "Bench cluster (run_tracing)"
CLIENT_PREFIX = "be000000-0000-4000-8000-"
ONSET_DAYS_AGO, SAMPLE_DAYS_AGO = 4, 1


def _no_queue() -> None:
    warning_tasks.warn_exposed.delay = lambda *args, **kwargs: None  # type: ignore[method-assign]
    lib_tasks.deliver_notifications.delay = lambda *args, **kwargs: None  # type: ignore[method-assign]


def _sql(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def unwarn(case_ids: list[int]) -> None:
    keys = [f"exposure:{case_id}:%" for case_id in case_ids]
    for model in (Notification, Alert):
        _sql(f"DELETE FROM {model._meta.db_table} WHERE dedupe_key LIKE ANY(%s)", [keys])


def reset(case_ids: list[int]) -> None:
    """Delete what matching wrote for these cases (raw SQL: the ORM's cascade collector
    would fetch tens of thousands of ids into one statement)."""
    with transaction.atomic():
        _sql("DELETE FROM contacts_followupcheck WHERE follow_up_id IN "
             "(SELECT id FROM contacts_followup WHERE case_id = ANY(%s))", [case_ids])  # fmt: skip
        _sql("DELETE FROM contacts_followup WHERE case_id = ANY(%s)", [case_ids])
        _sql("DELETE FROM contacts_exposure WHERE case_id = ANY(%s)", [case_ids])
    # What autovacuum does in production (it is off on the bench database): a rerun should
    # not step over the dead rows of the run before.
    _sql("VACUUM ANALYZE contacts_exposure, contacts_followup, contacts_case", [])


def cleanup() -> None:
    """Remove the cases, stays, exposures, follow-ups and warnings of earlier runs."""
    cases = list(Case.objects.filter(note=NOTE).values_list("pk", flat=True))
    unwarn(cases)
    reset(cases)
    with transaction.atomic():
        Case.objects.filter(pk__in=cases).delete()
        CheckIn.objects.filter(
            client_id__range=(uuid.UUID(CLIENT_PREFIX + "0" * 12), uuid.UUID(CLIENT_PREFIX + "f" * 12))
        ).delete()


def index_case(visits: int, seed: int | None = None) -> Case:
    today = timezone.localdate()
    case = Case(
        classification="confirmed",
        confirmed_at=timezone.now(),
        onset_date=today - timedelta(days=ONSET_DAYS_AGO),
        sample_date=today - timedelta(days=SAMPLE_DAYS_AGO),
        note=NOTE,
    )
    start = infectious_window(case).start
    now = timezone.now()
    with connection.cursor() as cursor:
        # Someone with no stay of their own in the window: the case's visits are exactly ours.
        cursor.execute(
            """SELECT p.id, p.ward_id FROM people_person p WHERE p.is_demo AND NOT EXISTS
               (SELECT 1 FROM venues_checkin c WHERE c.person_id = p.id AND c.checked_in_at >= %s)
               AND NOT EXISTS (SELECT 1 FROM contacts_case k WHERE k.person_id = p.id)
               ORDER BY p.id LIMIT 1""",
            [start - settings.TRACING_MAX_STAY],
        )
        person_id, ward_id = cursor.fetchone()
        # Random stays of the window's days (a check-in drawn at random comes from a venue
        # in proportion to its visitors, at an hour in proportion to its check-ins); the same
        # seed draws the same stays on the same data, for before/after comparisons.
        # (A seeded hash of the id, not random(): parallel workers would not share its seed.)
        order = "random()" if seed is None else "hashint8extended(id, %s)"
        cursor.execute(
            f"""SELECT venue_id, checked_in_at, ends_at - checked_in_at FROM venues_checkin
               WHERE checked_in_at >= %s AND checked_in_at < %s ORDER BY {order} LIMIT %s""",
            [start, now - timedelta(hours=1), *([] if seed is None else [seed]), visits],
        )
        sampled = sorted(cursor.fetchall(), key=lambda row: row[1])
    stays = []
    for n, (venue_id, begin, length) in enumerate(sampled):
        end = begin + length
        if n + 1 < len(sampled):  # one place at a time: leave before the next visit
            end = min(end, sampled[n + 1][1])
        stays.append(
            CheckIn(
                venue_id=venue_id,
                person_id=person_id,
                client_id=uuid.UUID(f"{CLIENT_PREFIX}{n:012x}"),
                checked_in_at=begin,
                checked_out_at=end,
                ends_at=end,
            )
        )
    CheckIn.objects.bulk_create(stays)
    case.person_id, case.ward_id = person_id, ward_id
    case.save()
    return case


def raw_f1_sql(case: Case) -> tuple[str, list[Any]]:
    """The lower bound: one SELECT of the F1 venue rows (the same rows match_case stores
    at level 1), through the (venue_id, checked_in_at) index."""
    window = infectious_window(case)
    before, after, max_stay = settings.TRACING_MARGIN_BEFORE, settings.TRACING_MARGIN_AFTER, settings.TRACING_MAX_STAY
    sql = """
        SELECT c.id, c.person_id, s.id, GREATEST(c.checked_in_at, s.lo), LEAST(c.ends_at, s.hi)
        FROM (SELECT id, venue_id, GREATEST(checked_in_at, %(start)s) - %(before)s AS lo,
                     LEAST(ends_at, checked_in_at + %(max_stay)s, %(end)s) + %(after)s AS hi
              FROM venues_checkin
              WHERE person_id = %(person)s AND checked_in_at >= %(start)s::timestamptz - %(max_stay)s
                AND checked_in_at <= %(end)s AND LEAST(ends_at, checked_in_at + %(max_stay)s) >= %(start)s) s
        JOIN venues_checkin c ON c.venue_id = s.venue_id AND c.checked_in_at >= s.lo - %(max_stay)s
         AND c.checked_in_at <= s.hi AND c.ends_at >= s.lo
        WHERE c.person_id <> %(person)s
    """
    params = {"start": window.start, "end": window.end, "before": before, "after": after, "max_stay": max_stay,
              "person": case.person_id}  # fmt: skip
    return sql, params  # type: ignore[return-value]


def raw_f2_sql(case: Case) -> tuple[str, dict[str, Any]]:
    """A second floor: one SELECT of the F2 venue rows, from the stored F1 (each F1 from
    their first exposure onward, people already F1 left out), again through the index."""
    window = infectious_window(case)
    sql = """
        WITH src AS (SELECT person_id, MIN(overlap_start) AS first FROM contacts_exposure
                     WHERE case_id = %(case)s AND level = 1 GROUP BY person_id),
        w AS (SELECT s.id, s.person_id, s.venue_id, GREATEST(s.checked_in_at, src.first) - %(before)s AS lo,
                     LEAST(s.ends_at, s.checked_in_at + %(max_stay)s, %(end)s) + %(after)s AS hi
              FROM src JOIN venues_checkin s ON s.person_id = src.person_id
               AND s.checked_in_at >= src.first - %(max_stay)s AND s.checked_in_at <= %(end)s
              WHERE LEAST(s.ends_at, s.checked_in_at + %(max_stay)s) >= src.first)
        SELECT c.id, c.person_id, w.id FROM w
        JOIN venues_checkin c ON c.venue_id = w.venue_id AND c.checked_in_at >= w.lo - %(max_stay)s
         AND c.checked_in_at <= w.hi AND c.ends_at >= w.lo
        WHERE c.person_id <> w.person_id AND c.person_id <> %(person)s
          AND NOT EXISTS (SELECT 1 FROM src WHERE src.person_id = c.person_id)
    """
    params = {"case": case.pk, "end": window.end, "before": settings.TRACING_MARGIN_BEFORE,
              "after": settings.TRACING_MARGIN_AFTER, "max_stay": settings.TRACING_MAX_STAY,
              "person": case.person_id}  # fmt: skip
    return sql, params


def bare_f2_insert_sql(case: Case) -> tuple[str, dict[str, Any]]:
    """The F2 level's bare work besides the raw F2 SELECT: the same rows (one per person
    found, first contact first) written into the same tables in one INSERT … SELECT, each
    with its follow-up (a data-modifying CTE), no ward or level rules, no warnings."""
    sql = f"""
        WITH src AS (SELECT person_id, MIN(overlap_start) AS first FROM contacts_exposure
                     WHERE case_id = %(case)s AND level = 1 GROUP BY person_id),
        w AS (SELECT s.person_id, s.venue_id, GREATEST(s.checked_in_at, src.first) - %(before)s AS lo,
                     LEAST(s.ends_at, s.checked_in_at + %(max_stay)s, %(end)s) + %(after)s AS hi
              FROM src JOIN venues_checkin s ON s.person_id = src.person_id
               AND s.checked_in_at >= src.first - %(max_stay)s AND s.checked_in_at <= %(end)s
              WHERE LEAST(s.ends_at, s.checked_in_at + %(max_stay)s) >= src.first),
        hits AS (SELECT c.person_id, w.person_id AS source, w.venue_id, GREATEST(c.checked_in_at, w.lo) AS s,
                        LEAST(c.ends_at, w.hi) AS e FROM w
                 JOIN venues_checkin c ON c.venue_id = w.venue_id AND c.checked_in_at >= w.lo - %(max_stay)s
                  AND c.checked_in_at <= w.hi AND c.ends_at >= w.lo
                 WHERE c.person_id <> w.person_id AND c.person_id <> %(person)s
                   AND NOT EXISTS (SELECT 1 FROM src WHERE src.person_id = c.person_id)),
        ex AS (INSERT INTO contacts_exposure (case_id, person_id, source_person_id, level, via, venue_id,
                   overlap_start, overlap_end, last_contact_at, ward_id, created_at)
               SELECT DISTINCT ON (h.person_id) %(case)s, h.person_id, h.source, 2, 'venue', h.venue_id,
                   h.s, h.e, h.e, p.ward_id, now()
               FROM hits h JOIN people_person p ON p.id = h.person_id ORDER BY h.person_id, h.s
               ON CONFLICT (case_id, person_id) DO NOTHING RETURNING person_id, ward_id, last_contact_at)
        INSERT INTO contacts_followup (person_id, ward_id, level, case_id, last_exposure_at, quarantine_until,
                                       state, created_at)
        SELECT person_id, ward_id, 2, %(case)s, last_contact_at,
               (last_contact_at AT TIME ZONE '{settings.TIME_ZONE}')::date + {settings.TRACING_QUARANTINE_DAYS}, 'active', now()
        FROM ex ON CONFLICT (person_id) WHERE state = 'active' DO NOTHING
    """
    return sql, raw_f2_sql(case)[1]


def bare_f2(case: Case, repeat: int) -> tuple[list[float], int]:
    """The raw F2 SELECT plus the bare INSERT … SELECT, timed together, with the case's F2
    rows gone (each insert is rolled back); the case is matched again afterwards."""
    with transaction.atomic():
        _sql("DELETE FROM contacts_followup WHERE case_id = %s AND level = 2", [case.pk])
        _sql("DELETE FROM contacts_exposure WHERE case_id = %s AND level = 2", [case.pk])
    select_sql, params = raw_f2_sql(case)
    insert_sql, _params = bare_f2_insert_sql(case)
    times, written = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(select_sql, params)
            cursor.fetchall()
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                # As matching does (a SET takes no parameter with server-side binding).
                cursor.execute("SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)",
                               [settings.TRACING_WORK_MEM])  # fmt: skip
                cursor.execute(insert_sql, params)
                written = cursor.rowcount
                times.append(time.perf_counter() - started)
                raise _RollBack
        except _RollBack:
            pass
    reset([case.pk])
    match_case(case.pk)
    return times, written


class _RollBack(Exception):
    pass


def profile(case: Case) -> None:
    """One run under cProfile, and the time of each SQL statement."""
    import cProfile
    import pstats

    statements: list[tuple[float, str]] = []

    def clock(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - started, " ".join(sql.split())[:110]))

    reset([case.pk])
    profiler = cProfile.Profile()
    with connection.execute_wrapper(clock):
        profiler.enable()
        match_case(case.pk)
        profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    print(f"{len(statements)} statements, {sum(t for t, _ in statements) * 1000:.0f} ms in the database:")
    for seconds, sql in sorted(statements, reverse=True)[:12]:
        print(f"  {seconds * 1000:7.1f} ms  {sql}")


def timed(fn: Any, repeat: int, between: Any = None) -> list[float]:
    times = []
    for _ in range(repeat):
        if between is not None:
            between()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def counts(case: Case) -> dict[str, int]:
    """People found per level (one exposure each), and follow-ups."""
    rows = Exposure.objects.filter(case=case).values("level").annotate(people=Count("id")).order_by("level")
    out = {f"F{row['level']} people": row["people"] for row in rows}
    out["follow-ups"] = FollowUp.objects.filter(case=case).count()
    return out


def same_people(rows: list[Any], case: Case, level: int) -> None:
    """The raw SELECT's contacts and the stored exposures name the same people: everyone in
    the raw rows is stored at this level, and everyone stored as met at a venue first is in
    the raw rows (someone met first through proximity is stored with that evidence)."""
    raw = {row[1] for row in rows}
    stored = set(Exposure.objects.filter(case=case, level=level).values_list("person_id", flat=True))
    by_venue = set(Exposure.objects.filter(case=case, level=level, via="venue").values_list("person_id", flat=True))
    assert raw <= stored and by_venue <= raw, (level, len(raw), len(stored), len(by_venue))


def child(case_ids: list[int]) -> None:
    """Match these cases one after another; print the times and the peak RSS."""
    _no_queue()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = []
    for case_id in case_ids:
        started = time.perf_counter()
        match_case(case_id)
        times.append(time.perf_counter() - started)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"times": times, "baseline_mb": baseline, "peak_mb": peak}))


def in_child(case_ids: list[int]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", ",".join(map(str, case_ids))],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--visits", type=int, default=30)
    parser.add_argument("--cluster", type=int, default=100)
    parser.add_argument("--warn-repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="one more run under cProfile, SQL timed")
    parser.add_argument("--seed", type=int, default=None, help="draw the same index case again (same data, same day)")
    parser.add_argument("--child", default="")
    options = parser.parse_args()
    if options.child:
        child([int(x) for x in options.child.split(",")])
        return
    _no_queue()
    cleanup()
    case = index_case(options.visits, options.seed)
    window = infectious_window(case)
    print(
        f"case #{case.pk}: person {case.person_id}, {options.visits} visits, window {window.start:%Y-%m-%d %H:%M} – now"
    )

    # Each level commits on its own with its warnings' outbox row (the warnings themselves are
    # stubbed by _no_queue): note when the F1 level's transaction committed.
    commits: list[float] = []
    enqueue = matching.outbox.enqueue

    def enqueue_noting_the_commit(task: Any, *args: Any, **kwargs: Any) -> None:
        transaction.on_commit(lambda: commits.append(time.perf_counter()))
        enqueue(task, *args, **kwargs)

    matching.outbox.enqueue = enqueue_noting_the_commit  # type: ignore[assignment]
    f1_times: list[float] = []

    def match_once() -> None:
        commits.clear()
        started = time.perf_counter()
        match_case(case.pk)
        f1_times.append(commits[0] - started)

    match_times = timed(match_once, options.repeat, between=lambda: reset([case.pk]))
    found = counts(case)
    sql, params = raw_f1_sql(case)
    rows: list[Any] = []

    def raw() -> None:
        nonlocal rows
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()

    raw_times = timed(raw, options.repeat)
    same_people(rows, case, 1)
    f1_rows = len(rows)
    sql, params = raw_f2_sql(case)
    raw2_times = timed(raw, options.repeat)
    same_people(rows, case, 2)
    print(f"found: {found}; raw SQL contact rows: F1 {f1_rows}, F2 {len(rows)}")
    f2_times = [total - f1 for total, f1 in zip(match_times, f1_times, strict=True)]
    bare2_times, bare2_rows = bare_f2(case, options.repeat)
    if options.profile:
        profile(case)
    print()
    print("| what | runs | median ms | max ms | first ms |")
    print("|---|---|---|---|---|")
    print(f"| match_case (F1+F2 stored) | {len(match_times)} | {ms(statistics.median(match_times))} | "
          f"{ms(max(match_times))} | {ms(match_times[0])} |")  # fmt: skip
    print(f"| of which F1 stored and committed | {len(f1_times)} | {ms(statistics.median(f1_times))} | "
          f"{ms(max(f1_times))} | {ms(f1_times[0])} |")  # fmt: skip
    print(f"| raw F1 SELECT (lower bound) | {len(raw_times)} | {ms(statistics.median(raw_times))} | "
          f"{ms(max(raw_times))} | {ms(raw_times[0])} |")  # fmt: skip
    print(f"| raw F2 SELECT from the stored F1 | {len(raw2_times)} | {ms(statistics.median(raw2_times))} | "
          f"{ms(max(raw2_times))} | {ms(raw2_times[0])} |")  # fmt: skip
    print(f"| of which F2 stored (after the F1 commit) | {len(f2_times)} | {ms(statistics.median(f2_times))} | "
          f"{ms(max(f2_times))} | {ms(f2_times[0])} |")  # fmt: skip
    print(f"| bare F2 work: raw F2 SELECT + INSERT … SELECT ({bare2_rows} follow-ups) | {len(bare2_times)} | "
          f"{ms(statistics.median(bare2_times))} | {ms(max(bare2_times))} | {ms(bare2_times[0])} |")  # fmt: skip
    ratio = statistics.median(match_times) / statistics.median(raw_times)
    ratio_f2 = statistics.median(f2_times) / statistics.median(bare2_times)
    ratio2 = statistics.median(match_times) / (statistics.median(raw_times) + statistics.median(raw2_times))
    ratio_f1 = statistics.median(f1_times) / statistics.median(raw_times)

    warned = 0

    def warn() -> None:
        nonlocal warned
        warned = warn_exposed(case.pk)

    warn_times = timed(warn, options.warn_repeat, between=lambda: unwarn([case.pk]))
    if warn_times:
        print(f"| warn_exposed ({warned} notifications) | {len(warn_times)} | {ms(statistics.median(warn_times))} | "
              f"{ms(max(warn_times))} | {ms(warn_times[0])} |")  # fmt: skip
    print(f"\nratio match_case / raw F1 SELECT (medians): {ratio:.1f}; / raw F1 + F2 SELECTs: {ratio2:.1f}; "
          f"F1 committed / raw F1 SELECT: {ratio_f1:.1f}; F2 stored / bare F2 work: {ratio_f2:.2f}")  # fmt: skip

    reset([case.pk])
    single = in_child([case.pk])
    print(f"index case in a fresh process: {ms(single['times'][0])} ms, peak RSS {single['peak_mb']:.0f} MB "
          f"(after setup {single['baseline_mb']:.0f} MB)")  # fmt: skip

    cluster, _ = Cluster.objects.get_or_create(name=CLUSTER)
    people = list(
        Exposure.objects.filter(case=case, level=1).values_list("person_id", flat=True).distinct().order_by("person_id")
    )
    taken = set(Case.objects.filter(person_id__in=people).values_list("person_id", flat=True))
    members = [p for p in people if p not in taken][: options.cluster]
    from truyvet.people.models import Person

    wards = dict(Person.objects.filter(pk__in=members).values_list("pk", "ward_id"))
    today = timezone.localdate()
    cases = Case.objects.bulk_create(
        [
            Case(person_id=p, ward_id=wards[p], classification="confirmed", confirmed_at=timezone.now(),
                 sample_date=today, onset_date=today - timedelta(days=1), cluster=cluster, note=NOTE)
            for p in members
        ]
    )  # fmt: skip
    result = in_child([c.pk for c in cases])
    total = sum(result["times"])
    cluster_rows = Exposure.objects.filter(case__in=cases).values("level").annotate(n=Count("id"))
    print(f"cluster of {len(cases)} cases (F1 of the index case, infectious since {today - timedelta(days=3)}): "
          f"total {total:.1f} s, median {ms(statistics.median(result['times']))} ms, "
          f"max {ms(max(result['times']))} ms per case; exposures {({r['level']: r['n'] for r in cluster_rows})}; "
          f"peak RSS {result['peak_mb']:.0f} MB (after setup {result['baseline_mb']:.0f} MB)")  # fmt: skip
    print(f"\nrun at {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
