"""Reads of bus trips: an operator's trips (``permissions.may_operate_trips``; somebody
else's trip is 404), any trip by its code for checkpoint staff (a trip code is shown to
every checkpoint), and the passenger list with the verdict each passenger would get now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from checkpoints.models import TRIP_CODE_PREFIX, BusTrip, TripPassenger, Verdict
from checkpoints.selectors.facts import people_facts
from checkpoints.verdicts import judge
from truyvet.accounts.jurisdiction import sees_everywhere
from truyvet.accounts.models import User
from truyvet.accounts.permissions import may_operate_trips
from truyvet.lib.audit import audit_log_many

TRIP_LIST_SIZE = 200


def trips_for(user: User) -> QuerySet[BusTrip]:
    """The trips the user runs (administrators: every trip)."""
    if not may_operate_trips(user):
        return BusTrip.objects.none()
    if sees_everywhere(user):
        return BusTrip.objects.all()
    return BusTrip.objects.filter(operator=user)


def trip_code_clean(text: str) -> str:
    """'trip-ab12cd34 ' and 'AB12CD34' -> 'TRIP-AB12CD34': what staff type or a scanner reads."""
    code = "".join((text or "").split()).upper()
    if code and not code.startswith(TRIP_CODE_PREFIX):
        code = TRIP_CODE_PREFIX + code
    return code[:16]


def trip_get_for(user: User, code: str) -> BusTrip:
    """The user's trip with this code, or 404 (somebody else's trip is 404 too)."""
    trip = (
        trips_for(user)
        .filter(code=trip_code_clean(code))
        .select_related("origin_ward__province", "destination_ward__province")
        .first()
    )
    if trip is None:
        raise Http404
    return trip


def trip_list_for(user: User) -> list[BusTrip]:
    """The user's latest trips, newest departure first, each with ``passenger_count``."""
    return list(
        trips_for(user)
        .select_related("origin_ward", "destination_ward")
        .annotate(passenger_count=Count("passengers"))
        .order_by("-departure_at", "-pk")[:TRIP_LIST_SIZE]
    )


def trip_by_code(code: str) -> BusTrip | None:
    """Any trip by its code, for checkpoint staff (a trip code is shown to every checkpoint)."""
    return BusTrip.objects.filter(code=trip_code_clean(code)).first()


# --- The passenger list with statuses ---------------------------------------------------------


@dataclass(frozen=True)
class PassengerStatus:
    """A passenger as the operator sees them: who, and what the checkpoint will say."""

    passenger: TripPassenger
    verdict: str
    has_declaration: bool
    expires_at: datetime | None

    @property
    def verdict_label(self) -> str:
        return str(Verdict(self.verdict).label)

    @property
    def masked_id(self) -> str:
        return mask_identifier(self.passenger.id_number)


def mask_identifier(text: str) -> str:
    """'012090001234' -> '••••••••1234': enough to tell passengers apart on a screen."""
    if len(text) <= 4:
        return text
    return "•" * (len(text) - 4) + text[-4:]


def trip_passenger_statuses(*, trip: BusTrip, user: User, request: HttpRequest | None = None) -> list[PassengerStatus]:
    """Every passenger of the trip with the verdict a checkpoint would give now, in a fixed
    number of queries; reading the statuses of known people is audit-logged."""
    passengers = list(trip.passengers.select_related("destination_ward").order_by("pk"))
    facts = people_facts([p.person_id for p in passengers if p.person_id], at=timezone.now())
    rows = []
    for passenger in passengers:
        person_facts = facts.get(passenger.person_id) if passenger.person_id else None
        judgement = judge(person_facts)
        rows.append(
            PassengerStatus(
                passenger=passenger,
                verdict=judgement.verdict,
                has_declaration=bool(person_facts and person_facts.declaration_valid),
                expires_at=person_facts.expires_at if person_facts else None,
            )
        )
    known: list[tuple[str, int | None]] = [(str(trip.pk), p.person_id) for p in passengers if p.person_id]
    if known:
        audit_log_many(
            actor=user,
            action="checkpoints.trip.passengers",
            object_type="checkpoints.bustrip",
            rows=known,
            request=request,
        )
    return rows
