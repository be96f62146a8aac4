"""Writes of bus trips: the operator's trips and passenger lists, and what a checkpoint
records of them.

An operator registers a trip and its passengers (scanning each passenger's personal QR,
typing them in, or uploading a spreadsheet: ``checkpoints.passenger_files`` reads it); the
trip code then stands for every passenger at a checkpoint. A passenger typed in is matched
to a known person by their id number (and name), now or later when they declare; until
then the checkpoint asks them to declare. The reads (an operator's trips, the passenger
list with statuses) are ``checkpoints.selectors.trips``.

Writes are ``trip_*`` services; each one that adds passengers locks the trip row first, so
two uploads of the same file at once still store each passenger once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checkpoints.errors import ScanRejection, TripError, TripRejection
from checkpoints.models import BusTrip, Checkpoint, Direction, PassageReceipt, TripPassenger, Verdict
from checkpoints.selectors.people import people_by_id_number
from checkpoints.selectors.trips import trip_by_code, trip_code_clean
from checkpoints.services.passage_store import passage_first_scanned_at
from checkpoints.services.scans import ScanItem, scans_ingest
from truyvet.accounts.models import User
from truyvet.accounts.permissions import may_operate_trips
from truyvet.credentials.qr import qr_holder
from truyvet.geo.models import Ward
from truyvet.geo.selectors import known_ward_codes
from truyvet.lib.audit import audit_log_many
from truyvet.lib.errors import DomainError, ErrorCode
from truyvet.lib.text import refuse_invisible
from truyvet.people.normalize import mask_name, normalize_name, normalize_phone, search_key
from truyvet.people.validation import validate_citizen_id

# --- Trips ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TripInput:
    route: str
    vehicle_plate: str
    departure_at: datetime
    origin_ward_code: int | None = None
    destination_ward_code: int | None = None
    operator_name: str = ""


def _plate(text: str) -> str:
    return " ".join(text.split()).upper()


def trip_create(*, operator: User, data: TripInput) -> BusTrip:
    if not may_operate_trips(operator):
        raise DomainError(_("Only bus operators register trips."), TripError.NOT_AN_OPERATOR, status=403)
    wards = known_ward_codes()
    for name, code in (("origin_ward", data.origin_ward_code), ("destination_ward", data.destination_ward_code)):
        if code is not None and code not in wards:
            raise DomainError(_("Unknown commune or ward."), TripError.UNKNOWN_WARD, field=name)
    route, plate = " ".join(data.route.split()), _plate(data.vehicle_plate)
    if not route:
        raise DomainError(_("This field is required."), TripError.REQUIRED, field="route")
    if not plate:
        raise DomainError(_("This field is required."), TripError.REQUIRED, field="vehicle_plate")
    if timezone.is_naive(data.departure_at):
        raise DomainError(_("Enter a valid date and time."), TripError.INVALID, field="departure_at")
    with transaction.atomic():
        return BusTrip.objects.create(
            operator=operator,
            operator_name=" ".join(data.operator_name.split())[:200],
            route=route[:200],
            vehicle_plate=plate[:20],
            departure_at=data.departure_at,
            origin_ward_id=data.origin_ward_code,
            destination_ward_id=data.destination_ward_code,
        )


# --- Passengers: checking one ----------------------------------------------------------------


@dataclass(frozen=True)
class PassengerInput:
    """A passenger as typed or read from a file; ``destination_ward`` is a ward code or a
    commune's name in the home province ('Mường Kim', 'Xã Mường Kim'), or empty."""

    full_name: str
    id_number: str
    phone: str = ""
    seat: str = ""
    destination_ward: str = ""


@dataclass(frozen=True)
class SourceRow:
    """A passenger read from a file, with the line it came from (``checkpoints.passenger_files``)."""

    line: int
    data: PassengerInput


@dataclass(frozen=True)
class _Clean:
    full_name: str
    id_number: str
    phone: str
    seat: str
    destination_ward_id: int | None


def _id_number(text: str) -> str:
    """A 12-digit citizen id (checked as the declaration form checks it), a 9-digit old
    identity card, or a passport number: 5 to 20 letters and digits."""
    cleaned = "".join(text.split()).upper()
    if not cleaned:
        raise DomainError(_("A citizen id or passport number is required."), TripError.ID_REQUIRED, field="id_number")
    if cleaned.isdigit() and len(cleaned) != 9:
        return validate_citizen_id(cleaned, date_of_birth=None, gender="")
    if not (cleaned.isascii() and cleaned.isalnum() and 5 <= len(cleaned) <= 20):
        raise DomainError(
            _("Not a citizen id (12 digits) or a passport number (5 to 20 letters and digits)."),
            TripError.ID_FORMAT,
            field="id_number",
        )
    return cleaned


_WARD_PREFIXES = ("xa ", "phuong ", "dac khu ", "thi tran ")


class _Wards:
    """Ward codes from what a file says: a code, or a name in the home province. The names
    are read once per upload, and only when a row gives a name."""

    def __init__(self) -> None:
        self._names: dict[str, set[int]] | None = None

    def _by_name(self) -> dict[str, set[int]]:
        if self._names is None:
            names: dict[str, set[int]] = {}
            for code, name in Ward.objects.filter(province_id=settings.PROVINCE_CODE).values_list("code", "name"):
                key = search_key(name)
                names.setdefault(key, set()).add(code)
                for prefix in _WARD_PREFIXES:
                    if key.startswith(prefix):
                        names.setdefault(key[len(prefix) :], set()).add(code)
            self._names = names
        return self._names

    def code(self, text: str) -> int | None:
        text = text.strip()
        if not text:
            return None
        if text.isascii() and text.isdigit():
            if int(text) in known_ward_codes():
                return int(text)
        else:
            found = self._by_name().get(search_key(text).replace(" - ", " "), set())
            if len(found) == 1:
                return next(iter(found))
            if len(found) > 1:
                raise DomainError(
                    _("More than one commune or ward has this name: give its code."),
                    TripError.WARD_AMBIGUOUS,
                    field="destination_ward",
                )
        raise DomainError(_("Unknown commune or ward."), TripError.UNKNOWN_WARD, field="destination_ward")


def _clean(data: PassengerInput, wards: _Wards) -> _Clean:
    """The passenger's details checked and normalised, or a DomainError naming the field."""
    name = normalize_name(refuse_invisible(data.full_name, "full_name"))
    if not name:
        raise DomainError(_("A full name is required."), TripError.NAME_REQUIRED, field="full_name")
    if len(name) > 200:
        raise DomainError(_("The name is too long."), TripError.NAME_TOO_LONG, field="full_name")
    id_number = _id_number(data.id_number)
    phone = ""
    if data.phone.strip():
        phone = normalize_phone(data.phone) or ""
        if not phone:
            raise DomainError(
                _("Enter a Vietnamese mobile number, e.g. 0912 345 678."), TripError.INVALID_PHONE, field="phone"
            )
    seat = " ".join(data.seat.split()).upper()
    if len(seat) > 10:
        raise DomainError(_("A seat has at most 10 characters."), TripError.SEAT_TOO_LONG, field="seat")
    return _Clean(name, id_number, phone, seat, wards.code(data.destination_ward))


# --- Passengers: adding them ------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str
    code: str
    field: str = ""


@dataclass
class ImportReport:
    """What an upload did: rows added, rows already on the trip (skipped), rows refused."""

    added: int = 0
    already: list[RowProblem] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.added + len(self.already) + len(self.errors)


def _lock(trip: BusTrip) -> None:
    """Serialise the writes to one trip's passenger list (PostgreSQL; SQLite writes one at a time)."""
    BusTrip.objects.select_for_update().filter(pk=trip.pk).values_list("pk", flat=True).first()


def _on_board(trip: BusTrip) -> tuple[set[str], set[int]]:
    ids: set[str] = set()
    people: set[int] = set()
    for id_number, person_id in trip.passengers.values_list("id_number", "person_id"):
        if id_number:
            ids.add(id_number)
        if person_id:
            people.add(person_id)
    return ids, people


def _add(
    trip: BusTrip, user: User, rows: Sequence[tuple[int, PassengerInput]], request: HttpRequest | None
) -> tuple[ImportReport, list[TripPassenger]]:
    report = ImportReport()
    wards = _Wards()
    checked: list[tuple[int, _Clean]] = []
    for line, data in rows:
        try:
            checked.append((line, _clean(data, wards)))
        except DomainError as error:
            report.errors.append(RowProblem(line, str(error.detail), error.code, next(iter(error.errors), "")))
    with transaction.atomic():
        _lock(trip)
        ids_on_board, people_on_board = _on_board(trip)
        people = people_by_id_number((c.id_number, c.full_name) for _line, c in checked)
        first_line: dict[str, int] = {}
        new: list[TripPassenger] = []
        for line, clean in checked:
            if clean.id_number in first_line:
                reason = _("The same id number is on line %(line)s.") % {"line": first_line[clean.id_number]}
                report.errors.append(RowProblem(line, str(reason), TripError.DUPLICATE_IN_FILE, "id_number"))
                continue
            first_line[clean.id_number] = line
            person_id = people.get(clean.id_number)
            if clean.id_number in ids_on_board or (person_id is not None and person_id in people_on_board):
                already = RowProblem(line, str(_("Already on this trip.")), TripError.ALREADY_ON_TRIP, "id_number")
                report.already.append(already)
                continue
            if person_id is not None:
                people_on_board.add(person_id)
            new.append(
                TripPassenger(
                    trip=trip,
                    person_id=person_id,
                    full_name=clean.full_name,
                    id_number=clean.id_number,
                    phone=clean.phone,
                    seat=clean.seat,
                    destination_ward_id=clean.destination_ward_id,
                )
            )
        TripPassenger.objects.bulk_create(new)
        _audit_added(trip, user, [p.person_id for p in new if p.person_id], request)
    report.added = len(new)
    report.errors.sort(key=lambda problem: problem.line)
    return report, new


def _audit_added(trip: BusTrip, user: User, person_ids: list[int], request: HttpRequest | None) -> None:
    if person_ids:
        audit_log_many(
            actor=user,
            action="checkpoints.trip.passenger_add",
            object_type="checkpoints.bustrip",
            rows=[(str(trip.pk), pk) for pk in person_ids],
            request=request,
        )


def trip_passenger_add(
    *, trip: BusTrip, user: User, data: PassengerInput, request: HttpRequest | None = None
) -> TripPassenger:
    """Add one typed-in passenger, linked to the known person with this id number and name."""
    report, added = _add(trip, user, [(1, data)], request)
    if report.errors or report.already:
        problem = (report.errors or report.already)[0]
        raise DomainError(problem.reason, problem.code, field=problem.field or None)
    return added[0]


def trip_passenger_add_by_qr(
    *, trip: BusTrip, user: User, qr_token: str, seat: str = "", request: HttpRequest | None = None
) -> tuple[TripPassenger, bool]:
    """Add the holder of a personal QR code; (passenger, created). A holder already on the
    list (scanned twice, or typed in before by id number) is linked, not added again."""
    holder = qr_holder(qr_token.strip())
    seat = " ".join(seat.split()).upper()[:10]
    identifier = holder.id_number or holder.passport_number or ""
    with transaction.atomic():
        _lock(trip)
        existing = trip.passengers.filter(Q(person=holder) | (Q(id_number=identifier) & ~Q(id_number=""))).first()
        if existing is not None:
            if existing.person_id is None:
                existing.person = holder
                existing.save(update_fields=["person"])
            return existing, False
        passenger = TripPassenger.objects.create(
            trip=trip,
            person=holder,
            full_name=holder.full_name,
            id_number=identifier,
            phone=holder.phone,
            seat=seat,
        )
        _audit_added(trip, user, [holder.pk], request)
    return passenger, True


def trip_passenger_remove(*, trip: BusTrip, user: User, passenger_id: int | str) -> None:
    if not str(passenger_id).isascii() or not str(passenger_id).isdigit():
        raise Http404
    with transaction.atomic():
        deleted, _rows = trip.passengers.filter(pk=int(passenger_id)).delete()
    if not deleted:
        raise Http404


def trip_passengers_link(*, trip: BusTrip) -> int:
    """Link passengers typed in before they declared to the person they have become
    (same id number and name). Idempotent; returns how many were linked."""
    loose = list(
        trip.passengers.filter(person__isnull=True)
        .exclude(id_number="")
        .only("pk", "trip_id", "id_number", "full_name")
    )
    if not loose:
        return 0
    people = people_by_id_number((p.id_number, p.full_name) for p in loose)
    if not people:
        return 0
    try:
        with transaction.atomic():
            _lock(trip)
            taken = set(trip.passengers.filter(person__isnull=False).values_list("person_id", flat=True))
            linked = []
            for passenger in loose:
                person_id = people.get(passenger.id_number)
                if person_id is not None and person_id not in taken:
                    passenger.person_id = person_id
                    taken.add(person_id)
                    linked.append(passenger)
            TripPassenger.objects.bulk_update(linked, ["person"])
    except IntegrityError:
        return 0  # linked by a concurrent request
    return len(linked)


def trip_passengers_import(
    *, trip: BusTrip, user: User, rows: Sequence[SourceRow], request: HttpRequest | None = None
) -> ImportReport:
    """Add the good rows, report each bad one by line; a row already on the trip is skipped,
    so uploading the same file again adds nothing."""
    return _add(trip, user, [(row.line, row.data) for row in rows], request)[0]


# --- At a checkpoint ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedPassage:
    name: str
    seat: str
    verdict: str

    @property
    def verdict_label(self) -> str:
        return str(Verdict(self.verdict).label)


@dataclass(frozen=True)
class TripRecording:
    created: bool  # False: this form had been sent before, nothing new was written
    passages: list[RecordedPassage]
    verdict: str | None


def trip_passages_record(
    *,
    checkpoint: Checkpoint,
    user: User,
    trip_code: str,
    passenger_ids: Sequence[int],
    direction: str,
    client_id: uuid.UUID,
    request: HttpRequest | None = None,
) -> TripRecording:
    """Record the ticked passengers of a trip passing ``checkpoint``, as one scan of the
    trip code. ``client_id`` comes with the form, so the same form sent twice (a double
    click, a reload) is recognised and records nothing new."""
    if not passenger_ids:
        raise DomainError(TripRejection.NO_PASSENGER.label, TripRejection.NO_PASSENGER, field="passengers")
    if direction not in Direction.values:
        raise DomainError(TripRejection.DIRECTION_INVALID.label, TripRejection.DIRECTION_INVALID, field="direction")
    code = trip_code_clean(trip_code)
    trip = trip_by_code(code)
    if trip is None:
        unknown = TripRejection.TRIP_UNKNOWN
        raise DomainError(unknown.label, unknown, field="trip_code", status=404)
    trip_passengers_link(trip=trip)
    # A form sent again carries the first sending's time, so the scan is the same scan.
    earlier = passage_first_scanned_at(client_id)
    item = ScanItem(
        client_id=client_id,
        direction=direction,
        scanned_at=earlier or timezone.now(),
        trip_code=code,
        passenger_ids=tuple(sorted(set(passenger_ids))),
    )
    [result] = scans_ingest(checkpoint=checkpoint, user=user, items=[item], request=request)
    if result.status == "rejected":
        raise _refused(result.reason, result.http_status)
    return TripRecording(
        created=result.status == "created",
        passages=_recorded(trip, item.passenger_ids or (), client_id),
        verdict=result.verdict,
    )


def _refused(reason: str, http_status: int) -> DomainError:
    """A refused scan of the trip, in the trip page's words where it has its own."""
    if reason in TripRejection.values:
        code: ErrorCode = TripRejection(reason)
        return DomainError(code.label, code, field="passengers", status=http_status)
    detail = _("The passages could not be recorded.")
    return DomainError(detail, ScanRejection(reason), field="passengers", status=http_status)


def _recorded(trip: BusTrip, passenger_ids: Sequence[int], client_id: uuid.UUID) -> list[RecordedPassage]:
    """The passages as staff should read them: passage ``seq`` follows the trip's passenger order.
    Their verdicts come from their receipts (no read of the passages' day partitions)."""
    receipts = PassageReceipt.objects.filter(client_id=client_id).order_by("seq")
    passages = list(receipts.values_list("verdict", flat=True))
    passengers = list(trip.passengers.filter(pk__in=passenger_ids).order_by("pk").values_list("full_name", "seat"))
    if len(passengers) != len(passages):
        passengers = [("", "")] * len(passages)
    return [
        RecordedPassage(name=mask_name(name), seat=seat, verdict=verdict)
        for (name, seat), verdict in zip(passengers, passages, strict=True)
    ]
