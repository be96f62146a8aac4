from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from declarations.identity import Declarant
from declarations.models import Kind
from declarations.services import Answers, PersonInput, Submitted, declaration_submit
from truyvet.accounts.jurisdiction import covers_ward
from truyvet.accounts.models import Role, User
from truyvet.credentials.qr import holder_sql, qr_claims, qr_holder
from truyvet.geo.models import Ward
from truyvet.lib.audit import audit_log
from truyvet.lib.bounds import MAX_INT
from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError
from truyvet.lib.retention import delete_in_batches, purge_before
from truyvet.lib.text import refuse_invisible
from truyvet.people.models import Person
from truyvet.people.normalize import normalize_phone
from venues.errors import VenueError
from venues.models import Category, CheckIn, CheckInReceipt, Venue
from venues.rotating import fresh_code_is_valid
from venues.selectors import longest_stay, open_stays_for

# Viet Nam's mainland and islands lie inside this box (Trường Sa reaches 111.9° E).
LAT_RANGE = (Decimal("8.0"), Decimal("23.5"))
LNG_RANGE = (Decimal("102.0"), Decimal("117.5"))


@dataclass(frozen=True)
class VenueInput:
    name: str
    category: str
    address: str
    ward_code: int
    latitude: Decimal | float | str | None = None
    longitude: Decimal | float | str | None = None
    require_fresh_code: bool = False


def _coordinate(value: Decimal | float | str | None, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except InvalidOperation:
        raise DomainError(_("Not a number."), VenueError.INVALID_LOCATION, field=field) from None
    return number


def _validated(data: VenueInput) -> dict[str, object]:
    refuse_invisible(data.name, "name")
    refuse_invisible(data.address, "address")
    if not data.name.strip():
        raise DomainError(_("A name is required."), CoreError.NAME_REQUIRED, field="name")
    if data.category not in Category.values:
        raise DomainError(_("Unknown venue category."), VenueError.UNKNOWN_CATEGORY, field="category")
    if not data.address.strip():
        raise DomainError(_("An address is required."), VenueError.ADDRESS_REQUIRED, field="address")
    if not Ward.objects.filter(code=data.ward_code).exists():
        raise DomainError(_("Unknown ward code."), CoreError.UNKNOWN_WARD, field="ward_code")
    latitude = _coordinate(data.latitude, "latitude")
    longitude = _coordinate(data.longitude, "longitude")
    if (latitude is None) != (longitude is None):
        raise DomainError(
            _("Give both latitude and longitude, or neither."), VenueError.INVALID_LOCATION, field="latitude"
        )
    if (
        latitude is not None
        and longitude is not None
        and not (LAT_RANGE[0] <= latitude <= LAT_RANGE[1] and LNG_RANGE[0] <= longitude <= LNG_RANGE[1])
    ):
        raise DomainError(
            _("This location is outside Viet Nam."), VenueError.LOCATION_OUTSIDE_VIETNAM, field="latitude"
        )
    return {
        "name": data.name.strip(),
        "category": data.category,
        "address": data.address.strip(),
        "ward_id": data.ward_code,
        "latitude": latitude,
        "longitude": longitude,
        "require_fresh_code": data.require_fresh_code,
    }


@transaction.atomic
def venue_create(*, owner: User, data: VenueInput, created_by: User | None = None) -> Venue:
    fields = _validated(data)
    if owner.role == Role.CITIZEN:
        # A citizen who registers a venue becomes its owner (sign-up by phone and code).
        owner.role = Role.VENUE_OWNER
        owner.save(update_fields=["role"])
    venue = Venue.objects.create(owner=owner, created_by=created_by or owner, **fields)
    audit_log(actor=created_by or owner, action="venue.create", obj=venue)
    return venue


@transaction.atomic
def venue_update(*, user: User, venue: Venue, data: VenueInput) -> Venue:
    fields = _validated(data)
    for key, value in fields.items():
        setattr(venue, key, value)
    venue.save(update_fields=[*(k.removesuffix("_id") for k in fields)])
    audit_log(actor=user, action="venue.update", obj=venue)
    return venue


@transaction.atomic
def venue_set_active(*, user: User, venue: Venue, active: bool) -> Venue:
    venue.is_active = active
    venue.save(update_fields=["is_active"])
    audit_log(actor=user, action="venue.activate" if active else "venue.deactivate", obj=venue)
    return venue


def venue_owner_create(*, by: User, phone: str, full_name: str) -> User:
    """Commune staff register a venue owner who has no smartphone sign-up of their own."""
    e164 = normalize_phone(phone)
    if e164 is None:
        raise DomainError(
            _("Enter a Vietnamese mobile number, e.g. 0912 345 678."), CoreError.INVALID_PHONE, field="phone"
        )
    user = User.objects.filter(phone=e164).first()
    if user is None:
        last, _sep, first = full_name.strip().rpartition(" ")
        user = User(username=f"owner{e164}", phone=e164, role=Role.VENUE_OWNER, first_name=first, last_name=last)
        user.set_unusable_password()
        user.save()
    elif user.role == Role.CITIZEN:
        user.role = Role.VENUE_OWNER
        user.save(update_fields=["role"])
    elif user.role != Role.VENUE_OWNER:
        raise DomainError(_("This phone belongs to a staff account."), VenueError.PHONE_TAKEN, field="phone")
    audit_log(actor=by, action="venue_owner.create", obj=user)
    return user


@transaction.atomic
def venue_with_owner_create(*, by: User, owner_phone: str, owner_name: str, data: VenueInput) -> Venue:
    """Commune staff register a venue owner who has no smartphone, with their first venue,
    which lies in one of the staff member's wards."""
    if not covers_ward(by, data.ward_code):
        raise DomainError(_("This ward is outside your area."), VenueError.WARD_OUTSIDE_AREA, field="ward_code")
    owner = venue_owner_create(by=by, phone=owner_phone, full_name=owner_name)
    return venue_create(owner=owner, data=data, created_by=by)


def _stay(venue: Venue) -> timedelta:
    return timedelta(minutes=settings.VENUE_STAY_MINUTES.get(venue.category, 120))


def _checked_time(value: datetime | None, *, now: datetime, field: str) -> datetime:
    if value is None:
        return now
    if timezone.is_naive(value):
        raise DomainError(_("Give the time with its UTC offset."), CoreError.TIME_WITHOUT_OFFSET, field=field)
    if value > now + settings.CHECKIN_CLOCK_SKEW:
        raise DomainError(_("This time is in the future."), VenueError.TIME_IN_FUTURE, field=field)
    if value < now - settings.CHECKIN_MAX_DELAY:
        raise DomainError(_("Check-ins can be sent at most 24 hours late."), VenueError.TIME_TOO_OLD, field=field)
    return value


_CHECKIN_COLUMNS = ("id", "code", "category", "is_active", "require_fresh_code", "display_secret")


def venue_for_checkin(
    code: str, *, fresh_code: str | None = None, at: datetime | None = None, on_site: bool = False, lean: bool = False
) -> Venue:
    """The active venue for a code. ``on_site``: staff at the venue check a visitor in, so
    the rotating-code rule (which stops remote check-ins from photos) does not apply.
    ``lean``: load only what a check-in needs (the API's hot path), not what a page shows."""
    qs = Venue.objects.only(*_CHECKIN_COLUMNS) if lean else Venue.objects.select_related("ward")
    venue = next(iter(qs.filter(code=(code or "").strip().upper())[:1]), None)
    if venue is None:
        raise DomainError(_("There is no venue with this code."), VenueError.UNKNOWN_VENUE, field="venue_code")
    if not venue.is_active:
        raise DomainError(_("This venue no longer takes check-ins."), VenueError.VENUE_INACTIVE, field="venue_code")
    if (
        venue.require_fresh_code
        and not on_site
        and not fresh_code_is_valid(venue, fresh_code or "", at or timezone.now())
    ):
        raise DomainError(
            _("This code has expired: scan the code on the venue's screen again."),
            VenueError.VENUE_CODE_EXPIRED,
            field="venue_code",
        )
    return venue


def _open_stay_sql(person: str, venue: str) -> str:
    """``NOT EXISTS`` of a stay of this person at this venue that is not checked out and not
    over at the new check-in's time (``selectors.open_stays_for``, as SQL): the same visit
    again adds no check-in. Its parameters are the new check-in's time and the earliest
    start of a stay that could still run then (which keeps the look-up an index range)."""
    table = CheckIn._meta.db_table
    return (
        f" NOT EXISTS (SELECT 1 FROM {table} o WHERE o.person_id = {person} AND o.venue_id = {venue}"  # noqa: S608
        " AND o.checked_out_at IS NULL AND o.ends_at > %s AND o.checked_in_at > %s)"
    )


def _open_stay_params(at: datetime) -> list[object]:
    ts = connection.ops.adapt_datetimefield_value
    return [ts(at), ts(at - longest_stay())]


class _Replayed(Exception):
    """A concurrent request wrote this client_id's receipt first: undo the stay."""


def _receipt_insert(cursor: Any, client_id: uuid.UUID, checkin_id: int, at: datetime) -> bool:
    ts = connection.ops.adapt_datetimefield_value
    cursor.execute(
        f"INSERT INTO {CheckInReceipt._meta.db_table} (client_id, checkin_id, checked_in_at)"  # noqa: S608
        " VALUES (%s, %s, %s) ON CONFLICT (client_id) DO NOTHING",
        [_uuid(client_id), checkin_id, ts(at)],
    )
    return bool(cursor.rowcount == 1)


def _uuid(client_id: uuid.UUID) -> Any:
    return CheckInReceipt._meta.get_field("client_id").get_db_prep_value(client_id, connection)


def _insert_unless_present(
    venue: Venue, person: Person, client_id: uuid.UUID, at: datetime, assisted_by: User | None
) -> int | None:
    """The new stay's id, or None when the person is already there (an open stay) or the
    client_id was used (a replay). The stay is one INSERT ... SELECT ... WHERE NOT EXISTS
    (the visitor's open stay, the client_id's receipt), its receipt a second statement in
    the same savepoint: when a concurrent request wrote the receipt in between, the stay
    is undone and this is a replay."""
    table, receipts = CheckIn._meta.db_table, CheckInReceipt._meta.db_table
    ts = connection.ops.adapt_datetimefield_value
    sql = (
        f"INSERT INTO {table} (venue_id, person_id, client_id, checked_in_at, checked_out_at, ends_at,"  # noqa: S608
        " assisted_by_id, created_at) SELECT %s, %s, %s, %s, NULL, %s, %s, %s WHERE"
        f"{_open_stay_sql('%s', '%s')}"
        f" AND NOT EXISTS (SELECT 1 FROM {receipts} r WHERE r.client_id = %s)"
    )
    returning = connection.features.can_return_columns_from_insert  # not on SQLite before 3.35
    params = [
        venue.pk,
        person.pk,
        _uuid(client_id),
        ts(at),
        ts(at + _stay(venue)),
        assisted_by.pk if assisted_by is not None else None,
        ts(timezone.now()),
        person.pk,
        venue.pk,
        *_open_stay_params(at),
        _uuid(client_id),
    ]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"{sql} RETURNING id" if returning else sql, params)
            if returning:
                row = cursor.fetchone()
                new_id = None if row is None else row[0]
            else:
                new_id = cursor.lastrowid if cursor.rowcount else None
            if new_id is None:
                return None
            if not _receipt_insert(cursor, client_id, new_id, at):
                raise _Replayed
            return int(new_id)
    except _Replayed:
        return None


def checkin_for_client_id(client_id: uuid.UUID, *, with_venue: bool = False) -> CheckIn | None:
    """The stay a client_id made, through its receipt: one query, one partition read."""
    receipt = CheckInReceipt.objects.filter(client_id=client_id)
    qs = CheckIn.objects.select_related("venue") if with_venue else CheckIn.objects.all()
    return qs.filter(
        pk=Subquery(receipt.values("checkin_id")[:1]),
        checked_in_at=Subquery(receipt.values("checked_in_at")[:1]),
    ).first()


def checkin_record(
    *,
    venue: Venue,
    person: Person,
    client_id: uuid.UUID,
    checked_in_at: datetime | None = None,
    assisted_by: User | None = None,
) -> tuple[CheckIn, bool]:
    """Record a stay; the same ``client_id`` again returns the first record (created False).
    A ``client_id`` already used for another person or venue is a conflict (409). A person
    already at the venue (a stay not checked out and not over) is the same visit: that stay
    is returned (created False), not a second one.

    A new stay is one statement: a replay or a visitor already there is found by the insert
    itself, not looked up first.
    """
    at = _checked_time(checked_in_at, now=timezone.now(), field="checked_in_at")
    with transaction.atomic():
        new_id = _insert_unless_present(venue, person, client_id, at, assisted_by)
        if new_id is not None:
            checkin = CheckIn(
                id=new_id, venue=venue, person=person, client_id=client_id, checked_in_at=at,
                ends_at=at + _stay(venue), assisted_by=assisted_by,
            )  # fmt: skip
            if assisted_by is not None:
                audit_log(actor=assisted_by, action="checkin.assisted", obj=checkin, person_id=person.pk)
            return checkin, True
    existing = checkin_for_client_id(client_id)
    if existing is not None:
        return _same_or_conflict(existing, venue, person), False
    present = next(iter(open_stays_for(venue, [person], at=at)), None)
    if present is None:
        # Checked out between the insert and this read, or the client_id's stay is gone
        # (with its person, or past the retention) while its receipt is not yet: a new
        # stay after all.
        _receipt_forget_if_orphaned(client_id)
        return checkin_record(
            venue=venue, person=person, client_id=client_id, checked_in_at=at, assisted_by=assisted_by
        )
    present.venue, present.person = venue, person
    return present, False


def _receipt_forget_if_orphaned(client_id: uuid.UUID) -> None:
    table, receipts = CheckIn._meta.db_table, CheckInReceipt._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {receipts} WHERE client_id = %s AND NOT EXISTS"  # noqa: S608
            f" (SELECT 1 FROM {table} c WHERE c.id = {receipts}.checkin_id"
            f" AND c.checked_in_at = {receipts}.checked_in_at)",
            [_uuid(client_id)],
        )


@dataclass(frozen=True)
class HouseholdCheckIn:
    checked_in: list[CheckIn]
    already_here: list[CheckIn]


def checkins_record_for_household(*, venue: Venue, people: list[Person], base_client_id: uuid.UUID) -> HouseholdCheckIn:
    """One tap for a family: everyone checks in together, in one INSERT (and one of their
    receipts). Each person's client id derives from the form's, so a double tap writes
    nobody twice; a member already at the venue keeps their stay."""
    if not people:
        return HouseholdCheckIn([], [])
    try:
        return _household_once(venue, people, base_client_id)
    except IntegrityError:
        # The same tap's twin wrote some receipts first: now they are found as replays.
        return _household_once(venue, people, base_client_id)


def _household_once(venue: Venue, people: list[Person], base_client_id: uuid.UUID) -> HouseholdCheckIn:
    now = timezone.now()
    stay = _stay(venue)
    here: dict[int, CheckIn] = {}
    for present in open_stays_for(venue, people, at=now):
        here.setdefault(present.person_id, present)
    client_ids = {p.pk: uuid.uuid5(base_client_id, p.ref) for p in people if p.pk not in here}
    with transaction.atomic():
        receipts = list(CheckInReceipt.objects.filter(client_id__in=client_ids.values()))
        sent = {r.client_id for r in receipts}
        rows = [
            CheckIn(venue=venue, person=p, client_id=client_ids[p.pk], checked_in_at=now, ends_at=now + stay)
            for p in people
            if p.pk in client_ids and client_ids[p.pk] not in sent
        ]
        if rows:
            CheckIn.objects.bulk_create(rows)
            CheckInReceipt.objects.bulk_create(
                [CheckInReceipt(client_id=r.client_id, checkin_id=r.pk, checked_in_at=r.checked_in_at) for r in rows]
            )
    times = {r.checked_in_at for r in receipts}
    earlier = (
        list(CheckIn.objects.filter(venue=venue, pk__in=[r.checkin_id for r in receipts], checked_in_at__in=times))
        if receipts
        else []
    )
    by_person = {p.pk: p for p in people}
    checked_in = [*rows, *earlier]
    for checkin in [*checked_in, *here.values()]:
        checkin.person = by_person[checkin.person_id]
    return HouseholdCheckIn(checked_in, list(here.values()))


def _same_or_conflict(existing: CheckIn, venue: Venue, person: Person) -> CheckIn:
    if existing.venue_id != venue.pk or existing.person_id != person.pk:
        raise DomainError(
            _("This client_id was already used for another check-in."), VenueError.CLIENT_ID_CONFLICT, status=409
        )
    return existing


def checkin_with_token(
    *,
    venue_code: str,
    qr_token: str,
    client_id: uuid.UUID,
    checked_in_at: datetime | None = None,
    fresh_code: str | None = None,
    assisted_by: User | None = None,
) -> tuple[CheckIn, bool]:
    if assisted_by is None and not fresh_code:
        checkin = _checkin_in_one_statement(venue_code, qr_token, client_id, checked_in_at)
        if checkin is not None:
            return checkin, True
    person = qr_holder(qr_token)
    try:
        venue = venue_for_checkin(venue_code, fresh_code=fresh_code, on_site=assisted_by is not None, lean=True)
    except DomainError:
        # A replay of a check-in made before the venue closed or its code rotated: answer
        # with the first record, as for any replay.
        existing = checkin_for_client_id(client_id, with_venue=True)
        if existing is None or existing.venue.code != (venue_code or "").strip().upper():
            raise
        return _same_or_conflict(existing, existing.venue, person), False
    return checkin_record(
        venue=venue, person=person, client_id=client_id, checked_in_at=checked_in_at, assisted_by=assisted_by
    )


@dataclass(frozen=True)
class FirstVisitInput:
    """A visitor new to this phone: who they are and their answers (a short daily
    declaration), and the key that makes a retry of the same form one visit."""

    person: PersonInput
    answers: Answers
    client_id: uuid.UUID


@dataclass(frozen=True)
class FirstVisit:
    submitted: Submitted
    checkin: CheckIn
    created: bool


def checkin_with_declaration(*, venue: Venue, visit: FirstVisitInput, declarant: Declarant) -> FirstVisit:
    """A first visit: declare and check in at once, in one transaction. The declaration is
    any daily declaration (``declaration_submit``, under the identity rules: a known person
    whom the declarant did not prove to be keeps their record); the stay is the declared
    person's. The same ``client_id`` again returns the same declaration and the same stay,
    and writes neither twice (the check-in's own client id derives from it)."""
    with transaction.atomic():
        submitted = declaration_submit(
            kind=Kind.DAILY,
            person=visit.person,
            answers=visit.answers,
            declarant=declarant,
            client_id=visit.client_id,
        )
        checkin, created = checkin_record(
            venue=venue, person=submitted.declaration.person, client_id=uuid.uuid5(visit.client_id, "checkin")
        )
    return FirstVisit(submitted, checkin, created)


def _checkin_insert_sql() -> str:
    table, venues, receipts = CheckIn._meta.db_table, Venue._meta.db_table, CheckInReceipt._meta.db_table
    stays = " ".join("WHEN %s THEN %s" for _category in settings.VENUE_STAY_MINUTES)
    # Table names from the models; values are parameters. The stay's id is drawn first so
    # that its receipt and the stay are written by the same statement; a receipt already
    # there (a replay) writes neither.
    return (
        f"WITH s AS (SELECT v.id AS venue_id, h.person_id, CASE v.category {stays} ELSE %s END AS ends_at"  # noqa: S608
        f" FROM {venues} v, ({holder_sql()}) h"
        " WHERE v.code = %s AND v.is_active AND NOT v.require_fresh_code AND"
        f"{_open_stay_sql('h.person_id', 'v.id')}),"
        f" r AS (INSERT INTO {receipts} (client_id, checkin_id, checked_in_at)"
        f" SELECT %s, nextval(pg_get_serial_sequence('{table}', 'id')), %s FROM s"
        " ON CONFLICT (client_id) DO NOTHING RETURNING checkin_id)"
        f" INSERT INTO {table} (id, venue_id, person_id, client_id, checked_in_at, checked_out_at, ends_at, created_at)"
        " SELECT r.checkin_id, s.venue_id, s.person_id, %s, %s, NULL, s.ends_at, %s FROM r, s"
        " RETURNING id, venue_id, person_id, ends_at"
    )


def _checkin_in_one_statement(
    venue_code: str, qr_token: str, client_id: uuid.UUID, checked_in_at: datetime | None
) -> CheckIn | None:
    """The public check-in's hot path: the token verified here, then one INSERT ... SELECT
    that finds the holder's credential and the venue and writes the stay unless the holder
    is already there (one round trip, committed on its own in autocommit). None when
    anything is not plainly right (a bad token or time, an unknown, closed or display-mode
    venue, a replay, a visitor already there): the caller then takes the step-by-step path,
    which gives the exact answer or error, or the stay already open."""
    if connection.vendor != "postgresql":  # a data-modifying WITH: the step-by-step path elsewhere
        return None
    claims = qr_claims(qr_token)
    if claims is None:
        return None
    now = timezone.now()
    try:
        at = _checked_time(checked_in_at, now=now, field="checked_in_at")
    except DomainError:
        return None
    code = (venue_code or "").strip().upper()
    ts = connection.ops.adapt_datetimefield_value
    # The stay's end for each category, as parameters; the row says which one it took.
    ends = {category: at + timedelta(minutes=minutes) for category, minutes in settings.VENUE_STAY_MINUTES.items()}
    default_end = at + timedelta(minutes=120)
    params = [
        *[value for category, end in ends.items() for value in (category, ts(end))],
        ts(default_end),
        claims[0],
        ts(claims[1]),
        code,
        *_open_stay_params(at),
        _uuid(client_id),
        ts(at),
        _uuid(client_id),
        ts(at),
        ts(now),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_checkin_insert_sql(), params)
        row = cursor.fetchone()
    if row is None:
        return None
    checkin_id, venue_id, person_id, stored_end = row
    convert = getattr(connection.ops, "convert_datetimefield_value", None)  # SQLite: text or naive UTC
    if convert is not None:
        stored_end = convert(stored_end, None, connection)
    # The same instant as the row's, in the request's own offset (as the ORM path answers).
    ends_at = next((end for end in [*ends.values(), default_end] if end == stored_end), stored_end)
    # As rows read from the database (which they are): no field defaults computed (a new
    # venue's would draw a display secret), the venue's other columns left unloaded.
    row = {
        "id": checkin_id,
        "venue_id": venue_id,
        "person_id": person_id,
        "client_id": client_id,
        "checked_in_at": at,
        "checked_out_at": None,
        "ends_at": ends_at,
        "assisted_by_id": None,
        "created_at": now,
    }
    checkin = CheckIn.from_db(connection.alias, _CHECKIN_FIELDS, [row[name] for name in _CHECKIN_FIELDS])
    checkin.venue = Venue.from_db(connection.alias, ["id", "code"], [venue_id, code])
    return checkin


_CHECKIN_FIELDS = [f.attname for f in CheckIn._meta.concrete_fields]


def checkout(*, checkin: CheckIn, person: Person, checked_out_at: datetime | None = None) -> CheckIn:
    """Close a stay. Only its own visitor may; checking out twice keeps the first time."""
    if checkin.person_id != person.pk:
        raise DomainError(_("This check-in belongs to someone else."), VenueError.NOT_YOUR_CHECKIN, status=403)
    if checkin.checked_out_at is not None:
        return checkin
    at = _checked_time(checked_out_at, now=timezone.now(), field="checked_out_at")
    if checked_out_at is None:
        # "Now" may fall before a check-in stamped a little ahead by a fast phone clock.
        at = max(at, checkin.checked_in_at)
    if at < checkin.checked_in_at:
        raise DomainError(
            _("Check-out cannot come before check-in."), VenueError.CHECKOUT_BEFORE_CHECKIN, field="checked_out_at"
        )
    # Conditional update: of two simultaneous check-outs, the first one's time is kept.
    # With its partition key: on PostgreSQL one partition is read, not every day's.
    CheckIn.objects.filter(pk=checkin.pk, checked_in_at=checkin.checked_in_at, checked_out_at__isnull=True).update(
        checked_out_at=at, ends_at=at
    )
    checkin.refresh_from_db()
    return checkin


def checkout_with_token(*, checkin_id: int, qr_token: str, checked_out_at: datetime | None = None) -> CheckIn:
    checkin = CheckIn.objects.filter(pk=checkin_id).first() if 0 < checkin_id <= MAX_INT else None
    if checkin is None:
        raise DomainError(_("There is no such check-in."), CoreError.NOT_FOUND, status=404)
    return checkout(checkin=checkin, person=qr_holder(qr_token), checked_out_at=checked_out_at)


def checkins_purge(*, older_than_days: int | None = None, batch: int = 10_000) -> int:
    """Remove check-ins older than the retention period: on PostgreSQL the days past it are
    dropped whole (partitions), the rest deleted in batches (short locks); then their
    receipts. Returns how many check-ins went."""
    days = older_than_days if older_than_days is not None else settings.CHECKIN_RETENTION_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    purged = purge_before(CheckIn.objects.filter(checked_in_at__lt=cutoff), cutoff=cutoff, batch_size=batch)
    # A receipt outlives its stay by nothing: a replay of a purged stay could not be answered.
    delete_in_batches(CheckInReceipt.objects.filter(checked_in_at__lt=cutoff), batch_size=batch)
    return purged
