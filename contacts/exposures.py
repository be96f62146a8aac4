"""The one rule for writing an exposure, shared by matching and by person merge.

One row per case and person (``contacts_exposure_once``). A row found again changes only to
a lower level (all of it), an earlier first contact or a later last contact at its level;
otherwise it is left alone, so a rerun updates nothing.

Matching's writes also start or extend the follow-up of each person whose row they wrote
(inserted or changed), in the same statement on PostgreSQL: one active follow-up per person,
lowered to the lowest level and running to the latest last contact plus the quarantine days;
never shortened. A row a rerun leaves alone starts nothing, so a follow-up staff completed
is not opened again by a rerun that found nothing new.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from contacts.models import Case, FollowUp, FollowUpState, Outcome

COLUMNS = (
    "case_id",
    "person_id",
    "source_person_id",
    "level",
    "via",
    "venue_id",
    "overlap_start",
    "overlap_end",
    "last_contact_at",
    "ward_id",
    "created_at",
)
CHUNK = 500
# The first contact: replaced together when a row is found at a lower level or earlier.
_FIRST_CONTACT = ("source_person_id", "via", "venue_id", "overlap_start", "overlap_end")
# What a written row tells its follow-up.
_RETURNING = "RETURNING person_id, ward_id, level, last_contact_at"


def greatest(a: str, b: str) -> str:
    return f"GREATEST({a}, {b})" if connection.vendor == "postgresql" else f"MAX({a}, {b})"


def least(a: str, b: str) -> str:
    return f"LEAST({a}, {b})" if connection.vendor == "postgresql" else f"MIN({a}, {b})"


def aware(value: Any) -> datetime:
    """A time as a raw cursor returns it (SQLite: text in UTC), as an aware datetime."""
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def upsert_clause() -> str:
    """The conflict clause of every exposure write (PostgreSQL and SQLite)."""
    t = "contacts_exposure"
    lower = f"excluded.level < {t}.level"
    same = f"excluded.level = {t}.level"
    better = f"({lower} OR ({same} AND excluded.overlap_start < {t}.overlap_start))"
    first = ", ".join(
        f"{column} = CASE WHEN {better} THEN excluded.{column} ELSE {t}.{column} END" for column in _FIRST_CONTACT
    )
    last = greatest(f"{t}.last_contact_at", "excluded.last_contact_at")
    return f"""
        ON CONFLICT (case_id, person_id) DO UPDATE SET {first},
            last_contact_at = CASE WHEN {lower} THEN excluded.last_contact_at ELSE {last} END,
            level = {least(f"{t}.level", "excluded.level")}
        WHERE {lower} OR ({same} AND (excluded.overlap_start < {t}.overlap_start
                                      OR excluded.last_contact_at > {t}.last_contact_at))
    """


def with_follow_ups(insert_sql: str, case_id: int) -> tuple[str, list[Any]]:
    """PostgreSQL: an exposure ``INSERT`` ending in ``upsert_clause()``, wrapped so that the rows it
    writes start or extend their people's follow-ups in the same statement, which returns
    the number of exposures written; and the parameters to append to the INSERT's.
    Open cases are isolated, not followed up as contacts (a short list: ``NOT IN`` is one
    hashed lookup). Follow-ups are written in person order, against the one-active index
    (its predicate written out: the index is inferred from it)."""
    sql = f"""
        WITH written AS ({insert_sql} {_RETURNING}),
        started AS (
            INSERT INTO contacts_followup AS f
                (person_id, ward_id, level, case_id, last_exposure_at, quarantine_until, state, created_at)
            SELECT w.person_id, w.ward_id, w.level, %s, w.last_contact_at,
                   (w.last_contact_at AT TIME ZONE %s)::date + %s, %s, %s
            FROM written w
            WHERE w.person_id NOT IN (SELECT k.person_id FROM contacts_case k WHERE k.outcome = %s)
            ORDER BY w.person_id
            ON CONFLICT (person_id) WHERE state = 'active' DO UPDATE
            SET level = LEAST(f.level, excluded.level),
                quarantine_until = GREATEST(f.quarantine_until, excluded.quarantine_until),
                last_exposure_at = GREATEST(f.last_exposure_at, excluded.last_exposure_at)
            WHERE excluded.level < f.level OR excluded.quarantine_until > f.quarantine_until)
        SELECT count(*) FROM written
    """  # noqa: S608 (fixed fragments are interpolated; values are parameters)
    params = [case_id, timezone.get_current_timezone_name(), settings.TRACING_QUARANTINE_DAYS,
              FollowUpState.ACTIVE, timezone.now(), Outcome.UNDER_TREATMENT]  # fmt: skip
    return sql, params


def exposures_upsert(rows: Sequence[Sequence[Any]], *, follow_ups_for: int | None = None) -> int:
    """Write rows (values in ``COLUMNS`` order, at most one per case and person) under the
    rule; returns the number of rows inserted or changed. With ``follow_ups_for`` (a case
    id), the people of the rows written are followed up (see the module docstring)."""
    adapt = connection.ops.adapt_datetimefield_value
    postgres = connection.vendor == "postgresql"
    written = 0
    with connection.cursor() as cursor:
        for i in range(0, len(rows), CHUNK):
            chunk = rows[i : i + CHUNK]
            values = ", ".join(["(" + ", ".join(["%s"] * len(COLUMNS)) + ")"] * len(chunk))
            params = [adapt(value) if isinstance(value, datetime) else value for row in chunk for value in row]
            sql = f"INSERT INTO contacts_exposure ({', '.join(COLUMNS)}) VALUES {values} {upsert_clause()}"  # noqa: S608
            if follow_ups_for is None:
                cursor.execute(sql, params)
                written += max(cursor.rowcount, 0)
            elif postgres:
                wrapped, extra = with_follow_ups(sql, follow_ups_for)
                cursor.execute(wrapped, [*params, *extra])
                written += cursor.fetchone()[0]
            else:
                cursor.execute(f"{sql} {_RETURNING}", params)
                returned = cursor.fetchall()
                written += len(returned)
                _follow_ups_start(follow_ups_for, returned)
    return written


def _follow_ups_start(case_id: int, rows: Sequence[Sequence[Any]]) -> None:
    """``with_follow_ups`` in Python (SQLite: a laptop's demo province), for the rows
    written: (person, ward, level, last contact)."""
    days = timedelta(days=settings.TRACING_QUARANTINE_DAYS)
    wanted = {person: (ward, level, aware(last)) for person, ward, level, last in rows}
    isolated = Case.objects.filter(person_id__in=list(wanted), outcome=Outcome.UNDER_TREATMENT)
    for person_id in isolated.values_list("person_id", flat=True):
        wanted.pop(person_id, None)
    active = {f.person_id: f for f in FollowUp.objects.filter(person_id__in=list(wanted), state=FollowUpState.ACTIVE)}
    changed = []
    for person_id, (_ward, level, last) in wanted.items():
        current = active.get(person_id)
        until = timezone.localdate(last) + days
        if current is not None and (level < current.level or until > current.quarantine_until):
            current.level = min(current.level, level)
            current.quarantine_until = max(current.quarantine_until, until)
            current.last_exposure_at = max(current.last_exposure_at, last)
            changed.append(current)
    FollowUp.objects.bulk_update(changed, ["level", "quarantine_until", "last_exposure_at"], batch_size=1000)
    FollowUp.objects.bulk_create(
        [
            FollowUp(
                person_id=person_id,
                ward_id=ward,
                level=level,
                case_id=case_id,
                last_exposure_at=last,
                quarantine_until=timezone.localdate(last) + days,
            )
            for person_id, (ward, level, last) in wanted.items()
            if person_id not in active
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
