"""Keyset pages of newest-first lists (declarations, cases, checkpoint passages)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

M = TypeVar("M", bound=Model)


def keyset_page(qs: QuerySet[M], *, before: str, size: int, field: str = "created_at") -> tuple[list[M], str]:
    """One page of a list ordered by (-``field``, -id) and the cursor of the next (older) page.

    The cursor is "<``field`` ISO>|<id>" of the last row: no OFFSET and no COUNT(*), so
    page 1,000 of a million rows costs what page 1 does. A cursor that does not parse (or
    has no UTC offset, or lies so near year 1 or 9999 that it has no UTC time) is ignored:
    the first page.
    """
    if before:
        stamp, _sep, last_id = before.rpartition("|")
        at: datetime | None
        try:
            parsed = datetime.fromisoformat(stamp)
            pk = int(last_id)
            # Converted here, not by the database adapter, where 0001-01-01T00:00+07:00
            # would raise OverflowError in the middle of the query.
            at = parsed.astimezone(UTC) if timezone.is_aware(parsed) else None
        except (ValueError, OverflowError):
            at, pk = None, 0
        if at is not None:
            # The plain bound lets the (field, id) index start at the cursor instead of
            # reading past every newer row; the OR then breaks ties on the same instant.
            qs = qs.filter(**{f"{field}__lte": at}).filter(Q(**{f"{field}__lt": at}) | Q(**{field: at, "id__lt": pk}))
    rows = list(qs[: size + 1])
    last = rows[size - 1] if len(rows) > size else None
    cursor = f"{getattr(last, field).isoformat()}|{last.pk}" if last is not None else ""
    return rows[:size], cursor


def ascending_page(qs: QuerySet[M], *, after: str, size: int, field: str) -> tuple[list[M], str]:
    """One page of a list ordered by (``field``, id) (a name key, say) and the cursor of the next.

    The cursor is "<``field`` value>|<id>" of the last row, the value being text; a cursor
    that does not parse is the first page. No OFFSET: page 200 costs what page 1 does.
    """
    if after:
        value, _sep, last_id = after.rpartition("|")
        try:
            pk = int(last_id)
        except ValueError:
            pk = None
        if pk is not None:
            later = Q(**{f"{field}__gt": value}) | Q(**{field: value, "id__gt": pk})
            qs = qs.filter(**{f"{field}__gte": value}).filter(later)
    rows = list(qs[: size + 1])
    last = rows[size - 1] if len(rows) > size else None
    cursor = f"{getattr(last, field)}|{last.pk}" if last is not None else ""
    return rows[:size], cursor
