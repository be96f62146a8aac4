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

from contacts.models import FollowUpState, Outcome

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


def _follow_ups_insert(source: str, source_params: list[Any], case_id: int) -> tuple[str, list[Any]]:
    """The one follow-up rule, on both backends: an ``INSERT`` that starts or extends the
    follow-ups of the people in ``source`` (a subquery of person_id, ward_id, level,
    last_exposure_at, quarantine_until), and its parameters. Open cases are isolated, not
    followed up as contacts (a short list: ``NOT IN`` is one hashed lookup). Written in
    person order against the one-active index (its predicate written out: the index is
    inferred from it); an active follow-up only goes down in level and never ends sooner."""
    sql = f"""
        INSERT INTO contacts_followup AS f
            (person_id, ward_id, level, case_id, last_exposure_at, quarantine_until, state, created_at)
        SELECT w.person_id, w.ward_id, w.level, %s, w.last_exposure_at, w.quarantine_until, %s, %s
        FROM {source} w
        WHERE w.person_id NOT IN (SELECT k.person_id FROM contacts_case k WHERE k.outcome = %s)
        ORDER BY w.person_id
        ON CONFLICT (person_id) WHERE state = 'active' DO UPDATE
        SET level = {least("f.level", "excluded.level")},
            quarantine_until = {greatest("f.quarantine_until", "excluded.quarantine_until")},
            last_exposure_at = {greatest("f.last_exposure_at", "excluded.last_exposure_at")}
        WHERE excluded.level < f.level OR excluded.quarantine_until > f.quarantine_until
    """  # noqa: S608 (fixed fragments are interpolated; values are parameters)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    return sql, [case_id, FollowUpState.ACTIVE, now, *source_params, Outcome.UNDER_TREATMENT]


def with_follow_ups(insert_sql: str, case_id: int) -> tuple[str, list[Any]]:
    """PostgreSQL: an exposure ``INSERT`` ending in ``upsert_clause()``, wrapped so that the rows it
    writes start or extend their people's follow-ups (``_follow_ups_insert``) in the same
    statement, which returns the number of exposures written; and the parameters to append
    to the INSERT's."""
    source = """(SELECT person_id, ward_id, level, last_contact_at AS last_exposure_at,
                         (last_contact_at AT TIME ZONE %s)::date + %s AS quarantine_until FROM written)"""
    source_params = [timezone.get_current_timezone_name(), settings.TRACING_QUARANTINE_DAYS]
    started, params = _follow_ups_insert(source, source_params, case_id)
    sql = f"WITH written AS ({insert_sql} {_RETURNING}), started AS ({started}) SELECT count(*) FROM written"  # noqa: S608
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
    """SQLite (a laptop's demo province), which has no data-modifying CTE: the rows written,
    (person, ward, level, last contact), handed to ``_follow_ups_insert`` as VALUES."""
    if not rows:
        return
    days = timedelta(days=settings.TRACING_QUARANTINE_DAYS)
    adapt = connection.ops.adapt_datetimefield_value
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    source = f"""(SELECT column1 AS person_id, column2 AS ward_id, column3 AS level,
                         column4 AS last_exposure_at, column5 AS quarantine_until FROM (VALUES {values}))"""  # noqa: S608
    params = []
    for person_id, ward_id, level, last in rows:
        last = aware(last)
        params += [person_id, ward_id, level, adapt(last), (timezone.localdate(last) + days).isoformat()]
    sql, all_params = _follow_ups_insert(source, params, case_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, all_params)
