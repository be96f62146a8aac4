"""Where a batch's passages are stored: the replays read back by client_id from the
receipts, and the passages written with their receipts and audit events. The batch logic
is ``checkpoints.services.scans``.

On PostgreSQL each is one statement whatever the batch size: the replays are one index
probe per client_id into ``PassageReceipt`` (never the partitioned passages), and the
passages, their receipts and their audit events are a single ``INSERT ... SELECT`` fed one
JSON array (a batch of 500 must cost milliseconds); elsewhere (SQLite) the ORM's
``bulk_create`` does the same work in one transaction. Either way a receipt already there
(a racing batch with the same items committed first) fails the whole write, which the
caller retries as replays: nothing is written twice.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connection, models, transaction
from django.http import HttpRequest

from checkpoints.models import Passage, PassageReceipt
from truyvet.accounts.models import User
from truyvet.lib.audit import audit_log_many
from truyvet.lib.models import AuditEvent

# What differs from row to row: the batch item's fingerprint (the receipt's alone) and the
# passage's own columns; the passage's others (the checkpoint, the user, the tablet,
# created_at and any later column with a default) are the same for a whole batch.
ROW_FIELDS = (
    "client_id",
    "seq",
    "fingerprint",
    "person_id",
    "identifier",
    "trip_id",
    "direction",
    "vehicle_plate",
    "vehicle_type",
    "origin_ward_id",
    "destination_ward_id",
    "temperature",
    "verdict",
    "risk_level",
    "f_level",
    "reasons",
    "scanned_at",
)
Row = tuple[Any, ...]  # values in ROW_FIELDS order
# The passage's own columns among them.
PASSAGE_FIELDS = tuple(name for name in ROW_FIELDS if name != "fingerprint")


def passages_stored(client_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[tuple[int, int, str, str, str]]]:
    """The passages already stored under these client_ids, from their receipts: (seq, id,
    fingerprint, verdict, risk level) for each. One query whatever the batch size."""
    known: dict[uuid.UUID, list[tuple[int, int, str, str, str]]] = {}
    if not client_ids:
        return known
    if connection.vendor == "postgresql":
        # One array parameter, the same statement (prepared once) whatever the batch size;
        # sent as its text (UUIDs need no quoting): half the cost of a list parameter.
        with connection.cursor() as cursor:
            cursor.execute(_STORED_SQL, ["{" + ",".join(map(str, client_ids)) + "}"])
            found = cursor.fetchall()
    else:
        found = list(
            PassageReceipt.objects.filter(client_id__in=client_ids).values_list(
                "client_id", "seq", "passage_id", "fingerprint", "verdict", "risk_level"
            )
        )
    for client_id, seq, pk, fingerprint, verdict, risk_level in found:
        known.setdefault(client_id, []).append((seq, pk, fingerprint, verdict, risk_level))
    return known


# One index probe per client_id (a nested loop whatever the statistics say: with none, the
# planner took `client_id = ANY(...)` for a scan of the whole table).
_STORED_SQL = (
    "SELECT r.client_id, r.seq, r.passage_id, r.fingerprint, r.verdict, r.risk_level"  # noqa: S608
    " FROM unnest(%s::uuid[]) AS u(client_id) CROSS JOIN LATERAL"
    f" (SELECT * FROM {PassageReceipt._meta.db_table} WHERE client_id = u.client_id OFFSET 0) AS r"
)


def passage_first_scanned_at(client_id: uuid.UUID) -> datetime | None:
    """When the item ``client_id`` was first scanned (its receipt), or None if it never was."""
    return (
        PassageReceipt.objects.filter(client_id=client_id).order_by("seq").values_list("scanned_at", flat=True).first()
    )


def passages_insert(
    rows: list[Row],
    template: Passage,
    audit: AuditEvent,
    *,
    user: User,
    request: HttpRequest | None,
) -> list[int]:
    """Insert the passages, and an audit event for each one of a known person (each scan
    reads their health status); their ids in order. ``IntegrityError`` if a client_id was
    stored meanwhile (nothing is written: the caller's transaction, or the statement, rolls
    back)."""
    if connection.vendor == "postgresql":
        return _insert_postgresql(rows, template, audit)  # one statement, atomic on its own
    # A transaction of its own, or the caller's (which rolls back to its own savepoint).
    with transaction.atomic(savepoint=False):
        values = [dict(zip(ROW_FIELDS, row, strict=True)) for row in rows]
        passages = Passage.objects.bulk_create(
            [
                Passage(
                    checkpoint_id=template.checkpoint_id,
                    recorded_by_id=template.recorded_by_id,
                    tablet_id=template.tablet_id,
                    **{name: v[name] for name in PASSAGE_FIELDS},
                )
                for v in values
            ]
        )
        # The receipts' key is what refuses a second write of the same items.
        PassageReceipt.objects.bulk_create(
            [receipt_for(p, v["fingerprint"]) for p, v in zip(passages, values, strict=True)]
        )
        audit_log_many(
            actor=user,
            action=audit.action,
            object_type=audit.object_type,
            rows=[(str(p.pk), p.person_id) for p in passages if p.person_id],
            request=request,
        )
        return [p.pk for p in passages]


def receipt_for(passage: Passage, fingerprint: str) -> PassageReceipt:
    """The receipt of a passage that has its id (written after it, in its transaction), with
    the fingerprint of the batch item it came from."""
    return PassageReceipt(
        client_id=passage.client_id,
        seq=passage.seq,
        passage_id=passage.pk,
        scanned_at=passage.scanned_at,
        fingerprint=fingerprint,
        verdict=passage.verdict,
        risk_level=passage.risk_level,
    )


def _insert_postgresql(rows: list[Row], template: Passage, audit: AuditEvent) -> list[int]:
    """``WITH r AS (the rows, typed), p AS (INSERT passages SELECT FROM r RETURNING ...),
    rc AS (INSERT receipts SELECT FROM p JOIN r) INSERT audit events SELECT FROM p``, in one
    round trip. The rows travel as one JSON array of arrays (one ``json.dumps``, where 17
    array parameters cost psycopg a Python call per value); the columns come from the
    models, the passages' constant ones (checkpoint, user, tablet, created_at, and any
    column added later with a default) as single parameters."""
    sql, passage_constants, audit_constants = _insert_statement()
    params: list[Any] = [json.dumps(rows, default=_json_value, separators=(",", ":"))]
    params += [_db_value(f, template) for f in passage_constants]
    params += [_db_value(f, audit) for f in audit_constants]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        stored = {(client_id, seq): pk for pk, client_id, seq in cursor.fetchall()}
    return [stored[(row[0], row[1])] for row in rows]


def _json_value(value: Any) -> str:
    """UUIDs, decimals and datetimes as PostgreSQL reads them back exactly."""
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()  # microseconds and offset kept (DjangoJSONEncoder cuts to ms)
    raise TypeError(f"{type(value).__name__} is not a passage column value")


def _db_value(model_field: models.Field[Any, Any], obj: models.Model) -> Any:
    return model_field.get_db_prep_save(model_field.pre_save(obj, True), connection)


def _column(model_field: models.Field[Any, Any]) -> str:
    assert model_field.column is not None  # every concrete field has one
    return connection.ops.quote_name(model_field.column)


@cache
def _insert_statement() -> tuple[str, list[models.Field[Any, Any]], list[models.Field[Any, Any]]]:
    quote = connection.ops.quote_name
    passage_fields = {f.attname: f for f in Passage._meta.concrete_fields}
    receipt_fields = list(PassageReceipt._meta.concrete_fields)  # not its (client_id, seq) key itself
    # Each row's values typed once, by the model field that stores them.
    row_fields = {**{f.attname: f for f in receipt_fields}, **passage_fields}
    typed = [
        f"(j.v->{n})::jsonb AS {quote(name)}"
        if isinstance(row_fields[name], models.JSONField)
        else f"(j.v->>{n})::{row_fields[name].db_type(connection)} AS {quote(name)}"
        for n, name in enumerate(ROW_FIELDS)
    ]
    primary_key = next(f for f in Passage._meta.concrete_fields if f.primary_key)
    passage_constants = [f for f in passage_fields.values() if not f.primary_key and f.attname not in ROW_FIELDS]
    columns = [_column(f) for f in passage_constants] + [_column(passage_fields[name]) for name in PASSAGE_FIELDS]
    select = [f"%s::{f.db_type(connection)}" for f in passage_constants] + [f"r.{quote(n)}" for n in PASSAGE_FIELDS]
    audit_fields = {f.attname: f for f in AuditEvent._meta.concrete_fields}
    per_event = {"object_id": "p.id::text", "person_id": "p.person_id"}
    audit_constants = [f for f in audit_fields.values() if not f.primary_key and f.attname not in per_event]
    audit_columns = [_column(f) for f in audit_constants] + [_column(audit_fields[name]) for name in per_event]
    audit_select = [f"%s::{f.db_type(connection)}" for f in audit_constants] + list(per_event.values())
    # The receipt's columns: the row's of the same name, and the passage's id.
    receipt_columns = [_column(f) for f in receipt_fields]
    receipt_select = ["p.id" if f.attname == "passage_id" else f"r.{quote(f.attname)}" for f in receipt_fields]
    sql = (
        f"WITH r AS (SELECT {', '.join(typed)}, j.n"  # noqa: S608
        " FROM json_array_elements(%s::json) WITH ORDINALITY AS j(v, n)),"
        f" p AS (INSERT INTO {quote(Passage._meta.db_table)} ({', '.join(columns)})"
        f" SELECT {', '.join(select)} FROM r ORDER BY r.n"
        f" RETURNING {_column(primary_key)} AS id, person_id, client_id, seq),"
        f" rc AS (INSERT INTO {quote(PassageReceipt._meta.db_table)} ({', '.join(receipt_columns)})"
        f" SELECT {', '.join(receipt_select)} FROM p JOIN r ON r.client_id = p.client_id AND r.seq = p.seq),"
        f" a AS (INSERT INTO {quote(AuditEvent._meta.db_table)} ({', '.join(audit_columns)})"
        f" SELECT {', '.join(audit_select)} FROM p WHERE p.person_id IS NOT NULL)"
        " SELECT id, client_id, seq FROM p"
    )
    return sql, passage_constants, audit_constants
