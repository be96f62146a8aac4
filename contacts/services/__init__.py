"""Writes of the tracing app: cases, lab results, typed-in contacts, follow-up checks, and
what a merge of two people does to tracing rows. The Bluetooth app's writes (phones, upload
codes, uploaded logs) are in ``contacts.services.proximity``.

Matching itself lives in ``contacts/matching.py``; every write here that changes what a
case's matching would find queues it again (after commit), and matching is idempotent.

``user`` is the staff user who acts, or None for the system (the demo seed): the audit log
records either.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.errors import CaseExists, ContactsError
from contacts.exposures import COLUMNS, exposures_upsert
from contacts.models import (
    EXPOSURE_KEY_PREFIX,
    Case,
    Classification,
    Cluster,
    Exposure,
    FollowUp,
    FollowUpCheck,
    FollowUpState,
    LabResult,
    ManualContact,
    Outcome,
    Setting,
    Source,
    TestResult,
    TestType,
)
from contacts.selectors import people_in_reach
from contacts.tasks import match_case
from contacts.warnings import dedupe_key
from truyvet.accounts.jurisdiction import covers_ward
from truyvet.accounts.models import Alert, User
from truyvet.geo.selectors import known_ward_codes
from truyvet.lib import outbox
from truyvet.lib.audit import audit_log
from truyvet.lib.bounds import EARLIEST_DAY, check_past
from truyvet.lib.errors import DomainError
from truyvet.lib.models import Notification
from truyvet.lib.text import refuse_invisible
from truyvet.people.models import ChangeSource, Person
from truyvet.people.normalize import normalize_name, normalize_phone, search_key
from truyvet.people.services import person_fields, person_history_write, person_upsert
from truyvet.people.validation import validate_citizen_id

CLOCK_SKEW = timedelta(minutes=5)
# Fields whose change moves the infectious window, so matching runs again.
WINDOW_FIELDS = ("classification", "confirmed_at", "onset_date", "sample_date", "isolated_at")


@dataclass(frozen=True)
class CaseInput:
    """A case's fields as staff give them (the case form, the API, the demo seed). Whatever
    is left out has the case's default; ``case_update`` takes the case as it should be."""

    classification: str = Classification.CONFIRMED
    confirmed_at: datetime | None = None
    onset_date: date | None = None
    sample_date: date | None = None
    isolated_at: datetime | None = None
    isolation_place: str = ""
    isolation_until: date | None = None
    outcome: str = Outcome.UNDER_TREATMENT
    source: str = Source.UNKNOWN
    cluster_id: int | None = None
    # The name of a cluster to join instead of ``cluster_id``: found, or made, by its name.
    new_cluster: str = ""
    note: str = ""

    @classmethod
    def of(cls, case: Case) -> CaseInput:
        """The case as it is (to change a field or two of it)."""
        return cls(**{name: getattr(case, name) for name in CASE_COLUMNS})


# The columns of a case that a CaseInput gives, in the order of the case form.
CASE_COLUMNS = (
    "classification",
    "confirmed_at",
    "onset_date",
    "sample_date",
    "isolated_at",
    "isolation_place",
    "isolation_until",
    "outcome",
    "source",
    "cluster_id",
    "note",
)


@dataclass(frozen=True)
class PersonInput:
    """Somebody not yet on the portal, for whom staff open a case (the new-case form)."""

    full_name: str
    ward_code: int
    id_number: str = ""
    passport_number: str = ""
    nationality: str = "VN"
    date_of_birth: date | None = None
    gender: str = ""
    phone: str = ""
    address: str = ""


def queue_matching(case_id: int) -> None:
    """Match the case's exposures once the current transaction commits."""
    # Through the outbox: recorded with the case, queued once it commits, even if Redis is down
    # then. Robust when run inline: a failing task is logged, the committed case stands.
    outbox.enqueue(match_case, case_id, robust=True)


def _not_future(value: date | datetime | None, field: str) -> None:
    if value is None:
        return
    check_past(value, field)
    now = timezone.now()
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            raise DomainError(_("Give the time with its UTC offset."), ContactsError.NAIVE_DATETIME, field=field)
        if value > now + CLOCK_SKEW:
            raise DomainError(_("This time is in the future."), ContactsError.IN_FUTURE, field=field)
    elif value > timezone.localdate(now):
        raise DomainError(_("This date is in the future."), ContactsError.IN_FUTURE, field=field)


def _validate_case(fields: dict[str, Any]) -> None:
    for name in ("confirmed_at", "onset_date", "sample_date", "isolated_at"):
        _not_future(fields.get(name), name)
    until = fields.get("isolation_until")
    if until is not None and until < EARLIEST_DAY:  # a date to come: only the lower bound
        check_past(until, "isolation_until")
    refuse_invisible(fields.get("isolation_place") or "", "isolation_place")
    classification = fields.get("classification", Classification.CONFIRMED)
    if classification not in Classification.values:
        raise DomainError(_("Unknown classification."), ContactsError.INVALID_CHOICE, field="classification")
    if classification == Classification.CONFIRMED and fields.get("confirmed_at") is None:
        raise DomainError(
            _("A confirmed case needs the time it was confirmed."), ContactsError.REQUIRED, field="confirmed_at"
        )
    for name, choices in (("outcome", Outcome), ("source", Source)):
        if name in fields and fields[name] not in choices.values:
            raise DomainError(_("Unknown choice."), ContactsError.INVALID_CHOICE, field=name)
    onset, sample = fields.get("onset_date"), fields.get("sample_date")
    confirmed, isolated = fields.get("confirmed_at"), fields.get("isolated_at")
    if sample and confirmed and sample > timezone.localdate(confirmed):
        raise DomainError(
            _("The sample cannot be taken after the confirmation."),
            ContactsError.SAMPLE_AFTER_CONFIRMATION,
            field="sample_date",
        )
    if isolated and onset and timezone.localdate(isolated) < onset - timedelta(days=30):
        raise DomainError(
            _("Isolation is long before the onset: check the dates."),
            ContactsError.ISOLATION_TOO_EARLY,
            field="isolated_at",
        )
    until = fields.get("isolation_until")
    if until and isolated and until < timezone.localdate(isolated):
        raise DomainError(
            _("Isolation cannot end before it starts."), ContactsError.ISOLATION_ORDER, field="isolation_until"
        )


def _case_columns(data: CaseInput, *, user: User | None) -> dict[str, Any]:
    """The case's columns as ``data`` gives them; a new cluster named in it is found or made
    first, and the case joins it."""
    columns = {name: getattr(data, name) for name in CASE_COLUMNS}
    if data.new_cluster.strip():
        columns["cluster_id"] = cluster_create(user=user, name=data.new_cluster).pk
    return columns


@transaction.atomic
def case_open(*, user: User | None, person: Person, data: CaseInput) -> Case:
    """Open a case (F0) for a person. A person has at most one open case (409 otherwise)."""
    columns = _case_columns(data, user=user)
    _validate_case(columns)
    person = Person.objects.select_for_update().get(pk=person.pk)
    existing = Case.objects.filter(person=person, outcome=Outcome.UNDER_TREATMENT).first()
    if existing is not None:
        raise CaseExists(
            _("This person already has an open case (#%(id)s).") % {"id": existing.pk}, person_id=person.pk
        )
    try:
        with transaction.atomic():
            case = Case.objects.create(person=person, ward_id=person.ward_id, created_by=_user(user), **columns)
    except IntegrityError as exc:  # a simultaneous open of the same person
        raise CaseExists(_("This person already has an open case."), person_id=person.pk) from exc
    FollowUp.objects.filter(person=person, state=FollowUpState.ACTIVE).update(
        state=FollowUpState.BECAME_CASE, closed_at=timezone.now()
    )
    audit_log(actor=user, action="case.open", obj=case, person_id=person.pk)
    if case.is_confirmed:
        queue_matching(case.pk)
    return case


@transaction.atomic
def case_open_for_new_person(
    *, user: User, person: PersonInput, data: CaseInput, request: HttpRequest | None = None
) -> Case:
    """Add a person to the portal, living in one of the user's wards, and open their case,
    together: a case refused adds nobody. A person already known by this citizen id (or
    passport) is taken as they are, when they live within the user's reach
    (``people_in_reach``); somebody of another unit's area is refused
    (``person_outside_area``), for this form must not change the details of a person
    another unit follows."""
    details: dict[str, Any] = {
        "full_name": person.full_name,
        "id_number": person.id_number or None,
        "passport_number": person.passport_number or None,
        "nationality": person.nationality or "VN",
        "date_of_birth": person.date_of_birth,
        "gender": person.gender,
        "phone": person.phone,
        "ward_code": person.ward_code,
        "address": person.address,
    }
    identity, _fields = person_fields(**details)  # validated and cleaned, as person_upsert looks it up
    known = Person.objects.filter(**identity).first()
    if known is None:
        if not covers_ward(user, person.ward_code):  # the form offers the user's wards only
            raise DomainError(_("Choose a ward of your area."), ContactsError.INVALID_CHOICE, field="ward_code")
        found, _created = person_upsert(**details)
        audit_log(actor=user, action="person.create", obj=found, request=request)
    elif people_in_reach(user).filter(pk=known.pk).exists():
        found = known
    else:
        raise DomainError(
            _("This person lives outside your area: ask the health unit of their ward or the CDC."),
            ContactsError.PERSON_OUTSIDE_AREA,
            field="id_number" if "id_number" in identity else "passport_number",
        )
    return case_open(user=user, person=found, data=data)


def _same(current: object, value: object) -> bool:
    """Whether ``value`` leaves the case's ``current`` value as it is. A time to the minute
    of the case's is no change: pages show times to the minute, and one sent back unchanged
    keeps its seconds (and does not start matching again)."""
    if current == value:
        return True
    return (
        isinstance(value, datetime)
        and isinstance(current, datetime)
        and current.replace(second=0, microsecond=0) == value
    )


@transaction.atomic
def case_update(*, user: User | None, case: Case, data: CaseInput) -> Case:
    """Make the case as ``data`` gives it: what differs is saved and audited; a change of
    the infectious window (``WINDOW_FIELDS``) of a confirmed case queues matching again,
    after commit. The rules are checked on the case as it will be."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    wanted = _case_columns(data, user=user)
    fields = {name: value for name, value in wanted.items() if not _same(getattr(case, name), value)}
    merged = {name: getattr(case, name) for name in WINDOW_FIELDS}
    merged.update(fields)
    if "isolation_until" not in merged:
        merged["isolation_until"] = case.isolation_until
    _validate_case(merged)
    changed = list(fields)
    for name in changed:
        setattr(case, name, fields[name])
    if changed:
        case.save(update_fields=[*changed, "updated_at"])
        audit_log(actor=user, action="case.update", obj=case, person_id=case.person_id, detail={"fields": changed})
    if case.is_confirmed and any(name in WINDOW_FIELDS for name in changed):
        Case.objects.filter(pk=case.pk).update(matching="pending")
        queue_matching(case.pk)
    return case


def case_match_again(*, user: User | None, case: Case) -> None:
    """Staff ask for a case's matching to run again (late data they know of)."""
    if not case.is_confirmed:
        raise DomainError(_("Only a confirmed case is matched."), ContactsError.NOT_CONFIRMED)
    Case.objects.filter(pk=case.pk).update(matching="pending")
    audit_log(actor=user, action="case.match", obj=case, person_id=case.person_id)
    queue_matching(case.pk)


def _user(user: User | None) -> User | None:
    return user if user is not None and user.is_authenticated else None


def cluster_create(*, user: User | None, name: str, ward_code: int | None = None, note: str = "") -> Cluster:
    """The cluster of this name (its spaces tidied), made if there is none."""
    name = " ".join(name.split())
    if not name:
        raise DomainError(_("A name is required."), ContactsError.REQUIRED, field="name")
    cluster, _created = Cluster.objects.get_or_create(name=name, defaults={"ward_id": ward_code, "note": note})
    return cluster


@transaction.atomic
def lab_result_add(
    *,
    user: User | None,
    case: Case,
    sample_date: date,
    test_type: str = TestType.RT_PCR,
    result: str = TestResult.PENDING,
    result_date: date | None = None,
    laboratory: str = "",
) -> LabResult:
    """Add a lab result. A sample taken before the case's sample date (or the first one a
    case without a sample date gets) becomes the case's: the infectious window starts from
    it, so a confirmed case is matched again. A negative result moves nothing (the person
    was not yet found infected), nor does a sample after the confirmation (a later test)."""
    _not_future(sample_date, "sample_date")
    _not_future(result_date, "result_date")
    if result_date and result_date < sample_date:
        raise DomainError(
            _("The result cannot come before the sample."), ContactsError.RESULT_BEFORE_SAMPLE, field="result_date"
        )
    if test_type not in TestType.values:
        raise DomainError(_("Unknown test."), ContactsError.INVALID_CHOICE, field="test_type")
    if result not in TestResult.values:
        raise DomainError(_("Unknown result."), ContactsError.INVALID_CHOICE, field="result")
    case = Case.objects.select_for_update().get(pk=case.pk)
    lab = LabResult.objects.create(
        case=case,
        test_type=test_type,
        sample_date=sample_date,
        result_date=result_date,
        result=result,
        laboratory=laboratory.strip()[:200],
    )
    audit_log(actor=user, action="case.lab_result", obj=case, person_id=case.person_id)
    earlier = case.sample_date is None or sample_date < case.sample_date
    before_confirmation = case.confirmed_at is None or sample_date <= timezone.localdate(case.confirmed_at)
    if earlier and before_confirmation and result != TestResult.NEGATIVE:
        # case_update saves and audits the new date and queues matching for a confirmed case.
        case_update(user=user, case=case, data=dataclasses.replace(CaseInput.of(case), sample_date=sample_date))
    return lab


def _contact_person(*, user: User | None, full_name: str, id_number: str, phone: str, ward_code: int | None) -> Person:
    """The person a typed-in contact names: by citizen id, else by phone and name, else new
    (living in ``ward_code``). A person found without a ward gets it, and one found by
    phone without a citizen id gets the id typed in."""
    name = normalize_name(refuse_invisible(full_name, "full_name"))
    if not name:
        raise DomainError(_("A name is required."), ContactsError.NAME_REQUIRED, field="full_name")
    e164 = ""
    if phone:
        e164 = normalize_phone(phone) or ""
        if not e164:
            raise DomainError(_("Not a Vietnamese mobile number."), ContactsError.INVALID_PHONE, field="phone")
    if not id_number and not e164:
        raise DomainError(
            _("Give the contact's citizen id number or phone, so they can be found and warned."),
            ContactsError.IDENTITY_REQUIRED,
            field="phone",
        )
    if id_number:
        id_number = validate_citizen_id(id_number, date_of_birth=None, gender="")
    if ward_code is not None and ward_code not in known_ward_codes():
        raise DomainError(_("Unknown commune or ward."), ContactsError.INVALID_CHOICE, field="ward_code")
    person = Person.objects.select_for_update().filter(id_number=id_number).first() if id_number else None
    if person is None and e164:
        # Someone typed in before with this phone and name, and no other citizen id.
        by_phone = Person.objects.select_for_update().filter(phone=e164, name_key=search_key(name))
        if id_number:
            by_phone = by_phone.filter(id_number__isnull=True)
        person = by_phone.order_by("pk").first()
    if person is not None:
        return _contact_person_complete(person, user=user, id_number=id_number, ward_code=ward_code)
    if ward_code is None:
        raise DomainError(
            _("Choose the ward where the contact lives: its health station follows them up."),
            ContactsError.WARD_REQUIRED,
            field="ward_code",
        )
    try:
        with transaction.atomic():
            return Person.objects.create(
                id_number=id_number or None, full_name=name, name_key=search_key(name), phone=e164, ward_id=ward_code
            )
    except IntegrityError:  # the same citizen id, added a moment ago
        return _contact_person_complete(
            Person.objects.get(id_number=id_number), user=user, id_number="", ward_code=ward_code
        )


def _contact_person_complete(person: Person, *, user: User | None, id_number: str, ward_code: int | None) -> Person:
    """Fill in what a found person lacks: the ward (so a station follows them up) and the
    citizen id (so the next lookup by id finds them). Nothing they have is overwritten; what
    is filled in is written to their history."""
    values: dict[str, Any] = {}
    if person.ward_id is None and ward_code is not None:
        values["ward_id"] = ward_code
    if id_number and not person.id_number:
        values["id_number"] = id_number
    try:
        with transaction.atomic():
            _person_fill(person, values, user)
    except IntegrityError:  # the id is somebody else's since the lookup: keep the ward only
        if "id_number" not in values:
            raise
        person.refresh_from_db()
        values.pop("id_number")
        _person_fill(person, values, user)
    return person


def _person_fill(person: Person, values: dict[str, Any], user: User | None) -> None:
    if not values:
        return
    person_history_write(person=person, values=values, changed_by=user, source=ChangeSource.STAFF)
    for key, value in values.items():
        setattr(person, key, value)
    person.save(update_fields=[*values, "updated_at"])


@transaction.atomic
def manual_contact_add(
    *,
    user: User | None,
    case: Case,
    full_name: str,
    contact_date: date,
    id_number: str = "",
    phone: str = "",
    ward_code: int | None = None,
    setting: str = Setting.OTHER,
    relation: str = "",
    note: str = "",
    source_person: Person | None = None,
) -> ManualContact:
    """A contact found by an investigation team. ``source_person`` is the case (an F1 of
    the case for a contact of that F1); the contact gets one level below it.

    ``ward_code`` is where the contact lives (by default the case's ward, as the form
    proposes): a new person is created there and a person found without a ward gets it,
    so their commune station is alerted and follows them up."""
    _not_future(contact_date, "contact_date")
    if setting not in Setting.values:
        raise DomainError(_("Unknown setting."), ContactsError.INVALID_CHOICE, field="setting")
    source = source_person or case.person
    if source.pk != case.person_id and not case.exposures.filter(person=source).exists():
        raise DomainError(
            _("The source must be the case or one of its contacts."),
            ContactsError.UNKNOWN_SOURCE,
            field="source_person",
        )
    person = _contact_person(
        user=user,
        full_name=full_name,
        id_number=id_number.strip(),
        phone=phone.strip(),
        ward_code=ward_code if ward_code is not None else case.ward_id,
    )
    if person.pk == source.pk:
        raise DomainError(_("A person cannot be their own contact."), ContactsError.SELF_CONTACT, field="full_name")
    # The same pair on the same day is one contact: a form sent twice adds nothing.
    contact, created = ManualContact.objects.get_or_create(
        case=case,
        source_person=source,
        person=person,
        contact_date=contact_date,
        defaults={
            "setting": setting,
            "relation": relation.strip()[:100],
            "note": note.strip()[:300],
            "created_by": _user(user),
        },
    )
    if not created:
        return contact
    audit_log(actor=user, action="case.manual_contact", obj=case, person_id=person.pk)
    if case.is_confirmed:
        queue_matching(case.pk)
    return contact


def follow_up_ensure_active(follow_up: FollowUp) -> None:
    """An ended follow-up (completed, or its person became a case) takes no new check."""
    if follow_up.state != FollowUpState.ACTIVE:
        raise DomainError(_("This follow-up has ended."), ContactsError.FOLLOW_UP_ENDED)


@transaction.atomic
def follow_up_check_record(
    *,
    user: User | None,
    follow_up: FollowUp,
    day: date | None = None,
    symptoms: list[str] | None = None,
    temperature: Decimal | None = None,
    test_result: str = "",
    note: str = "",
) -> FollowUpCheck:
    """Record (or correct) one day's status of an active follow-up; one entry per day."""
    follow_up_ensure_active(follow_up)
    day = day or timezone.localdate()
    _not_future(day, "day")
    if day < timezone.localdate(follow_up.created_at) - timedelta(days=1):
        raise DomainError(_("This day is before the follow-up began."), ContactsError.BEFORE_FOLLOW_UP, field="day")
    if temperature is not None and not Decimal("30") <= temperature <= Decimal("45"):
        raise DomainError(
            _("A body temperature is between 30 and 45 °C."), ContactsError.TEMPERATURE_RANGE, field="temperature"
        )
    if test_result and test_result not in TestResult.values:
        raise DomainError(_("Unknown result."), ContactsError.INVALID_CHOICE, field="test_result")
    check, _created = FollowUpCheck.objects.update_or_create(
        follow_up=follow_up,
        day=day,
        defaults={
            "symptoms": sorted(set(symptoms or [])),
            "temperature": temperature,
            "test_result": test_result,
            "note": note.strip()[:300],
            "recorded_by": _user(user),
        },
    )
    audit_log(actor=user, action="follow_up.check", obj=follow_up, person_id=follow_up.person_id)
    return check


def exposures_fold_for_merge(*, survivor: Person, duplicate: Person) -> None:
    """Before a merge: one exposure per case and person must survive it. The duplicate's
    exposures are written again for the survivor under matching's own rule (the lower level,
    then the earlier first contact, with the later last contact); nobody stays exposed to
    their own case."""
    Exposure.objects.filter(
        Q(person=duplicate, case__person=survivor) | Q(person=survivor, case__person=duplicate)
    ).delete()
    theirs = Exposure.objects.filter(person=duplicate)
    rows = [
        [survivor.pk if column == "person_id" else value for column, value in zip(COLUMNS, row, strict=True)]
        for row in theirs.values_list(*COLUMNS)
    ]
    theirs.delete()
    exposures_upsert(rows)


def follow_ups_fold_for_merge(*, survivor: Person, duplicate: Person) -> None:
    """Before a merge: one open case and one active follow-up per person must survive it."""
    open_cases = Case.objects.filter(person__in=[survivor, duplicate], outcome=Outcome.UNDER_TREATMENT)
    if open_cases.count() > 1:
        raise DomainError(
            _("Both people have an open case: close one of them before merging."),
            ContactsError.BOTH_OPEN_CASES,
            status=409,
        )
    theirs = FollowUp.objects.filter(person=duplicate, state=FollowUpState.ACTIVE).first()
    ours = FollowUp.objects.filter(person=survivor, state=FollowUpState.ACTIVE).first()
    if theirs is None or ours is None:
        return
    ours.level = min(ours.level, theirs.level)
    ours.quarantine_until = max(ours.quarantine_until, theirs.quarantine_until)
    ours.last_exposure_at = max(ours.last_exposure_at, theirs.last_exposure_at)
    ours.save(update_fields=["level", "quarantine_until", "last_exposure_at"])
    # Their daily checks join ours; a day both recorded keeps ours.
    days = set(ours.checks.values_list("day", flat=True))
    theirs.checks.exclude(day__in=days).update(follow_up=ours)
    theirs.delete()


def manual_contacts_fold_for_merge(*, survivor: Person, duplicate: Person) -> None:
    """Before a merge: a typed-in contact is once per case, pair and day
    (``contacts_manual_once_a_day``). Where the duplicate's row would become one the survivor
    (or another of the duplicate's) already has, the survivor's is kept and the other goes;
    a contact between the two records would become the person's own, and goes too."""
    both = {survivor.pk, duplicate.pk}
    rows = ManualContact.objects.filter(Q(person_id__in=both) | Q(source_person_id__in=both)).values_list(
        "pk", "case_id", "source_person_id", "person_id", "contact_date"
    )
    kept: dict[tuple[Any, ...], int] = {}
    drop: list[int] = []
    # The survivor's own rows first, so theirs are the ones kept.
    for pk, case_id, source_id, person_id, day in sorted(rows, key=lambda r: (duplicate.pk in r[2:4], r[0])):
        source_id = survivor.pk if source_id == duplicate.pk else source_id
        person_id = survivor.pk if person_id == duplicate.pk else person_id
        key = (case_id, source_id, person_id, day)
        if source_id == person_id or key in kept:
            drop.append(pk)
        else:
            kept[key] = pk
    if drop:
        ManualContact.objects.filter(pk__in=drop).delete()


def exposure_warnings_rekey_for_merge(*, survivor: Person, duplicate: Person) -> None:
    """Before a merge: exposure warnings and alerts are keyed by case, person and level
    (``contacts.warnings.dedupe_key``). The duplicate's keys become the survivor's, so the
    next matching of a case the duplicate was warned about tells the survivor nothing they
    were not told; where the survivor has the same key, the duplicate's row goes."""
    _rekey(Notification.objects.filter(person=duplicate), "channel", survivor=survivor, duplicate=duplicate)
    _rekey(Alert.objects.filter(person=duplicate), "unit_id", survivor=survivor, duplicate=duplicate)


def _rekey(rows: QuerySet[Any], scope: str, *, survivor: Person, duplicate: Person) -> None:
    """Give the exposure keys among ``rows`` to the survivor; unique per key and ``scope``
    (a notification's channel, an alert's unit)."""
    found = list(rows.filter(dedupe_key__startswith=EXPOSURE_KEY_PREFIX).only("pk", "dedupe_key", scope))
    new_keys = {row.pk: _survivor_key(row.dedupe_key, survivor=survivor, duplicate=duplicate) for row in found}
    wanted = {key for key in new_keys.values() if key is not None}
    if not wanted:
        return
    model = rows.model
    taken = set(model._default_manager.filter(dedupe_key__in=wanted).values_list("dedupe_key", scope))
    update, drop = [], []
    for row in found:
        key = new_keys[row.pk]
        if key is None:
            continue
        if (key, getattr(row, scope)) in taken:
            drop.append(row.pk)
        else:
            taken.add((key, getattr(row, scope)))
            row.dedupe_key = key
            update.append(row)
    if drop:
        model._default_manager.filter(pk__in=drop).delete()
    if update:
        model._default_manager.bulk_update(update, ["dedupe_key"], batch_size=500)


def _survivor_key(key: str, *, survivor: Person, duplicate: Person) -> str | None:
    """The survivor's version of an exposure key of the duplicate's (else None)."""
    parts = key.removeprefix(EXPOSURE_KEY_PREFIX).split(":")
    if len(parts) != 3 or not all(part.isdecimal() for part in parts) or int(parts[1]) != duplicate.pk:
        return None
    return dedupe_key(int(parts[0]), survivor.pk, int(parts[2]))
