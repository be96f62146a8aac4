"""The online check at a checkpoint: who is this traveller (or this bus) and what to do.

A tablet that is online asks the server before staff record a passage: the server knows
what the token cannot say (a case confirmed since the token was issued, a newer
declaration). Every person shown is a read of their health data and is audit-logged.

What a code typed at the scanner names (a trip code, a personal QR token, a phone or an
id number) is decided here too, once: ``typed_identifier``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from checkpoints.errors import ScanRejection
from checkpoints.models import TRIP_CODE_PREFIX, BusTrip, Checkpoint
from checkpoints.selectors.facts import people_facts
from checkpoints.selectors.people import identifier_key, people_by_identifier
from checkpoints.verdicts import Judgement, PersonFacts, finding_label, judge
from truyvet.accounts.models import User
from truyvet.credentials.qr import TOKEN_MESSAGES
from truyvet.lib import signing
from truyvet.lib.audit import audit_log_many
from truyvet.lib.errors import DomainError
from truyvet.people.normalize import mask_name, normalize_phone

MAX_MATCHES = 10

_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


def typed_identifier(text: str) -> tuple[str, str]:
    """What a code typed (or read) at the scanner names, as the field of a scan that holds
    it and its value: ``("trip_code", "TRIP-AB12CD34")``, ``("qr_token", ...)``,
    ``("phone", ...)`` or, for anything else, ``("id_number", ...)`` (cut to 20)."""
    code = text.strip()
    if code.upper().startswith(TRIP_CODE_PREFIX):
        return "trip_code", code.upper()
    if _JWS.match(code):
        return "qr_token", code
    if normalize_phone(code):
        return "phone", code
    return "id_number", code[:20]


@dataclass(frozen=True)
class TravellerQuery:
    """What the online check is asked: exactly one of the four identifiers, and the
    temperature taken."""

    qr_token: str = ""
    id_number: str = ""
    phone: str = ""
    trip_code: str = ""
    temperature: float | None = None


def _person_view(facts: PersonFacts | None, judgement: Judgement) -> dict[str, Any]:
    return {
        "person_id": facts.person_id if facts else None,
        "display_name": facts.display_name if facts else "",
        "verdict": judgement.verdict,
        "risk_level": judgement.risk_level or None,
        "f_level": judgement.f_level,
        "findings": [{"code": code, "label": finding_label(code)} for code in judgement.findings],
        "risk_reasons": [finding_label(code) for code in (facts.risk_reasons if facts else [])],
        "vaccine_doses": facts.vaccine_doses if facts else 0,
        "last_dose_on": facts.last_dose_on if facts else None,
        "declared_at": facts.declared_at if facts else None,
        "expires_at": facts.expires_at if facts else None,
        "has_declaration": bool(facts and facts.declaration_valid),
    }


def _audit(user: User, person_ids: list[int], request: HttpRequest | None, checkpoint: Checkpoint) -> None:
    audit_log_many(
        actor=user,
        action="checkpoint.check",
        object_type="checkpoints.checkpoint",
        rows=[(str(checkpoint.pk), pk) for pk in person_ids],
        request=request,
    )


def traveller_check(
    *, checkpoint: Checkpoint, user: User, query: TravellerQuery, request: HttpRequest | None = None
) -> dict[str, Any]:
    """``{"kind": "person"|"people"|"trip", ...}``; a bad token is ``{"kind": "person",
    "valid": false, "reason", "detail", "verdict": "declare"}``."""
    now = timezone.now()
    given = [v for v in (query.qr_token, query.id_number, query.phone, query.trip_code) if v]
    if len(given) != 1:
        raise DomainError(
            "Give one of qr_token, id_number, phone or trip_code.",
            ScanRejection.ONE_IDENTIFIER_REQUIRED,
            field="qr_token",
        )
    if query.qr_token:
        return _check_token(checkpoint, user, query.qr_token, query.temperature, now, request)
    if query.trip_code:
        return _check_trip(checkpoint, user, query.trip_code, now, request)
    return _check_identifier(checkpoint, user, query.id_number, query.phone, query.temperature, now, request)


def _check_token(
    checkpoint: Checkpoint,
    user: User,
    token: str,
    temperature: float | None,
    now: datetime,
    request: HttpRequest | None,
) -> dict[str, Any]:
    try:
        payload = signing.verify(token, now=now)
    except signing.TokenError as error:
        return _invalid(error.reason)
    # The holder by the ref the token carries, with credential, declaration and status.
    sub = str(payload.get("sub"))
    facts = next((f for f in people_facts(at=now, refs=[sub]).values() if f.ref == sub), None)
    if facts is None:
        return _invalid("unknown")
    if facts.revoked_at is not None and payload.get("iat", 0) <= facts.revoked_at.timestamp():
        return _invalid("revoked")
    judgement = judge(facts, declaration_valid=True, temperature=temperature)
    _audit(user, [facts.person_id], request, checkpoint)
    return {"kind": "person", "valid": True, **_person_view(facts, judgement)}


def _invalid(reason: str) -> dict[str, Any]:
    return {
        "kind": "person",
        "valid": False,
        "reason": reason,
        "detail": str(TOKEN_MESSAGES.get(reason, reason)),
        "verdict": "declare",
    }


def _check_identifier(
    checkpoint: Checkpoint,
    user: User,
    id_number: str,
    phone: str,
    temperature: float | None,
    now: datetime,
    request: HttpRequest | None,
) -> dict[str, Any]:
    if phone and normalize_phone(phone) is None:
        raise DomainError("This is not a Vietnamese mobile number.", ScanRejection.PHONE_INVALID, field="phone")
    key = identifier_key(id_number=id_number, phone=phone)
    ids = people_by_identifier([key]).get(key, [])[:MAX_MATCHES]
    facts = people_facts(ids, at=now)
    matches = [_person_view(facts[pk], judge(facts[pk], temperature=temperature)) for pk in ids if pk in facts]
    _audit(user, [m["person_id"] for m in matches], request, checkpoint)
    nobody = judge(None, temperature=temperature)
    return {"kind": "people", "matches": matches, "verdict_if_unknown": nobody.verdict}


def _check_trip(
    checkpoint: Checkpoint, user: User, code: str, now: datetime, request: HttpRequest | None
) -> dict[str, Any]:
    trip = (
        BusTrip.objects.filter(code=code.strip().upper())
        .select_related("origin_ward", "destination_ward")
        .prefetch_related("passengers")
        .first()
    )
    if trip is None:
        raise DomainError("No bus trip has this code.", ScanRejection.TRIP_UNKNOWN, field="trip_code", status=404)
    passengers = list(trip.passengers.all())
    facts = people_facts([p.person_id for p in passengers if p.person_id], at=now)
    rows = []
    for passenger in passengers:
        person_facts = facts.get(passenger.person_id) if passenger.person_id else None
        view = _person_view(person_facts, judge(person_facts))
        if not view["display_name"]:
            view["display_name"] = mask_name(passenger.full_name)
        rows.append({"passenger_id": passenger.pk, "seat": passenger.seat, **view})
    _audit(user, [r["person_id"] for r in rows if r["person_id"]], request, checkpoint)
    return {
        "kind": "trip",
        "trip": {
            "code": trip.code,
            "route": trip.route,
            "vehicle_plate": trip.vehicle_plate,
            "departure_at": trip.departure_at,
            "operator_name": trip.operator_name,
            "origin": str(trip.origin_ward) if trip.origin_ward else "",
            "destination": str(trip.destination_ward) if trip.destination_ward else "",
        },
        "passengers": rows,
    }
