"""Bus trips: the operator's trips and passenger lists, and what a checkpoint records of them.

An operator registers a trip and its passengers (scanning each passenger's personal QR,
typing them in, or uploading a spreadsheet); the trip code then stands for every passenger
at a checkpoint. A passenger typed in is matched to a known person by their id number (and
name), now or later when they declare; until then the checkpoint asks them to declare.

Writes are ``trip_*`` services; each one that adds passengers locks the trip row first, so
two uploads of the same file at once still store each passenger once.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from checkpoints.models import TRIP_CODE_PREFIX, BusTrip, Checkpoint, Direction, Passage, TripPassenger, Verdict
from checkpoints.services import ScanItem, scans_ingest
from checkpoints.verdicts import judge, people_facts
from truyvet.accounts.jurisdiction import sees_everywhere
from truyvet.accounts.permissions import may_operate_trips
from truyvet.credentials.qr import qr_holder
from truyvet.geo.models import Ward
from truyvet.geo.selectors import known_ward_codes
from truyvet.lib.audit import audit_log_many
from truyvet.lib.errors import DomainError
from truyvet.lib.text import refuse_invisible
from truyvet.people.models import Person
from truyvet.people.normalize import mask_name, normalize_name, normalize_phone, search_key
from truyvet.people.validation import validate_citizen_id

MAX_UPLOAD_ROWS = 500
MAX_UPLOAD_LINES = 2000  # blank lines included; rows further down are not read
HEADING_SEARCH_ROWS = 10
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
TRIP_LIST_SIZE = 200

# --- Who may run trips (``permissions.may_operate_trips``) ------------------------------------


def trips_for(user: Any) -> QuerySet[BusTrip]:
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


def trip_get_for(user: Any, code: str) -> BusTrip:
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


def trip_list_for(user: Any) -> list[BusTrip]:
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


def trip_passenger_statuses(*, trip: BusTrip, user: Any, request: HttpRequest | None = None) -> list[PassengerStatus]:
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


def trip_create(*, operator: Any, data: TripInput) -> BusTrip:
    if not may_operate_trips(operator):
        raise DomainError(_("Only bus operators register trips."), "not_an_operator", status=403)
    wards = known_ward_codes()
    for name, code in (("origin_ward", data.origin_ward_code), ("destination_ward", data.destination_ward_code)):
        if code is not None and code not in wards:
            raise DomainError(_("Unknown commune or ward."), "unknown_ward", field=name)
    route, plate = " ".join(data.route.split()), _plate(data.vehicle_plate)
    if not route:
        raise DomainError(_("This field is required."), "required", field="route")
    if not plate:
        raise DomainError(_("This field is required."), "required", field="vehicle_plate")
    if timezone.is_naive(data.departure_at):
        raise DomainError(_("Enter a valid date and time."), "invalid", field="departure_at")
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
        raise DomainError(_("A citizen id or passport number is required."), "id_required", field="id_number")
    if cleaned.isdigit() and len(cleaned) != 9:
        return validate_citizen_id(cleaned, date_of_birth=None, gender="")
    if not (cleaned.isascii() and cleaned.isalnum() and 5 <= len(cleaned) <= 20):
        raise DomainError(
            _("Not a citizen id (12 digits) or a passport number (5 to 20 letters and digits)."),
            "id_format",
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
                    "ward_ambiguous",
                    field="destination_ward",
                )
        raise DomainError(_("Unknown commune or ward."), "unknown_ward", field="destination_ward")


def _clean(data: PassengerInput, wards: _Wards) -> _Clean:
    """The passenger's details checked and normalised, or a DomainError naming the field."""
    name = normalize_name(refuse_invisible(data.full_name, "full_name"))
    if not name:
        raise DomainError(_("A full name is required."), "name_required", field="full_name")
    if len(name) > 200:
        raise DomainError(_("The name is too long."), "name_too_long", field="full_name")
    id_number = _id_number(data.id_number)
    phone = ""
    if data.phone.strip():
        phone = normalize_phone(data.phone) or ""
        if not phone:
            raise DomainError(_("Enter a Vietnamese mobile number, e.g. 0912 345 678."), "invalid_phone", field="phone")
    seat = " ".join(data.seat.split()).upper()
    if len(seat) > 10:
        raise DomainError(_("A seat has at most 10 characters."), "seat_too_long", field="seat")
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


def _people_for(passengers: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Person ids by id number, for the (id number, full name) pairs whose id number belongs
    to exactly one known person of the same name (a typo in an id must not hand a passenger
    somebody else's health status)."""
    wanted = {id_number: search_key(name) for id_number, name in passengers if id_number}
    if not wanted:
        return {}
    citizen = [n for n in wanted if n.isdigit() and len(n) == 12]
    other = [n for n in wanted if n not in citizen]
    found: dict[str, list[tuple[int, str]]] = {}
    condition = Q(id_number__in=citizen) | Q(passport_number__in=other)
    for pk, id_number, passport, name_key in Person.objects.filter(condition).values_list(
        "pk", "id_number", "passport_number", "name_key"
    ):
        key = id_number if id_number in wanted else passport
        if key in wanted:
            found.setdefault(key, []).append((pk, name_key))
    return {key: matches[0][0] for key, matches in found.items() if len(matches) == 1 and matches[0][1] == wanted[key]}


def _add(
    trip: BusTrip, user: Any, rows: Sequence[tuple[int, PassengerInput]], request: HttpRequest | None
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
        people = _people_for((c.id_number, c.full_name) for _line, c in checked)
        first_line: dict[str, int] = {}
        new: list[TripPassenger] = []
        for line, clean in checked:
            if clean.id_number in first_line:
                reason = _("The same id number is on line %(line)s.") % {"line": first_line[clean.id_number]}
                report.errors.append(RowProblem(line, str(reason), "duplicate_in_file", "id_number"))
                continue
            first_line[clean.id_number] = line
            person_id = people.get(clean.id_number)
            if clean.id_number in ids_on_board or (person_id is not None and person_id in people_on_board):
                report.already.append(RowProblem(line, str(_("Already on this trip.")), "already_on_trip", "id_number"))
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


def _audit_added(trip: BusTrip, user: Any, person_ids: list[int], request: HttpRequest | None) -> None:
    if person_ids:
        audit_log_many(
            actor=user,
            action="checkpoints.trip.passenger_add",
            object_type="checkpoints.bustrip",
            rows=[(str(trip.pk), pk) for pk in person_ids],
            request=request,
        )


def trip_passenger_add(
    *, trip: BusTrip, user: Any, data: PassengerInput, request: HttpRequest | None = None
) -> TripPassenger:
    """Add one typed-in passenger, linked to the known person with this id number and name."""
    report, added = _add(trip, user, [(1, data)], request)
    if report.errors or report.already:
        problem = (report.errors or report.already)[0]
        raise DomainError(problem.reason, problem.code, field=problem.field or None)
    return added[0]


def trip_passenger_add_by_qr(
    *, trip: BusTrip, user: Any, qr_token: str, seat: str = "", request: HttpRequest | None = None
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


def trip_passenger_remove(*, trip: BusTrip, user: Any, passenger_id: int | str) -> None:
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
    people = _people_for((p.id_number, p.full_name) for p in loose)
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


# --- Spreadsheets -----------------------------------------------------------------------------

COLUMNS: tuple[tuple[str, Promise], ...] = (
    ("full_name", _("Full name")),
    ("id_number", _("Citizen id or passport number")),
    ("phone", _("Mobile number")),
    ("seat", _("Seat")),
    ("destination_ward", _("Destination commune or ward")),
)
_NOT_A_WORD = re.compile(r"[^a-z0-9/ ]")
# Headings people write in their own lists, compared without accents or case.
_ALIASES = {
    "full_name": {"ho va ten", "ho ten", "ten", "name", "full name", "hanh khach"},
    "id_number": {"cccd", "so cccd", "cmnd", "so cmnd", "cccd/cmnd", "cmnd/cccd", "ho chieu", "so ho chieu",
                  "cccd/ho chieu", "so giay to", "giay to", "id", "id number", "passport", "passport number"},
    "phone": {"sdt", "so dien thoai", "dien thoai", "phone", "mobile", "phone number"},
    "seat": {"ghe", "so ghe", "cho ngoi", "seat", "seat number"},
    "destination_ward": {"noi den", "diem den", "xa den", "xa phuong den", "xa/phuong den", "destination",
                         "destination ward", "ward", "ward code", "ma xa"},
}  # fmt: skip


def template_header() -> list[str]:
    return [str(label) for _key, label in COLUMNS]


def _heading(text: str) -> str:
    """'Họ và tên (*)' -> 'ho va ten': a heading without accents, case or punctuation."""
    return " ".join(_NOT_A_WORD.sub(" ", search_key(text)).split())


def _heading_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for column, label in COLUMNS:
        names = {column, column.replace("_", " "), *_ALIASES.get(column, ())}
        for code, _name in settings.LANGUAGES:
            with override(code):
                names.add(str(label))
        for name in names:
            keys[_heading(name)] = column
    return keys


@dataclass(frozen=True)
class SourceRow:
    line: int
    data: PassengerInput


def _cell(value: Any, column: str) -> str:
    """A spreadsheet cell as the text the operator meant: a spreadsheet turns 001090001234
    and 0912345678 into numbers and drops their leading zeros, so they are put back."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        if column == "id_number" and 10 <= len(text) < 12:
            return text.zfill(12)
        if column == "phone" and len(text) == 9:
            return "0" + text
        return text
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _columns(texts: list[str], keys: dict[str, str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, text in enumerate(texts):
        column = keys.get(_heading(text)) or keys.get(_heading(text.split("/")[0]))
        if column and column not in columns:
            columns[column] = index
    return columns


def _rows(table: Iterable[tuple[int, Sequence[Any]]]) -> list[SourceRow]:
    """The rows under the heading row (the first row that names at least the name and id
    columns, so a title above it is fine), read lazily: a huge file stops early."""
    keys = _heading_keys()
    columns: dict[str, int] | None = None
    found: list[SourceRow] = []
    seen = 0
    for line, cells in table:
        if line > MAX_UPLOAD_LINES:
            break
        texts = [_cell(value, "") for value in cells]
        if not any(texts):
            continue
        seen += 1
        if columns is None:
            heading = _columns(texts, keys)
            if "full_name" in heading and "id_number" in heading:
                columns = heading
            elif seen >= HEADING_SEARCH_ROWS:
                break
            continue
        if len(found) >= MAX_UPLOAD_ROWS:
            raise DomainError(
                _("A file may list at most %(count)s passengers.") % {"count": MAX_UPLOAD_ROWS},
                "too_many_rows",
                field="file",
            )
        values = {
            column: _cell(cells[index], column) if index < len(cells) else "" for column, index in columns.items()
        }
        found.append(SourceRow(line, PassengerInput(**{key: values.get(key, "") for key, _label in COLUMNS})))
    if not seen:
        raise DomainError(_("The file is empty."), "file_empty", field="file")
    if columns is None:
        raise DomainError(
            _("No row holds the template's column headings (at least name and id number)."),
            "headings_missing",
            field="file",
        )
    return found


_UNREADABLE_CSV = _("The file could not be read: save it as CSV UTF-8.")


def _csv_table(content: bytes) -> Iterator[tuple[int, Sequence[Any]]]:
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError(_UNREADABLE_CSV, "file_unreadable", field="file")
    text = unicodedata.normalize("NFC", text)  # Windows-1258 writes tone marks apart from their letter
    start = text[:4096]
    delimiter = max(",;\t", key=start.count)  # Excel in Vietnamese saves with ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error:
        raise DomainError(_UNREADABLE_CSV, "file_unreadable", field="file") from None


_XLSX_ERRORS = (
    zipfile.BadZipFile,
    InvalidFileException,
    ParseError,
    KeyError,
    IndexError,
    OSError,
    ValueError,
    TypeError,
)


def _xlsx_table(content: bytes) -> Iterator[tuple[int, Sequence[Any]]]:
    """The first sheet's rows, read as they are needed (a read-only workbook streams its XML)."""
    unreadable = DomainError(
        _("The file could not be read as an Excel workbook (.xlsx)."), "file_unreadable", field="file"
    )
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except _XLSX_ERRORS:
        raise unreadable from None
    try:
        yield from enumerate(book.worksheets[0].iter_rows(values_only=True), start=1)
    except _XLSX_ERRORS:
        raise unreadable from None
    finally:
        book.close()


def passenger_file_read(*, name: str, content: bytes) -> list[SourceRow]:
    """The passenger rows of an uploaded CSV or XLSX file, with their line numbers."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError(_("The file is too large (2 MB at most)."), "file_too_large", field="file")
    lower = name.lower()
    if lower.endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        return _rows(_xlsx_table(content))
    if lower.endswith((".csv", ".txt")):
        return _rows(_csv_table(content))
    raise DomainError(_("Upload a .csv or .xlsx file."), "file_type", field="file")


def trip_passengers_import(
    *, trip: BusTrip, user: Any, rows: Sequence[SourceRow], request: HttpRequest | None = None
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


_REJECTIONS: dict[str, Promise] = {
    "trip_unknown": _("No bus trip has this code."),
    "trip_empty": _("This trip has no passengers."),
    "passenger_unknown": _("A ticked passenger is no longer on this trip: open the trip again."),
    "client_id_reused": _("This form was already sent with other passengers ticked: open the trip again."),
    "direction_invalid": _("Choose a direction."),
}


def trip_passages_record(
    *,
    checkpoint: Checkpoint,
    user: Any,
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
        raise DomainError(_("Tick at least one passenger."), "no_passenger", field="passengers")
    if direction not in Direction.values:
        raise DomainError(_REJECTIONS["direction_invalid"], "direction_invalid", field="direction")
    code = trip_code_clean(trip_code)
    trip = trip_by_code(code)
    if trip is None:
        raise DomainError(_REJECTIONS["trip_unknown"], "trip_unknown", field="trip_code", status=404)
    trip_passengers_link(trip=trip)
    # A form sent again carries the first sending's time, so the scan is the same scan.
    earlier = Passage.objects.filter(client_id=client_id).order_by("seq").values_list("scanned_at", flat=True).first()
    item = ScanItem(
        client_id=client_id,
        direction=direction,
        scanned_at=earlier or timezone.now(),
        trip_code=code,
        passenger_ids=tuple(sorted(set(passenger_ids))),
    )
    [result] = scans_ingest(checkpoint=checkpoint, user=user, items=[item], request=request)
    if result.status == "rejected":
        detail = _REJECTIONS.get(result.reason, _("The passages could not be recorded."))
        raise DomainError(detail, result.reason, field="passengers", status=result.http_status)
    return TripRecording(
        created=result.status == "created",
        passages=_recorded(trip, item.passenger_ids or (), result.passage_ids),
        verdict=result.verdict,
    )


def _recorded(trip: BusTrip, passenger_ids: Sequence[int], passage_ids: list[int]) -> list[RecordedPassage]:
    """The passages as staff should read them: passage ``seq`` follows the trip's passenger order."""
    passages = list(Passage.objects.filter(pk__in=passage_ids).order_by("seq").values_list("verdict", flat=True))
    passengers = list(trip.passengers.filter(pk__in=passenger_ids).order_by("pk").values_list("full_name", "seat"))
    if len(passengers) != len(passages):
        passengers = [("", "")] * len(passages)
    return [
        RecordedPassage(name=mask_name(name), seat=seat, verdict=verdict)
        for (name, seat), verdict in zip(passengers, passages, strict=True)
    ]
