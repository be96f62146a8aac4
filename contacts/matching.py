"""Exposure matching: who was near a case (F1), and near those (F2, … to TRACING_DEPTH).

One run for one case, one transaction per level:

1. The case's infectious window: ``TRACING_INFECTIOUS_DAYS_BEFORE`` days before the
   earlier of onset and sample date (or confirmation), until isolation (or now).
2. For each level, the *sources* are the case (level 1) or the people found at the level
   above, each from their first exposure onward (level 2, …). For every source:
   - venue: each of their stays, clipped to their span and widened by the margins, is
     written to a scratch table (on PostgreSQL: computed in the same statement from the
     sources' ids and spans); one ``INSERT … SELECT`` joins it to the check-ins of the
     same venue through the (venue, checked_in_at) index, an index-only scan. The database streams the join;
     nothing of a province's check-ins comes into Python.
   - proximity: uploaded encounters with the source's phones (either side of the log),
     within the distance, clipped to the span; per pair of people (whatever their phones)
     the intervals are merged, so minutes logged by both phones or by overlapping rows of
     one log count once (and the pieces of an encounter longer than
     ``TRACING_PROXIMITY_MAX_ENCOUNTER`` are one interval again), then added up; pairs over
     the duration count. No stored encounter is longer than that maximum, so the rows are
     found by ``first_seen`` (from the earliest span's start minus the maximum), the key
     their table is partitioned by on PostgreSQL: only those days are read.
   - manual: the contacts investigators typed in for this source, on a day that meets the
     source's span, clipped to it: an F2's exposure starts no earlier than their F1's, and
     a contact on the day of isolation ends with it.
3. The same statements start or extend the follow-up of each person whose exposure they
   wrote (``contacts.exposures``); the level is committed and its people warned before the
   next level is looked for; after the last, the case is marked done.

One exposure per case and person (``contacts_exposure_once``), kept at the lowest level,
from the first contact found at it, with the end of the last one: every write is an upsert
that changes a row only to lower its level, take an earlier first contact or a later last
one. A second run, or a run after a worker died mid-way (its transaction rolled back),
writes exactly what is missing and changes nothing else (a run killed during the F2 keeps
its committed F1). Warnings are sent after commit by
``contacts.warnings``, deduplicated per case, person and level.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from contacts.exposures import COLUMNS, aware, exposures_upsert, greatest, least, upsert_clause, with_follow_ups
from contacts.models import (
    Case,
    Exposure,
    ManualContact,
    MatchingState,
    MatchWindow,
    ProximityContact,
    ProximityDevice,
    Via,
)
from contacts.warning_tasks import warn_exposed
from truyvet.lib import outbox
from truyvet.lib.days import day_start
from truyvet.people.models import Person
from venues.models import CheckIn

CHUNK = 500
# A contact found in Python: (person, source person, venue, start, end).
_Row = tuple[int, int, int | None, datetime, datetime]


@dataclass(frozen=True)
class Span:
    """The time during which a source could pass the infection on."""

    start: datetime
    end: datetime


@dataclass
class MatchResult:
    case_id: int
    window: Span | None
    new_by_level: dict[int, int] = field(default_factory=dict)

    @property
    def new(self) -> int:
        return sum(self.new_by_level.values())


def infectious_window(case: Case, *, now: datetime | None = None) -> Span:
    now = now or timezone.now()
    days = [d for d in (case.onset_date, case.sample_date) if d is not None]
    if not days and case.confirmed_at is not None:
        days = [timezone.localdate(case.confirmed_at)]
    first = min(days) if days else timezone.localdate(now)
    start_day = first - timedelta(days=settings.TRACING_INFECTIOUS_DAYS_BEFORE)
    start = day_start(start_day)
    end = min(case.isolated_at, now) if case.isolated_at else now
    return Span(start, max(start, end))


def match_case(case_id: int, *, now: datetime | None = None) -> MatchResult:
    """Match a confirmed case, one transaction per level: the F1 are stored, followed up
    and warned (after commit) before the F2 are looked for, so a case whose F2 run into the
    hundred thousand does not hold its F1 back. Each level's transaction takes the case's
    row lock first: a second run for the same case waits, then finds nothing new. A level's
    sources are read from the level above at its start, as committed."""
    now = now or timezone.now()
    result = MatchResult(case_id, None)
    for level in range(1, settings.TRACING_DEPTH + 1):
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=case_id)
            if not case.is_confirmed:
                return result
            if result.window is None:
                result.window = infectious_window(case, now=now)
            sources = {case.person_id: result.window} if level == 1 else _next_sources(case, level - 1, until=now)
            if sources:
                _tune_session()
                added = _venue_exposures(case, level, sources, now=now)
                added += _proximity_exposures(case, level, sources, now=now)
                added += _manual_exposures(case, level, sources, now=now)
                result.new_by_level[level] = added
                # The level's warnings, recorded with its exposures. Queued after every run, not
                # only one that wrote rows: a rerun (a redelivered task) that writes nothing still
                # warns. A run with nothing to warn costs one index probe per exposure of that
                # level (``warnings._WARN_SQL``).
                outbox.enqueue(warn_exposed, case_id, level)
            done = not sources or level == settings.TRACING_DEPTH
            if done:
                Case.objects.filter(pk=case.pk).update(matching=MatchingState.DONE, matched_at=now)
        if done:
            break
    return result


def _tune_session() -> None:
    """A big case sorts a few hundred thousand contacts by person: in memory, not on disk;
    and its statements are too short-lived to win back the time JIT compilation takes."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)",
                           [settings.TRACING_WORK_MEM])  # fmt: skip


def _next_sources(case: Case, level: int, *, until: datetime) -> dict[int, Span]:
    """The people found at ``level``, each from their first exposure onward."""
    rows = Exposure.objects.filter(case=case, level=level).values_list("person_id", "overlap_start").order_by()
    return {person_id: Span(first, max(first, until)) for person_id, first in rows.iterator(chunk_size=5000)}


def _chunks(items: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


# --- venue ------------------------------------------------------------------------------


def _windows(run: str, sources: dict[int, Span]) -> Iterator[MatchWindow]:
    """Each source stay inside its span, widened by the margins."""
    before, after = settings.TRACING_MARGIN_BEFORE, settings.TRACING_MARGIN_AFTER
    max_stay = settings.TRACING_MAX_STAY
    earliest = min(span.start for span in sources.values())
    latest = max(span.end for span in sources.values())
    for ids in _chunks(list(sources)):
        stays = (
            CheckIn.objects.filter(person_id__in=ids, checked_in_at__gte=earliest - max_stay, checked_in_at__lte=latest)
            .values_list("pk", "person_id", "venue_id", "checked_in_at", "ends_at")
            .order_by()
        )
        for pk, person_id, venue_id, start, end in stays.iterator(chunk_size=2000):
            span = sources[person_id]
            end = min(end, start + max_stay)
            if end < span.start or start > span.end:
                continue
            lo = max(start, span.start) - before
            yield MatchWindow(
                run=run,
                source_person_id=person_id,
                source_checkin_id=pk,
                venue_id=venue_id,
                lo=lo,
                hi=min(end, span.end) + after,
                scan_from=lo - max_stay,
            )


def _atleast(later: str, earlier: str, duration: timedelta) -> tuple[str, list[Any]]:
    """SQL that ``later - earlier >= duration``, and its parameters."""
    if connection.vendor == "postgresql":
        return f"({later} - {earlier}) >= %s", [duration]
    # julianday() is a float of days: allow a millisecond of rounding.
    return f"(julianday({later}) - julianday({earlier})) * 86400.0 >= %s", [duration.total_seconds() - 0.001]


def _windows_sql(sources: dict[int, Span]) -> tuple[str, list[Any]]:
    """The widened source stays as a subquery computed by PostgreSQL from the sources
    (``unnest`` of their ids and spans): the same rows ``_windows`` makes."""
    before, after = settings.TRACING_MARGIN_BEFORE, settings.TRACING_MARGIN_AFTER
    max_stay = settings.TRACING_MAX_STAY
    sql = """
        (SELECT s.person_id AS source_person_id, s.id AS source_checkin_id, s.venue_id,
                GREATEST(s.checked_in_at, src.start) - %s AS lo,
                LEAST(s.ends_at, s.checked_in_at + %s, src.finish) + %s AS hi,
                GREATEST(s.checked_in_at, src.start) - %s - %s AS scan_from
         FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) AS src(person_id, start, finish)
         JOIN venues_checkin s
           ON s.person_id = src.person_id AND s.checked_in_at >= src.start - %s AND s.checked_in_at <= src.finish
         WHERE LEAST(s.ends_at, s.checked_in_at + %s) >= src.start)
    """
    ids = list(sources)
    params = [before, max_stay, after, before, max_stay, ids, [sources[i].start for i in ids],
              [sources[i].end for i in ids], max_stay, max_stay]  # fmt: skip
    return sql, params


def _venue_exposures(case: Case, level: int, sources: dict[int, Span], *, now: datetime) -> int:
    postgres = connection.vendor == "postgresql"
    run = uuid.uuid4().hex
    if postgres:
        windows, window_params = _windows_sql(sources)
    else:  # the scratch table, emptied again below
        MatchWindow.objects.bulk_create(_windows(run, sources), batch_size=2000)
        windows = (
            "(SELECT source_person_id, source_checkin_id, venue_id, lo, hi, scan_from FROM contacts_matchwindow"
            " WHERE run = %s)"
        )
        window_params = [run]
    start = greatest("c.checked_in_at", "w.lo")
    end = least("c.ends_at", "w.hi")
    overlap_sql, overlap_params = "", list[Any]()
    if timedelta(0) < settings.TRACING_MIN_OVERLAP:
        condition, overlap_params = _atleast(end, start, settings.TRACING_MIN_OVERLAP)
        overlap_sql = f"AND {condition}"
    # The margins are inclusive: a stay that ends exactly when the widened stay begins counts.
    contacts = f"""
        FROM {windows} w
        JOIN venues_checkin c
          ON c.venue_id = w.venue_id AND c.checked_in_at >= w.scan_from AND c.checked_in_at <= w.hi
         AND c.ends_at >= w.lo
        WHERE c.person_id <> w.source_person_id AND c.person_id <> %s
          {overlap_sql}
    """
    contact_params = [*window_params, case.person_id, *overlap_params]
    if postgres:
        # One row per person (an upsert may not touch a row twice in one statement): the
        # first contact, and the end of the last; their ward read once per person.
        sql = f"""
            INSERT INTO contacts_exposure ({", ".join(COLUMNS)})
            SELECT %s, x.person_id, x.source_person_id, %s, %s, x.venue_id, x.first_start, x.first_end, x.last_end,
                   (SELECT p.ward_id FROM people_person p WHERE p.id = x.person_id), %s
            FROM (SELECT DISTINCT ON (c.person_id) c.person_id, w.source_person_id, c.venue_id,
                         {start} AS first_start, {end} AS first_end,
                         MAX({end}) OVER (PARTITION BY c.person_id ORDER BY {start}, {end}, w.source_person_id,
                                          c.venue_id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
                           AS last_end
                  {contacts}
                  ORDER BY c.person_id, {start}, {end}, w.source_person_id, c.venue_id) x
            {upsert_clause()}
        """  # noqa: S608
        sql, follow_up_params = with_follow_ups(sql, case.pk)
        with connection.cursor() as cursor:
            cursor.execute(sql, [case.pk, level, Via.VENUE, now, *contact_params, *follow_up_params])
            return int(cursor.fetchone()[0])
    # Elsewhere (SQLite: a laptop's demo province) the contacts come to Python to be folded.
    sql = f"SELECT c.person_id, w.source_person_id, c.venue_id, {start}, {end} {contacts}"
    with connection.cursor() as cursor:
        cursor.execute(sql, contact_params)
        rows = [(person, source, venue, aware(start), aware(end)) for person, source, venue, start, end in cursor]
    MatchWindow.objects.filter(run=run).delete()
    return _insert(case, level, Via.VENUE, now, rows)


# --- proximity --------------------------------------------------------------------------


def close_encounters(earliest: datetime, latest: datetime) -> QuerySet[ProximityContact]:
    """The close encounters that may meet ``earliest`` .. ``latest``. ``last_seen`` says
    which do, but prunes no partition (the table is partitioned by ``first_seen``): since no
    stored encounter is longer than TRACING_PROXIMITY_MAX_ENCOUNTER (the upload cuts longer
    ones into pieces), one that ends after ``earliest`` began after ``earliest`` minus that,
    and the ``first_seen`` bounds leave PostgreSQL only those days to read, through the
    (device, first_seen) and (other_device_id, first_seen) indexes."""
    return ProximityContact.objects.filter(
        min_distance_m__lte=settings.TRACING_PROXIMITY_MAX_DISTANCE_M,
        first_seen__gte=earliest - settings.TRACING_PROXIMITY_MAX_ENCOUNTER,
        first_seen__lte=latest,
        last_seen__gte=earliest,
    )


def _encounters(sources: dict[int, Span]) -> Iterator[tuple[int, str, str, int | None, datetime, datetime]]:
    """(source person, source device, other device, other person, first, last) of every
    close encounter with a source's phone, from either side's upload, inside its span."""
    devices = dict(ProximityDevice.objects.filter(person_id__in=list(sources)).values_list("device_id", "person_id"))
    if not devices:
        return
    earliest = min(span.start for span in sources.values())
    latest = max(span.end for span in sources.values())
    ids = list(devices)
    close = close_encounters(earliest, latest)
    # The sources' own uploads: the other side is whoever broadcast ``other_device_id``.
    for chunk in (ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)):
        rows = list(
            close.filter(device__device_id__in=chunk).values_list(
                "device__device_id", "other_device_id", "first_seen", "last_seen"
            )
        )
        others = _people_of(row[1] for row in rows)
        for own, other, first, last in rows:
            yield devices[own], own, other, others.get(other), first, last
    # Other people's uploads that saw a source's phone.
    for chunk in (ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)):
        seen_by = close.filter(other_device_id__in=chunk).values_list(
            "other_device_id", "device__device_id", "device__person_id", "first_seen", "last_seen"
        )
        for own, other, other_person, first, last in seen_by.iterator(chunk_size=2000):
            yield devices[own], own, other, other_person, first, last


def _people_of(device_ids: Iterable[str]) -> dict[str, int]:
    wanted = list(set(device_ids))
    found: dict[str, int] = {}
    for i in range(0, len(wanted), CHUNK):
        found.update(
            ProximityDevice.objects.filter(device_id__in=wanted[i : i + CHUNK]).values_list("device_id", "person_id")
        )
    return found


@dataclass
class _Pair:
    """The close time of one source person with one other person, inside the span. The
    same encounter comes in from both phones' uploads, and one log's rows may overlap:
    the intervals are merged before they are added up, so no minute counts twice."""

    intervals: list[tuple[datetime, datetime]] = field(default_factory=list)

    def add(self, start: datetime, end: datetime) -> None:
        self.intervals.append((start, end))

    def merged(self) -> list[tuple[datetime, datetime]]:
        """The intervals, sorted, with overlapping and touching ones joined."""
        out: list[tuple[datetime, datetime]] = []
        for start, end in sorted(self.intervals):
            if out and start <= out[-1][1]:
                if end > out[-1][1]:
                    out[-1] = (out[-1][0], end)
            else:
                out.append((start, end))
        return out


def _proximity_exposures(case: Case, level: int, sources: dict[int, Span], *, now: datetime) -> int:
    # Keyed by people, not phones: the rule is about a person's close time with another.
    pairs: dict[tuple[int, int], _Pair] = defaultdict(_Pair)
    for source, _own, _other, other_person, first, last in _encounters(sources):
        if other_person is None or other_person in (source, case.person_id):
            continue
        span = sources[source]
        start, end = max(first, span.start), min(last, span.end)
        if end >= start:
            pairs[(source, other_person)].add(start, end)
    minimum = settings.TRACING_PROXIMITY_MIN_DURATION
    rows: list[_Row] = []
    for (source, other_person), pair in pairs.items():
        merged = pair.merged()
        if sum((end - start for start, end in merged), timedelta(0)) >= minimum:
            # Merged intervals are sorted and disjoint: the last ends latest.
            rows.append((other_person, source, None, merged[0][0], merged[-1][1]))
    return _insert(case, level, Via.PROXIMITY, now, rows)


# --- manual -----------------------------------------------------------------------------


def _manual_exposures(case: Case, level: int, sources: dict[int, Span], *, now: datetime) -> int:
    """Contacts typed in for the sources, on a day that meets the source's span (a day
    partly inside counts), clipped to it: a contact before the case was infectious, or
    before an F1 was exposed, passes nothing on."""
    rows: list[_Row] = []
    contacts = ManualContact.objects.filter(case=case, source_person_id__in=list(sources)).values_list(
        "person_id", "source_person_id", "contact_date"
    )
    for person_id, source, day in contacts:
        if person_id == case.person_id:
            continue
        span = sources[source]
        # The day is [its midnight, the next one); the span includes both its ends.
        start, end = day_start(day), day_start(day + timedelta(days=1))
        if start > span.end or end <= span.start:
            continue
        # A span still open ends at ``now``: a contact dated today keeps the end of its day,
        # or each rerun would find a later last contact. Isolation does end it.
        if span.end < now:
            end = min(end, span.end)
        rows.append((person_id, source, None, max(start, span.start), end))
    return _insert(case, level, Via.MANUAL, now, rows)


def _insert(case: Case, level: int, via: str, now: datetime, rows: list[_Row]) -> int:
    """Upsert contacts found in Python: one row per person, from their first contact, with
    the end of their last."""
    if not rows:
        return 0
    people: dict[int, list[Any]] = {}
    for person_id, source, venue, start, end in sorted(rows, key=lambda row: (row[3], row[4], row[1])):
        found = people.get(person_id)
        if found is None:
            people[person_id] = [source, venue, start, end, end]
        else:
            found[4] = max(found[4], end)
    ids = list(people)
    wards: dict[int, int | None] = {}
    for chunk in _chunks(ids):
        wards.update(Person.objects.filter(pk__in=chunk).values_list("pk", "ward_id"))
    return exposures_upsert(
        [
            (case.pk, person_id, source, level, via, venue, start, end, last, wards.get(person_id), now)
            for person_id, (source, venue, start, end, last) in people.items()
        ],
        follow_ups_for=case.pk,
    )
