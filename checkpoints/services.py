"""Writes at checkpoints: passages from tablets' batches, duty shifts, tablets' last sync.

``scans_ingest`` takes a batch as the tablet queued it. Each item stands alone: a bad item
is rejected with a reason and the others are kept; an item seen before (same client_id,
same content) is answered as it was the first time and writes nothing; the same client_id
with other content is a conflict (409 for that item). A batch of any size costs a fixed
number of queries: one to find replays, one for the travellers with their credentials and
declarations (and two for their tracing status), one to write (on PostgreSQL a single
statement writes the passages and their audit events), one for the tablet.

A batch of 500 must be cheap (the target is 5,000 scans a second), so the per-item work is
plain Python over tuples: no model instance per passage or audit event on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from contextlib import nullcontext
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checkpoints.models import FLAGGED_VERDICTS, BusTrip, Checkpoint, DutyShift, Passage, Tablet, Verdict
from checkpoints.selectors import identifier_key, people_by_identifier
from checkpoints.tasks import alert_flagged_passages
from checkpoints.verdicts import Judgement, PersonFacts, judge, people_facts, worst_verdict, zone_ward_codes
from truyvet.geo.selectors import known_ward_codes
from truyvet.lib import signing
from truyvet.lib.audit import audit_event, audit_log_many
from truyvet.lib.bounds import MAX_INT
from truyvet.lib.errors import DomainError
from truyvet.lib.models import AuditEvent
from truyvet.lib.text import storable


@dataclass(frozen=True)
class ScanItem:
    """One item of a tablet's batch. Exactly one of the traveller fields identifies who:
    a personal QR token, a bus trip code, a person chosen in an online lookup, or the id
    number or phone staff typed when there was no code."""

    client_id: uuid.UUID
    direction: str
    scanned_at: datetime
    qr_token: str = ""
    trip_code: str = ""
    person_id: int | None = None
    id_number: str = ""
    phone: str = ""
    passenger_ids: tuple[int, ...] | None = None  # a trip: who is on board; None: every passenger
    temperature: Decimal | None = None
    vehicle_plate: str = ""
    vehicle_type: str = ""
    origin_ward_code: int | None = None
    destination_ward_code: int | None = None

    def fingerprint(self) -> str:
        # What dataclasses.asdict gives, without its deep copy (a hot path: every item).
        data = {name: getattr(self, name) for name in _ITEM_FIELDS}
        data["client_id"] = str(self.client_id)
        data["scanned_at"] = self.scanned_at.timestamp()
        data["temperature"] = None if self.temperature is None else str(self.temperature)
        return hashlib.blake2b(json.dumps(data, sort_keys=True).encode(), digest_size=16).hexdigest()


_ITEM_FIELDS = tuple(f.name for f in fields(ScanItem))


@dataclass
class ScanResult:
    client_id: uuid.UUID
    status: str  # created | duplicate | rejected
    passage_ids: list[int] = field(default_factory=list)
    verdict: str | None = None
    risk_level: str | None = None
    reason: str = ""
    http_status: int = 200

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "client_id": str(self.client_id) if self.client_id is not None else None,
            "status": self.status,
            "passage_ids": self.passage_ids,
            "verdict": self.verdict,
            "risk_level": self.risk_level or None,
        }
        if self.status == "rejected":
            data["reason"] = self.reason
            data["http_status"] = self.http_status
        return data


class _Rejected(Exception):
    def __init__(self, reason: str, *, verdict: str | None = None, http_status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.verdict = verdict
        self.http_status = http_status


def _check_time(item: ScanItem, now: datetime) -> None:
    if item.scanned_at > now + settings.CHECKPOINT_CLOCK_SKEW:
        raise _Rejected("scanned_at_future")
    if item.scanned_at < now - settings.CHECKPOINT_SCAN_MAX_AGE:
        raise _Rejected("scanned_at_too_old")


def _check_fields(item: ScanItem, wards: frozenset[int]) -> None:
    # Whoever built the item (the API's reader, a scanner page), nothing that the database
    # cannot store or look up reaches the batch's single write: one bad item must not sink it.
    for text in (item.qr_token, item.trip_code, item.id_number, item.phone, item.vehicle_plate, item.vehicle_type):
        if text and not storable(text):
            raise _Rejected("invalid_characters")
    numbers = [item.person_id, item.origin_ward_code, item.destination_ward_code, *(item.passenger_ids or ())]
    if any(n is not None and not 0 < n <= MAX_INT for n in numbers):
        raise _Rejected("number_out_of_range")
    identifiers = [item.qr_token, item.trip_code, item.person_id, item.id_number, item.phone]
    if sum(1 for value in identifiers if value) != 1:
        raise _Rejected("one_identifier_required")
    if item.direction not in ("in", "out"):
        raise _Rejected("direction_invalid")
    for code in (item.origin_ward_code, item.destination_ward_code):
        if code is not None and code not in wards:
            raise _Rejected("ward_unknown")
    if item.temperature is not None and not (30 <= item.temperature <= 45):
        raise _Rejected("temperature_implausible")


@dataclass
class _Traveller:
    """One passage to write: who, and what they were judged."""

    facts: PersonFacts | None
    judgement: Judgement
    identifier: str = ""
    destination_ward_code: int | None = None


@dataclass
class _Batch:
    """What one batch needs to know, read once for all its items."""

    at: datetime
    holders: dict[str, PersonFacts]  # token sub -> the facts of the person holding a credential
    facts: dict[int, PersonFacts]
    trips: dict[str, tuple[BusTrip, list[tuple[int, int | None, str, int | None]]]]
    by_identifier: dict[str, list[int]]
    zone_wards: frozenset[int]


def _token_claims(item: ScanItem) -> dict[str, Any]:
    try:
        return signing.verify(item.qr_token, now=item.scanned_at)
    except signing.TokenError as error:
        # A token that was never ours (or is garbled) is refused; one that had run out at
        # the time of the scan means the traveller must declare again.
        raise _Rejected(f"token_{error.reason}", verdict=Verdict.DECLARE) from None


def _read_batch(items: list[ScanItem], claims: dict[uuid.UUID, dict[str, Any]], now: datetime) -> _Batch:
    trip_codes = {i.trip_code.strip().upper() for i in items if i.trip_code}
    trips: dict[str, tuple[BusTrip, list[tuple[int, int | None, str, int | None]]]] = {}
    if trip_codes:
        for trip in BusTrip.objects.filter(code__in=trip_codes).prefetch_related("passengers"):
            passengers = [(p.pk, p.person_id, p.id_number, p.destination_ward_id) for p in trip.passengers.all()]
            trips[trip.code] = (trip, passengers)

    by_identifier = people_by_identifier(
        identifier_key(id_number=i.id_number, phone=i.phone) for i in items if i.id_number or i.phone
    )

    # The tokens' holders (by the ref their tokens carry) and everybody else the items
    # name, with their credentials, declarations and status, in one read.
    person_ids = {i.person_id for i in items if i.person_id}
    person_ids |= {pid for ids in by_identifier.values() for pid in ids}
    person_ids |= {p[1] for _trip, passengers in trips.values() for p in passengers if p[1]}
    facts = people_facts(person_ids, at=now, refs={str(c.get("sub")) for c in claims.values()})
    origins = any(i.origin_ward_code for i in items)
    return _Batch(
        at=now,
        holders={f.ref: f for f in facts.values() if f.has_credential},
        facts=facts,
        trips=trips,
        by_identifier=by_identifier,
        zone_wards=zone_ward_codes(now) if origins else frozenset(),
    )


def _travellers(item: ScanItem, claims: dict[str, Any] | None, batch: _Batch) -> list[_Traveller]:
    """Who passed, as one or more travellers with their verdicts (several for a trip)."""
    common: dict[str, Any] = {
        "temperature": item.temperature,
        "origin_ward_code": item.origin_ward_code,
        "zone_wards": batch.zone_wards,
    }
    if claims is not None:
        facts = batch.holders.get(str(claims.get("sub")))
        # Tokens issued at or before the credential's revocation are refused.
        if facts is not None and facts.revoked_at is not None and claims.get("iat", 0) <= facts.revoked_at.timestamp():
            raise _Rejected("token_revoked", verdict=Verdict.DECLARE)
        if facts is None:
            raise _Rejected("token_unknown", verdict=Verdict.DECLARE)
        # The token was checked valid at the scan; the person's current level comes from the server.
        judgement = judge(facts, declaration_valid=True, **common)
        return [_Traveller(facts, judgement, destination_ward_code=item.destination_ward_code or facts.ward_id)]
    if item.trip_code:
        trip_entry = batch.trips.get(item.trip_code.strip().upper())
        if trip_entry is None:
            raise _Rejected("trip_unknown")
        trip, passengers = trip_entry
        chosen = passengers
        if item.passenger_ids is not None:
            wanted = set(item.passenger_ids)
            chosen = [p for p in passengers if p[0] in wanted]
            if len(chosen) != len(wanted):
                raise _Rejected("passenger_unknown")
        if not chosen:
            raise _Rejected("trip_empty")
        travellers = []
        for _pk, person_id, id_number, destination in chosen:
            facts = batch.facts.get(person_id) if person_id else None
            travellers.append(
                _Traveller(
                    facts,
                    judge(facts, **common),
                    identifier="" if facts else id_number,
                    destination_ward_code=item.destination_ward_code
                    or destination
                    or trip.destination_ward_id
                    or (facts.ward_id if facts else None),
                )
            )
        return travellers
    if item.person_id:
        facts = batch.facts.get(item.person_id)
        if facts is None:
            raise _Rejected("person_unknown")
        return [_Traveller(facts, judge(facts, **common), destination_ward_code=item.destination_ward_code)]
    matches = batch.by_identifier.get(identifier_key(id_number=item.id_number, phone=item.phone), [])
    facts = batch.facts.get(matches[0]) if len(matches) == 1 else None
    typed = (item.id_number or item.phone).strip()[:20]
    return [
        _Traveller(
            facts,
            judge(facts, **common),
            identifier="" if facts else typed,
            destination_ward_code=item.destination_ward_code or (facts.ward_id if facts else None),
        )
    ]


# Passage columns that differ from row to row; the others (the checkpoint, the user, the
# tablet, created_at and any later column with a default) are the same for a whole batch.
_ROW_FIELDS = (
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
_Row = tuple[Any, ...]  # values in _ROW_FIELDS order


def scans_ingest(
    *,
    checkpoint: Checkpoint,
    user: Any,
    items: list[ScanItem],
    tablet_id: str = "",
    pending: int | None = None,
    request: HttpRequest | None = None,
    _retried: bool = False,
) -> list[ScanResult]:
    """Record a batch of scans at ``checkpoint``; one result per item, in order."""
    now = timezone.now()
    results: dict[int, ScanResult] = {}
    fingerprints = [item.fingerprint() for item in items]

    # Replays: the same client_id again, with the same content, is answered as before.
    known = _stored([item.client_id for item in items])

    wards = known_ward_codes()
    fresh: list[int] = []
    claims: dict[uuid.UUID, dict[str, Any]] = {}
    seen: dict[uuid.UUID, str] = {}
    for index, item in enumerate(items):
        if item.client_id in known or item.client_id in seen:
            earlier = sorted(known.get(item.client_id, []))
            same = (earlier[0][2] if earlier else seen[item.client_id]) == fingerprints[index]
            if same and earlier:
                results[index] = _replayed(item.client_id, earlier)
            elif same:
                results[index] = ScanResult(item.client_id, "duplicate")  # twice in one batch: the first counts
            else:
                results[index] = ScanResult(item.client_id, "rejected", reason="client_id_reused", http_status=409)
            continue
        seen[item.client_id] = fingerprints[index]
        try:
            _check_time(item, now)
            _check_fields(item, wards)
            if item.qr_token:
                claims[item.client_id] = _token_claims(item)
        except _Rejected as rejected:
            results[index] = _rejection(item.client_id, rejected)
            continue
        fresh.append(index)

    batch = _read_batch([items[i] for i in fresh], claims, now) if fresh else None
    rows: list[_Row] = []
    owners: list[int] = []
    for index in fresh:
        item = items[index]
        assert batch is not None
        try:
            travellers = _travellers(item, claims.get(item.client_id), batch)
        except _Rejected as rejected:
            results[index] = _rejection(item.client_id, rejected)
            continue
        trip = batch.trips.get(item.trip_code.strip().upper())[0] if item.trip_code else None  # type: ignore[index]
        for seq, traveller in enumerate(travellers):
            rows.append(_row(item, seq, fingerprints[index], traveller, trip))
            owners.append(index)
        results[index] = ScanResult(
            item.client_id,
            "created",
            verdict=worst_verdict(t.judgement.verdict for t in travellers),
            risk_level=travellers[0].judgement.risk_level if len(travellers) == 1 else "",
        )

    if rows:
        recorder = user if getattr(user, "is_authenticated", False) else None
        template = Passage(checkpoint=checkpoint, recorded_by=recorder, tablet_id=tablet_id[:64])
        audit = audit_event(actor=user, action="checkpoint.scan", request=request)
        audit.object_type = "checkpoints.passage"
        ids = _insert(rows, template, audit, user=user, request=request, may_retry=not _retried)
        if ids is None:
            # Another request stored some of these client_ids between our read and our
            # write (a tablet retrying while its first try was still running): start again,
            # and they come back as replays.
            return scans_ingest(
                checkpoint=checkpoint,
                user=user,
                items=items,
                tablet_id=tablet_id,
                pending=pending,
                request=request,
                _retried=True,
            )
        for pk, index in zip(ids, owners, strict=True):
            results[index].passage_ids.append(pk)
        verdict_at = _ROW_FIELDS.index("verdict")
        flagged = [pk for pk, row in zip(ids, rows, strict=True) if row[verdict_at] in FLAGGED_VERDICTS]
        if flagged:
            # Flagged travellers are announced to the health units of their destination, off the request.
            transaction.on_commit(lambda: alert_flagged_passages.delay(flagged))
    _tablet_seen(checkpoint=checkpoint, user=user, tablet_id=tablet_id, pending=pending, synced=bool(items))
    return [results[i] for i in range(len(items))]


def _stored(client_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[tuple[int, int, str, str, str]]]:
    """The passages already stored under these client_ids: (seq, id, fingerprint, verdict,
    risk level) for each."""
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
            Passage.objects.filter(client_id__in=client_ids).values_list(
                "client_id", "seq", "pk", "fingerprint", "verdict", "risk_level"
            )
        )
    for client_id, seq, pk, fingerprint, verdict, risk_level in found:
        known.setdefault(client_id, []).append((seq, pk, fingerprint, verdict, risk_level))
    return known


# One index probe per client_id (a nested loop whatever the statistics say: with none, the
# planner took `client_id = ANY(...)` for a scan of the whole table).
_STORED_SQL = (
    "SELECT p.client_id, p.seq, p.id, p.fingerprint, p.verdict, p.risk_level"  # noqa: S608
    " FROM unnest(%s::uuid[]) AS u(client_id) CROSS JOIN LATERAL"
    f" (SELECT * FROM {Passage._meta.db_table} WHERE client_id = u.client_id OFFSET 0) AS p"
)


def _replayed(client_id: uuid.UUID, rows: list[tuple[int, int, str, str, str]]) -> ScanResult:
    return ScanResult(
        client_id,
        "duplicate",
        passage_ids=[pk for _seq, pk, *_rest in rows],
        verdict=worst_verdict(verdict for *_head, verdict, _risk in rows),
        risk_level=rows[0][4] if len(rows) == 1 else "",
    )


def _rejection(client_id: uuid.UUID, rejected: _Rejected) -> ScanResult:
    return ScanResult(
        client_id, "rejected", verdict=rejected.verdict, reason=rejected.reason, http_status=rejected.http_status
    )


def _row(item: ScanItem, seq: int, fingerprint: str, traveller: _Traveller, trip: BusTrip | None) -> _Row:
    """One passage's own columns, in ``_ROW_FIELDS`` order."""
    facts, judgement = traveller.facts, traveller.judgement
    return (
        item.client_id,
        seq,
        fingerprint,
        facts.person_id if facts else None,
        traveller.identifier,
        trip.pk if trip else None,
        item.direction,
        (item.vehicle_plate or (trip.vehicle_plate if trip else "")).strip().upper()[:20],
        item.vehicle_type or ("bus" if trip else ""),
        item.origin_ward_code or (trip.origin_ward_id if trip else None),
        traveller.destination_ward_code,
        item.temperature,
        judgement.verdict,
        judgement.risk_level,
        judgement.f_level,
        judgement.findings,
        item.scanned_at,
    )


def _insert(
    rows: list[_Row],
    template: Passage,
    audit: AuditEvent,
    *,
    user: Any,
    request: HttpRequest | None,
    may_retry: bool,
) -> list[int] | None:
    """Insert the passages, and an audit event for each one of a known person (each scan
    reads their health status); their ids in order, or None if a client_id was stored
    meanwhile."""
    try:
        if connection.vendor == "postgresql":
            # One statement, atomic on its own; a savepoint only inside a transaction, so
            # a conflict can be retried.
            with transaction.atomic() if connection.in_atomic_block else nullcontext():
                return _insert_postgresql(rows, template, audit)
        with transaction.atomic():
            passages = Passage.objects.bulk_create(
                [
                    Passage(
                        checkpoint_id=template.checkpoint_id,
                        recorded_by_id=template.recorded_by_id,
                        tablet_id=template.tablet_id,
                        **dict(zip(_ROW_FIELDS, row, strict=True)),
                    )
                    for row in rows
                ]
            )
            audit_log_many(
                actor=user,
                action=audit.action,
                object_type=audit.object_type,
                rows=[(str(p.pk), p.person_id) for p in passages if p.person_id],
                request=request,
            )
            return [p.pk for p in passages]
    except IntegrityError:
        if may_retry:
            return None
        raise


def _insert_postgresql(rows: list[_Row], template: Passage, audit: AuditEvent) -> list[int]:
    """``WITH p AS (INSERT passages SELECT FROM the rows RETURNING ...) INSERT audit events
    SELECT FROM p``, in one round trip. The rows travel as one JSON array of arrays (one
    ``json.dumps``, where 17 array parameters cost psycopg a Python call per value); the
    columns come from the models, the constant ones (checkpoint, user, tablet, created_at,
    and any column added later with a default) as single parameters."""
    sql, passage_constants, audit_constants = _insert_statement()
    params = [_db_value(f, template) for f in passage_constants]
    params.append(json.dumps(rows, default=_json_value, separators=(",", ":")))
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
    by_name = {f.attname: f for f in Passage._meta.concrete_fields}
    row_fields = [by_name[name] for name in _ROW_FIELDS]
    primary_key = next(f for f in Passage._meta.concrete_fields if f.primary_key)
    passage_constants = [f for f in Passage._meta.concrete_fields if not f.primary_key and f.attname not in _ROW_FIELDS]
    columns = [_column(f) for f in passage_constants] + [_column(f) for f in row_fields]
    select = [f"%s::{f.db_type(connection)}" for f in passage_constants] + [
        f"(r.v->{n})::jsonb" if isinstance(f, models.JSONField) else f"(r.v->>{n})::{f.db_type(connection)}"
        for n, f in enumerate(row_fields)
    ]
    audit_fields = {f.attname: f for f in AuditEvent._meta.concrete_fields}
    per_event = {"object_id": "p.id::text", "person_id": "p.person_id"}
    audit_constants = [f for f in audit_fields.values() if not f.primary_key and f.attname not in per_event]
    audit_columns = [_column(f) for f in audit_constants] + [_column(audit_fields[name]) for name in per_event]
    audit_select = [f"%s::{f.db_type(connection)}" for f in audit_constants] + list(per_event.values())
    sql = (
        f"WITH p AS (INSERT INTO {quote(Passage._meta.db_table)} ({', '.join(columns)})"  # noqa: S608
        f" SELECT {', '.join(select)} FROM json_array_elements(%s::json) WITH ORDINALITY AS r(v, n) ORDER BY r.n"
        f" RETURNING {_column(primary_key)} AS id, client_id, seq, person_id),"
        f" a AS (INSERT INTO {quote(AuditEvent._meta.db_table)} ({', '.join(audit_columns)})"
        f" SELECT {', '.join(audit_select)} FROM p WHERE p.person_id IS NOT NULL)"
        " SELECT id, client_id, seq FROM p"
    )
    return sql, passage_constants, audit_constants


def _tablet_seen(*, checkpoint: Checkpoint, user: Any, tablet_id: str, pending: int | None, synced: bool) -> None:
    if not tablet_id:
        return
    now = timezone.now()
    values: dict[str, Any] = {"checkpoint": checkpoint, "last_seen_at": now}
    if getattr(user, "is_authenticated", False):
        values["user"] = user
    if synced:
        values["last_sync_at"] = now
    if pending is not None:
        values["pending"] = max(0, pending)
    # One INSERT ... ON CONFLICT: the tablet's row is created or updated in place (only
    # what this call knows; a new row takes the defaults for the rest).
    Tablet.objects.bulk_create(
        [Tablet(device_id=tablet_id[:64], **values)],
        update_conflicts=True,
        unique_fields=["device_id"],
        update_fields=list(values),
    )


def tablet_heartbeat(*, checkpoint: Checkpoint, user: Any, tablet_id: str, pending: int | None) -> None:
    """A tablet that is online says so (and how many passages it still holds)."""
    _tablet_seen(checkpoint=checkpoint, user=user, tablet_id=tablet_id, pending=pending, synced=False)


# --- Duty shifts ---------------------------------------------------------------------------


def shift_start(*, user: Any, checkpoint: Checkpoint) -> DutyShift:
    """Put ``user`` on duty at ``checkpoint``, ending any shift they left open elsewhere."""
    now = timezone.now()
    with transaction.atomic():
        open_shift = DutyShift.objects.select_for_update().filter(user=user, ended_at__isnull=True).first()
        if open_shift is not None:
            if open_shift.checkpoint_id == checkpoint.pk:
                return open_shift
            open_shift.ended_at = now
            open_shift.save(update_fields=["ended_at"])
        return DutyShift.objects.create(user=user, checkpoint=checkpoint, started_at=now)


def shift_end(*, user: Any) -> DutyShift | None:
    shift = DutyShift.objects.filter(user=user, ended_at__isnull=True).first()
    if shift is None:
        raise DomainError(_("You are not on duty."), "not_on_duty")
    shift.ended_at = timezone.now()
    shift.save(update_fields=["ended_at"])
    return shift
