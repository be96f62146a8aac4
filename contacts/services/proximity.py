"""The Bluetooth app's writes: phones, upload codes, uploaded logs (and the checks of what
a phone sends).

A phone registers with its holder's personal QR token and gets the id it broadcasts. When
its holder is traced (a case, or a person under follow-up), health staff give them a
single-use upload code; the phone sends its log with the code. The code is stored only as
an HMAC, shown once, expires after ``TRACING_UPLOAD_CODE_HOURS`` and works only for the
person it was issued to. An upload is all or nothing: every contact is checked before one
is written, and the code is spent in the same transaction as the rows it let in.

An encounter longer than ``TRACING_PROXIMITY_MAX_ENCOUNTER`` is not refused (the longest
ones are a household's, the contacts that matter most): it is stored as consecutive
pieces of at most that length (``encounter_pieces``), which matching joins again. So no
stored row is longer, and matching can look for a window's encounters by ``first_seen``,
the key the table is partitioned by on PostgreSQL (docs/ARCHITECTURE.md, "Partitioned
tables").
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from contacts.errors import ContactsError
from contacts.models import (
    Case,
    Classification,
    Exposure,
    ProximityContact,
    ProximityDevice,
    UploadCode,
)
from contacts.services import CLOCK_SKEW, queue_matching
from truyvet.accounts.models import User
from truyvet.credentials.qr import qr_holder
from truyvet.lib.audit import audit_log
from truyvet.lib.bounds import in_bounds, out_of_bounds_message
from truyvet.lib.errors import DomainError
from truyvet.people.models import Person

# No look-alikes when read aloud or copied by hand: no 0, O, Q, 1, I, L, U, V, and of
# 2/Z, 5/S, 6/G and 8/B only the digit. 24 symbols, 8 of them: about 37 bits.
CODE_ALPHABET = "23456789ACDEFHJKMNPRTWXY"
CODE_LENGTH = 8
MAX_CONTACTS = 20_000
# A log of MAX_CONTACTS with generous whitespace; larger bodies are refused unread.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_DISTANCE_M = Decimal(100)
# Field errors reported for one upload: enough to fix a phone's bug, not a 20,000-line answer.
MAX_REPORTED_ERRORS = 50
INSERT_BATCH = 2_000
# Rows one upload may store once its long encounters are cut into pieces: a phone that logs
# every contact as lasting weeks is broken, and its log is refused whole (``too_many``).
MAX_STORED = 5 * MAX_CONTACTS

_DEVICE_ID = re.compile(r"[0-9a-f]{32}")
_CODE_SEPARATORS = re.compile(r"[\s\-_.]")


# --- devices ----------------------------------------------------------------------------


def normalize_device_id(value: object) -> str | None:
    """The 32 lower-case hex digits a phone broadcasts, or None."""
    if not isinstance(value, str):
        return None
    value = value.strip().lower()
    return value if _DEVICE_ID.fullmatch(value) else None


def proximity_device_register(*, qr_token: str) -> ProximityDevice:
    """A new broadcast id for the holder of a valid personal QR token (DomainError
    ``token_<reason>`` otherwise). Every registration is a new id: a reinstalled app does
    not inherit the old one's log."""
    person = qr_holder(qr_token)
    return ProximityDevice.objects.create(person=person)


# --- upload codes -----------------------------------------------------------------------


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_upload_code(value: str) -> str:
    """Upper case, without the spaces and dashes people type between the groups."""
    return _CODE_SEPARATORS.sub("", value).upper()


def upload_code_hash(code: str) -> str:
    """HMAC-SHA256 under SECRET_KEY: a leaked table gives no code (and 8 characters are too
    few for an unkeyed hash, which could be reversed by trying them all)."""
    return salted_hmac("contacts.upload_code", normalize_upload_code(code), algorithm="sha256").hexdigest()


def format_upload_code(code: str) -> str:
    """Two groups of four, easier to read aloud and to type."""
    return f"{code[:4]} {code[4:]}"


@dataclass(frozen=True)
class IssuedCode:
    """The code in clear, which exists only in this object and on the page that shows it."""

    code: str
    record: UploadCode

    @property
    def display(self) -> str:
        return format_upload_code(self.code)


@transaction.atomic
def upload_code_issue(
    *, user: User | None, person: Person, case: Case | None = None, request: HttpRequest | None = None
) -> IssuedCode:
    """A new single-use code for ``person`` (the case's person, or a person under follow-up).

    The person's earlier unused codes stop working: staff issue a new one when the first is
    lost, and only the last one given out should be live. Only a confirmed case is given
    one: matching skips other cases, so their phone's log would be collected for nothing.
    """
    if case is not None and not case.is_confirmed:
        raise DomainError(
            _("Only a confirmed case is given a Bluetooth upload code."), ContactsError.CASE_NOT_CONFIRMED
        )
    now = timezone.now()
    UploadCode.objects.filter(person=person, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    expires_at = now + timedelta(hours=settings.TRACING_UPLOAD_CODE_HOURS)
    issued_by = user if user is not None and user.is_authenticated else None
    for _attempt in range(5):
        code = _new_code()
        try:
            with transaction.atomic():
                record = UploadCode.objects.create(
                    code_hash=upload_code_hash(code),
                    person=person,
                    case=case,
                    issued_by=issued_by,
                    expires_at=expires_at,
                )
        except IntegrityError:  # the same code is already out (one chance in 10^10): draw again
            continue
        audit_log(
            actor=user,
            action="proximity.upload_code",
            obj=case if case is not None else person,
            person_id=person.pk,
            request=request,
            detail={"upload_code": record.pk, "expires_at": expires_at.isoformat()},
        )
        return IssuedCode(code=code, record=record)
    raise RuntimeError("could not draw an unused upload code")  # pragma: no cover


# --- uploads ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Encounter:
    other_device_id: str
    first_seen: datetime
    last_seen: datetime
    min_distance_m: Decimal


@dataclass(frozen=True)
class UploadResult:
    accepted: int  # distinct encounters in the upload (a long one counts as its pieces), all stored
    new: int  # of those, not already stored by an earlier upload
    split: int = 0  # logged encounters longer than TRACING_PROXIMITY_MAX_ENCOUNTER, stored as pieces


@dataclass(frozen=True)
class CheckedLog:
    encounters: list[Encounter]
    split: int


def encounter_pieces(
    first: datetime, last: datetime, *, longest: timedelta, not_before: datetime
) -> list[tuple[datetime, datetime]]:
    """``first`` .. ``last`` as consecutive pieces of at most ``longest``: the k-th starts at
    ``first + k * longest``, so the same encounter sent again (another code, a longer log of
    the same phone) makes the same pieces and the table's unique key finds them stored.
    Each piece ends where the next starts; matching merges touching intervals, so the
    minutes count once. Pieces that ended before ``not_before`` (past the retention) are
    left out: the purge would take them at once."""
    if last - first <= longest:
        return [(first, last)]
    k = 0
    if not_before > first:
        # Pieces whose end first + (k + 1) * longest is before not_before: k < ceil(gap / longest) - 1.
        gap = not_before - first
        k = max(0, -(-gap // longest) - 1)
    pieces = []
    while first + k * longest < last:
        start = first + k * longest
        pieces.append((start, min(start + longest, last)))
        k += 1
    return pieces


def _parse_time(value: object) -> datetime | str:
    """An aware datetime, or the reason it is not one."""
    if not isinstance(value, str):
        return _("Give a time as ISO 8601 text.")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return _("Not an ISO 8601 time.")
    if parsed.tzinfo is None:
        return _("Give the time with its UTC offset, e.g. 2026-11-23T08:30:00+07:00.")
    if not in_bounds(parsed):
        return out_of_bounds_message()
    return parsed


def _parse_distance(value: object) -> Decimal | str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return _("Give the distance in metres as a number.")
    try:
        distance = Decimal(str(value).strip())
    except InvalidOperation:
        return _("Give the distance in metres as a number.")
    if not distance.is_finite() or not Decimal(0) <= distance <= MAX_DISTANCE_M:
        return _("A distance is between 0 and %(max)s metres.") % {"max": MAX_DISTANCE_M}
    return distance.quantize(Decimal("0.01"))


def validate_contacts(contacts: object, *, now: datetime | None = None) -> CheckedLog:
    """Every encounter of an upload, checked, the long ones cut into pieces; a DomainError
    with field errors (``contacts[3].last_seen``) if any one is wrong, so nothing is written
    from a log a phone got wrong."""
    if not isinstance(contacts, list):
        raise DomainError(_("Give the contacts as a list."), ContactsError.INVALID, field="contacts")
    if len(contacts) > MAX_CONTACTS:
        raise DomainError(
            _("At most %(max)s contacts in one upload.") % {"max": MAX_CONTACTS},
            ContactsError.TOO_MANY,
            field="contacts",
            status=413,
        )
    now = now or timezone.now()
    latest = now + CLOCK_SKEW
    oldest = now - timedelta(days=settings.PROXIMITY_RETENTION_DAYS) - CLOCK_SKEW
    longest = settings.TRACING_PROXIMITY_MAX_ENCOUNTER
    errors: dict[str, list[str]] = {}
    found: dict[tuple[str, datetime], Encounter] = {}
    split = 0

    def fail(index: int, field: str, message: str) -> None:
        if len(errors) < MAX_REPORTED_ERRORS:
            errors.setdefault(f"contacts[{index}].{field}", []).append(message)

    for index, item in enumerate(contacts):
        if not isinstance(item, dict):
            fail(index, "non_field_errors", _("Each contact is an object."))
            continue
        other = normalize_device_id(item.get("device_id"))
        if other is None:
            fail(index, "device_id", _("A device id is 32 hexadecimal digits."))
        first, last = _parse_time(item.get("first_seen")), _parse_time(item.get("last_seen"))
        distance = _parse_distance(item.get("min_distance_m"))
        for field, value in (("first_seen", first), ("last_seen", last), ("min_distance_m", distance)):
            if isinstance(value, str):
                fail(index, field, value)
        if not isinstance(first, datetime) or not isinstance(last, datetime):
            continue
        if last < first:
            fail(index, "last_seen", _("The last time seen cannot be before the first."))
        if last > latest:
            fail(index, "last_seen", _("This time is in the future."))
        if last < oldest:
            fail(
                index,
                "last_seen",
                _("Contacts older than %(days)s days are not kept.") % {"days": settings.PROXIMITY_RETENTION_DAYS},
            )
        if errors or other is None or not isinstance(distance, Decimal):
            continue
        pieces = encounter_pieces(first, last, longest=longest, not_before=oldest)
        split += last - first > longest
        for start, end in pieces:
            # A phone may log the same encounter twice: one row, the widest and closest.
            # (Both at most ``longest`` from the same start: the wider one is too.)
            key = (other, start)
            seen = found.get(key)
            if seen is None:
                found[key] = Encounter(other, start, end, distance)
            else:
                found[key] = Encounter(other, start, max(end, seen.last_seen), min(distance, seen.min_distance_m))
        if len(found) > MAX_STORED:
            raise DomainError(
                _("This log's long encounters make more than %(max)s rows: check the phone's clock and log.")
                % {"max": MAX_STORED},
                ContactsError.TOO_MANY,
                field="contacts",
                status=413,
            )
    if errors:
        first_message = next(iter(errors.values()))[0]
        raise DomainError(first_message, ContactsError.INVALID, errors=errors)
    return CheckedLog(list(found.values()), split)


def _check_code(code: UploadCode | None, device: ProximityDevice, now: datetime) -> UploadCode:
    if code is None:
        raise DomainError(_("This upload code is not valid."), ContactsError.UPLOAD_CODE_INVALID, field="upload_code")
    if code.used_at is not None:
        raise DomainError(
            _("This upload code has already been used: ask the health staff for a new one if needed."),
            ContactsError.UPLOAD_CODE_USED,
            field="upload_code",
            status=409,
        )
    if code.expires_at <= now:
        raise DomainError(
            _("This upload code has expired: ask the health staff for a new one."),
            ContactsError.UPLOAD_CODE_EXPIRED,
            field="upload_code",
        )
    if code.person_id != device.person_id:
        raise DomainError(
            _("This upload code was given to someone else: it works only on their registered phone."),
            ContactsError.DEVICE_MISMATCH,
            field="device_id",
            status=403,
        )
    return code


def _cases_to_match(code: UploadCode) -> list[int]:
    """The code's case, or for a person under follow-up the confirmed cases they were found in
    (their log gives those cases' next level)."""
    if code.case_id is not None:
        return [code.case_id]
    return list(
        Exposure.objects.filter(person_id=code.person_id, case__classification=Classification.CONFIRMED)
        .values_list("case_id", flat=True)
        .distinct()
        .order_by("case_id")
    )


def proximity_upload(
    *, device_id: str, upload_code: str, contacts: object, now: datetime | None = None
) -> UploadResult:
    """Store a phone's log with a valid code, spend the code, and queue matching after commit.

    Errors: ``invalid``/``too_many`` (the log), ``device_unknown``, ``upload_code_invalid``,
    ``upload_code_used`` (409, also a retry after success), ``upload_code_expired``,
    ``device_mismatch`` (403).
    """
    now = now or timezone.now()
    own = normalize_device_id(device_id)
    checked = validate_contacts(contacts, now=now)
    encounters = checked.encounters
    with transaction.atomic():
        device = ProximityDevice.objects.filter(device_id=own).first() if own else None
        if device is None:
            raise DomainError(_("This phone is not registered."), ContactsError.DEVICE_UNKNOWN, field="device_id")
        # The lock makes a second upload with the same code wait here, then find it used.
        locked = UploadCode.objects.select_for_update().filter(code_hash=upload_code_hash(upload_code)).first()
        code = _check_code(locked, device, now)
        before = ProximityContact.objects.filter(device=device).count()
        ProximityContact.objects.bulk_create(
            [
                ProximityContact(
                    device=device,
                    other_device_id=e.other_device_id,
                    first_seen=e.first_seen,
                    last_seen=e.last_seen,
                    min_distance_m=e.min_distance_m,
                )
                for e in encounters
            ],
            batch_size=INSERT_BATCH,
            ignore_conflicts=True,  # the same encounter in an earlier upload with another code
        )
        new = ProximityContact.objects.filter(device=device).count() - before
        # Conditional, so that even without row locks (SQLite) one code lets in one upload.
        if not UploadCode.objects.filter(pk=code.pk, used_at__isnull=True).update(used_at=now):
            raise DomainError(
                _("This upload code has already been used."),
                ContactsError.UPLOAD_CODE_USED,
                field="upload_code",
                status=409,
            )
        audit_log(
            actor=None,
            action="proximity.upload",
            obj=code.case if code.case_id is not None else device.person,
            person_id=device.person_id,
            detail={
                "upload_code": code.pk,
                "device": device.pk,
                "accepted": len(encounters),
                "new": new,
                "split": checked.split,
            },
        )
        for case_id in _cases_to_match(code):
            queue_matching(case_id)
    return UploadResult(accepted=len(encounters), new=new, split=checked.split)
