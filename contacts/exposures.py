"""The one rule for writing an exposure, shared by matching and by person merge.

One row per case and person (``contacts_exposure_once``). A row found again changes only to
a lower level (all of it), an earlier first contact or a later last contact at its level;
otherwise it is left alone, so a rerun updates nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection

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


def greatest(a: str, b: str) -> str:
    return f"GREATEST({a}, {b})" if connection.vendor == "postgresql" else f"MAX({a}, {b})"


def least(a: str, b: str) -> str:
    return f"LEAST({a}, {b})" if connection.vendor == "postgresql" else f"MIN({a}, {b})"


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


def exposures_upsert(rows: Sequence[Sequence[Any]]) -> int:
    """Write rows (values in ``COLUMNS`` order, at most one per case and person) under the
    rule; returns the number of rows inserted or changed."""
    adapt = connection.ops.adapt_datetimefield_value
    written = 0
    with connection.cursor() as cursor:
        for i in range(0, len(rows), CHUNK):
            chunk = rows[i : i + CHUNK]
            values = ", ".join(["(" + ", ".join(["%s"] * len(COLUMNS)) + ")"] * len(chunk))
            params = [adapt(value) if isinstance(value, datetime) else value for row in chunk for value in row]
            sql = f"INSERT INTO contacts_exposure ({', '.join(COLUMNS)}) VALUES {values} {upsert_clause()}"  # noqa: S608
            cursor.execute(sql, params)
            written += max(cursor.rowcount, 0)
    return written
