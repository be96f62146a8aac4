"""Passages from tablets' batches, and tablets' last sync.

``scans_ingest`` takes a batch as the tablet queued it. Each item stands alone: a bad item
is rejected with a reason and the others are kept; an item seen before (same client_id,
same content) is answered as it was the first time and writes nothing; the same client_id
with other content is a conflict (409 for that item). A batch of any size costs a fixed
number of queries: one to find replays (in the passages' receipts), one for the travellers with their credentials and
declarations (and two for their tracing status), one to write (on PostgreSQL a single
statement writes the passages, their receipts and their audit events; with the message
raising the flagged travellers' alerts, in one transaction), one to read the tablet's row
and, when it is due, one to write it.

A batch of 500 must be cheap (the target is 5,000 scans a second), so the per-item work is
plain Python over tuples: no model instance per passage or audit event on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from contextlib import nullcontext
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from checkpoints.errors import ScanRejection
from checkpoints.models import FLAGGED_VERDICTS, BusTrip, Checkpoint, Passage, Tablet, Verdict
from checkpoints.selectors.facts import people_facts, zone_ward_codes
from checkpoints.selectors.people import identifier_key, people_by_identifier
from checkpoints.services.passage_store import ROW_FIELDS, Row, passages_insert, passages_stored
from checkpoints.tasks import alert_flagged_passages
from checkpoints.verdicts import Judgement, PersonFacts, judge, worst_verdict
from truyvet.accounts.models import User
from truyvet.geo.selectors import known_ward_codes
from truyvet.lib import outbox, signing
from truyvet.lib.audit import audit_event
from truyvet.lib.bounds import MAX_INT
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
    def __init__(self, reason: ScanRejection, *, verdict: str | None = None, http_status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.verdict = verdict
        self.http_status = http_status


def _check_time(item: ScanItem, now: datetime) -> None:
    if item.scanned_at > now + settings.CHECKPOINT_CLOCK_SKEW:
        raise _Rejected(ScanRejection.SCANNED_AT_FUTURE)
    if item.scanned_at < now - settings.CHECKPOINT_SCAN_MAX_AGE:
        raise _Rejected(ScanRejection.SCANNED_AT_TOO_OLD)


def _check_fields(item: ScanItem, wards: frozenset[int]) -> None:
    # Whoever built the item (the API's reader, a scanner page), nothing that the database
    # cannot store or look up reaches the batch's single write: one bad item must not sink it.
    for text in (item.qr_token, item.trip_code, item.id_number, item.phone, item.vehicle_plate, item.vehicle_type):
        if text and not storable(text):
            raise _Rejected(ScanRejection.INVALID_CHARACTERS)
    numbers = [item.person_id, item.origin_ward_code, item.destination_ward_code, *(item.passenger_ids or ())]
    if any(n is not None and not 0 < n <= MAX_INT for n in numbers):
        raise _Rejected(ScanRejection.NUMBER_OUT_OF_RANGE)
    identifiers = [item.qr_token, item.trip_code, item.person_id, item.id_number, item.phone]
    if sum(1 for value in identifiers if value) != 1:
        raise _Rejected(ScanRejection.ONE_IDENTIFIER_REQUIRED)
    if item.direction not in ("in", "out"):
        raise _Rejected(ScanRejection.DIRECTION_INVALID)
    for code in (item.origin_ward_code, item.destination_ward_code):
        if code is not None and code not in wards:
            raise _Rejected(ScanRejection.WARD_UNKNOWN)
    if item.temperature is not None and not (30 <= item.temperature <= 45):
        raise _Rejected(ScanRejection.TEMPERATURE_IMPLAUSIBLE)


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


# What ``signing.verify`` says of a token, as the reason a scan is refused.
_TOKEN_REJECTIONS = {
    "expired": ScanRejection.TOKEN_EXPIRED,
    "bad_signature": ScanRejection.TOKEN_BAD_SIGNATURE,
    "malformed": ScanRejection.TOKEN_MALFORMED,
}


def _token_claims(item: ScanItem) -> dict[str, Any]:
    try:
        return signing.verify(item.qr_token, now=item.scanned_at)
    except signing.TokenError as error:
        # A token that was never ours (or is garbled) is refused; one that had run out at
        # the time of the scan means the traveller must declare again.
        reason = _TOKEN_REJECTIONS.get(error.reason, ScanRejection.TOKEN_MALFORMED)
        raise _Rejected(reason, verdict=Verdict.DECLARE) from None


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
            raise _Rejected(ScanRejection.TOKEN_REVOKED, verdict=Verdict.DECLARE)
        if facts is None:
            raise _Rejected(ScanRejection.TOKEN_UNKNOWN, verdict=Verdict.DECLARE)
        # The token was checked valid at the scan; the person's current level comes from the server.
        judgement = judge(facts, declaration_valid=True, **common)
        return [_Traveller(facts, judgement, destination_ward_code=item.destination_ward_code or facts.ward_id)]
    if item.trip_code:
        trip_entry = batch.trips.get(item.trip_code.strip().upper())
        if trip_entry is None:
            raise _Rejected(ScanRejection.TRIP_UNKNOWN)
        trip, passengers = trip_entry
        chosen = passengers
        if item.passenger_ids is not None:
            wanted = set(item.passenger_ids)
            chosen = [p for p in passengers if p[0] in wanted]
            if len(chosen) != len(wanted):
                raise _Rejected(ScanRejection.PASSENGER_UNKNOWN)
        if not chosen:
            raise _Rejected(ScanRejection.TRIP_EMPTY)
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
            raise _Rejected(ScanRejection.PERSON_UNKNOWN)
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


def scans_ingest(
    *,
    checkpoint: Checkpoint,
    user: User,
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
    known = passages_stored([item.client_id for item in items])

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
                results[index] = ScanResult(
                    item.client_id, "rejected", reason=ScanRejection.CLIENT_ID_REUSED, http_status=409
                )
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
    rows: list[Row] = []
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

    ids: list[int] = []
    if rows:
        template = Passage(checkpoint=checkpoint, recorded_by=user, tablet_id=tablet_id[:64])
        audit = audit_event(actor=user, action="checkpoint.scan", request=request)
        audit.object_type = "checkpoints.passage"
        flagged = [row[_VERDICT_AT] in FLAGGED_VERDICTS for row in rows]
        try:
            # The passages' statement commits on its own; with flagged travellers, in one
            # transaction with the message that raises their alerts (one commit, and never
            # one without the other). Inside a caller's transaction, a savepoint, so that a
            # conflict can be retried.
            own = any(flagged) or transaction.get_connection().in_atomic_block
            with transaction.atomic() if own else nullcontext():
                ids = passages_insert(rows, template, audit, user=user, request=request)
                if any(flagged):
                    _alert(ids, rows, flagged)
        except IntegrityError:
            if _retried:
                raise
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
    _tablet_seen(checkpoint=checkpoint, user=user, tablet_id=tablet_id, pending=pending, synced=bool(items))
    return [results[i] for i in range(len(items))]


_VERDICT_AT, _SCANNED_AT = ROW_FIELDS.index("verdict"), ROW_FIELDS.index("scanned_at")


def _alert(ids: list[int], rows: list[Row], flagged: list[bool]) -> None:
    """Flagged travellers are announced to the health units of their destination, off the
    request; their scan times bound the task's read to their days."""
    times = [row[_SCANNED_AT] for row, is_flagged in zip(rows, flagged, strict=True) if is_flagged]
    outbox.enqueue(
        alert_flagged_passages,
        [pk for pk, is_flagged in zip(ids, flagged, strict=True) if is_flagged],
        min(times).isoformat(),
        max(times).isoformat(),
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


def _row(item: ScanItem, seq: int, fingerprint: str, traveller: _Traveller, trip: BusTrip | None) -> Row:
    """One passage's own columns, in ``ROW_FIELDS`` order."""
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


# A tablet's row is written when what it says changes (its checkpoint, its user, its queue
# length), else at most this often: each batch rewrote it with only a newer time, and batches
# under one tablet id queued on its row lock and each waited for one more commit to reach the
# disk. The monitor shows times to the minute, and calls a tablet offline after
# CHECKPOINT_TABLET_OFFLINE_MINUTES.
TABLET_SEEN_EVERY = timedelta(seconds=30)


def _tablet_seen(*, checkpoint: Checkpoint, user: User, tablet_id: str, pending: int | None, synced: bool) -> None:
    if not tablet_id:
        return
    now = timezone.now()
    device_id = tablet_id[:64]
    values: dict[str, Any] = {"checkpoint": checkpoint, "last_seen_at": now, "user": user}
    if synced:
        values["last_sync_at"] = now
    if pending is not None:
        values["pending"] = max(0, pending)
    # Read first (no lock, nothing written): an up-to-date row is left alone.
    stored = Tablet.objects.filter(device_id=device_id).values("checkpoint_id", "user_id", "pending", *_TIMES).first()
    if stored is not None and not _tablet_due(stored, values, now):
        return
    # One INSERT ... ON CONFLICT: the tablet's row is created or updated in place (only
    # what this call knows; a new row takes the defaults for the rest).
    Tablet.objects.bulk_create(
        [Tablet(device_id=device_id, **values)],
        update_conflicts=True,
        unique_fields=["device_id"],
        update_fields=list(values),
    )


_TIMES = ("last_seen_at", "last_sync_at")


def _tablet_due(stored: dict[str, Any], values: dict[str, Any], now: datetime) -> bool:
    """Whether the stored row differs from what this call says by more than the times."""
    if (stored["checkpoint_id"], stored["user_id"]) != (values["checkpoint"].pk, values["user"].pk):
        return True
    if "pending" in values and stored["pending"] != values["pending"]:
        return True
    return any(name in values and (stored[name] is None or stored[name] < now - TABLET_SEEN_EVERY) for name in _TIMES)


def tablet_heartbeat(*, checkpoint: Checkpoint, user: User, tablet_id: str, pending: int | None) -> None:
    """A tablet that is online says so (and how many passages it still holds)."""
    _tablet_seen(checkpoint=checkpoint, user=user, tablet_id=tablet_id, pending=pending, synced=False)
