"""What is known of travellers at the moment of a scan, read set-based: ``people_facts``
reads any number of people in three queries (the people with their QR credential and the
declaration that issued it in one, then their tracing status), so a batch of 500 scans
costs the same few queries as one. ``checkpoints.verdicts.judge`` then judges the facts.

The declaration is joined by the credential's plain ``declaration_id`` column (the core
keeps no foreign key to ``declarations``); a declaration's id is never reused, so a
dangling id reads as "no declaration".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import OuterRef, Q, Subquery

from checkpoints.verdicts import PersonFacts
from declarations.models import Declaration
from declarations.risk import raise_to_status
from truyvet.credentials.models import QrCredential
from truyvet.geo.models import Ward
from truyvet.geo.selectors import outbreak_zones_active
from truyvet.people.models import Person
from truyvet.people.normalize import mask_name
from truyvet.people.status import statuses_for


def people_facts(person_ids: Iterable[int] = (), *, at: datetime, refs: Iterable[str] = ()) -> dict[int, PersonFacts]:
    """Facts for each person, keyed by id, in three queries whatever their number: the
    people with their credential and its declaration in one, then their tracing status.

    ``refs`` adds the people whose QR tokens carry these refs (``PersonFacts.ref`` tells
    them apart; ``has_credential`` whether the token's holder has a credential at all)."""
    ids = list(dict.fromkeys(person_ids))
    wanted = list(dict.fromkeys(refs))
    if not ids and not wanted:
        return {}
    rows = _facts_rows(ids, wanted)
    statuses = statuses_for(row[0] for row in rows)
    facts = {}
    for pk, ref, full_name, ward_id, credential, expires_at, revoked_at, level, declared_at, reasons in rows:
        status = statuses[pk]
        facts[pk] = PersonFacts(
            person_id=pk,
            display_name=mask_name(full_name),
            ward_id=ward_id,
            risk_level=raise_to_status(level, status) if credential is not None else "",
            risk_reasons=list(reasons or []),
            declared_at=declared_at,
            expires_at=expires_at,
            declaration_valid=bool(credential is not None and revoked_at is None and expires_at > at),
            revoked_at=revoked_at,
            f_level=status.f_level,
            vaccine_doses=status.vaccine_doses,
            last_dose_on=status.last_dose_on,
            ref=ref,
            has_credential=credential is not None,
        )
    return facts


def _facts_rows(ids: list[int], refs: list[str]) -> list[tuple[Any, ...]]:
    """(id, ref, name, ward, credential id, expires, revoked, level, declared at, reasons)
    of the people with these ids or refs: one query, with credential and declaration."""
    if connection.vendor == "postgresql":
        # Two array parameters rather than an IN list of hundreds: the statement is the
        # same for every batch (psycopg re-parses statements of more than 50 parameters).
        with connection.cursor() as cursor:
            cursor.execute(_facts_sql(), [ids, refs])
            return [(*row[:9], _json(row[9])) for row in cursor.fetchall()]
    issuing = Declaration.objects.filter(pk=OuterRef("qr_credential__declaration_id")).order_by()
    return list(
        Person.objects.filter(Q(pk__in=ids) | Q(ref__in=refs))
        .order_by()
        .annotate(
            declared_at=Subquery(issuing.values("created_at")[:1]),
            declared_reasons=Subquery(issuing.values("risk_reasons")[:1]),
        )
        .values_list(
            "pk",
            "ref",
            "full_name",
            "ward_id",
            "qr_credential__pk",
            "qr_credential__expires_at",
            "qr_credential__revoked_at",
            "qr_credential__risk_level",
            "declared_at",
            "declared_reasons",
        )
    )


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


@cache
def _facts_sql() -> str:
    person, credential, declaration = (m._meta.db_table for m in (Person, QrCredential, Declaration))
    return (
        "SELECT p.id, p.ref, p.full_name, p.ward_id, c.id, c.expires_at, c.revoked_at, c.risk_level,"  # noqa: S608
        f" d.created_at, d.risk_reasons FROM {person} p"
        f" LEFT JOIN {credential} c ON c.person_id = p.id LEFT JOIN {declaration} d ON d.id = c.declaration_id"
        " WHERE p.id = ANY(%s::bigint[]) OR p.ref = ANY(%s::varchar[])"
    )


def zone_ward_codes(at: datetime) -> frozenset[int]:
    """Every ward inside an active outbreak zone (by ward, or by its whole province)."""
    zones = outbreak_zones_active(at)
    return frozenset(
        Ward.objects.filter(Q(outbreak_zones__in=zones) | Q(province__outbreak_zones__in=zones)).values_list(
            "code", flat=True
        )
    )
