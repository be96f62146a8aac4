"""Writes of the tracing app: cases, lab results, manual contacts, follow-up.

Matching itself lives in ``contacts/matching.py``; every write here that changes what a
case's matching would find queues it again (after commit), and matching is idempotent.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

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
from contacts.tasks import match_case
from contacts.warnings import dedupe_key
from truyvet.accounts.models import Alert
from truyvet.geo.selectors import known_ward_codes
from truyvet.lib.audit import audit_log
from truyvet.lib.bounds import EARLIEST_DAY, check_past
from truyvet.lib.errors import DomainError
from truyvet.lib.models import Notification
from truyvet.lib.text import refuse_invisible
from truyvet.people.models import ChangeSource, Person
from truyvet.people.normalize import normalize_name, normalize_phone, search_key
from truyvet.people.services import person_history_write
from truyvet.people.validation import validate_citizen_id

CLOCK_SKEW = timedelta(minutes=5)
# Fields whose change moves the infectious window, so matching runs again.
WINDOW_FIELDS = ("classification", "confirmed_at", "onset_date", "sample_date", "isolated_at")


def queue_matching(case_id: int) -> None:
    """Match the case's exposures once the current transaction commits."""
    # Robust: the case is committed by then, so a broker that is down (or an eager task that
    # fails) is logged rather than turning the committed write into an error answer.
    transaction.on_commit(lambda: match_case.delay(case_id), robust=True)


def _not_future(value: date | datetime | None, field: str) -> None:
    if value is None:
        return
    check_past(value, field)
    now = timezone.now()
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            raise DomainError(_("Give the time with its UTC offset."), "naive_datetime", field=field)
        if value > now + CLOCK_SKEW:
            raise DomainError(_("This time is in the future."), "in_future", field=field)
    elif value > timezone.localdate(now):
        raise DomainError(_("This date is in the future."), "in_future", field=field)


def _validate_case(fields: dict[str, Any]) -> None:
    for name in ("confirmed_at", "onset_date", "sample_date", "isolated_at"):
        _not_future(fields.get(name), name)
    until = fields.get("isolation_until")
    if until is not None and until < EARLIEST_DAY:  # a date to come: only the lower bound
        check_past(until, "isolation_until")
    refuse_invisible(fields.get("isolation_place") or "", "isolation_place")
    classification = fields.get("classification", Classification.CONFIRMED)
    if classification not in Classification.values:
        raise DomainError(_("Unknown classification."), "invalid_choice", field="classification")
    if classification == Classification.CONFIRMED and fields.get("confirmed_at") is None:
        raise DomainError(_("A confirmed case needs the time it was confirmed."), "required", field="confirmed_at")
    for name, choices in (("outcome", Outcome), ("source", Source)):
        if name in fields and fields[name] not in choices.values:
            raise DomainError(_("Unknown choice."), "invalid_choice", field=name)
    onset, sample = fields.get("onset_date"), fields.get("sample_date")
    confirmed, isolated = fields.get("confirmed_at"), fields.get("isolated_at")
    if sample and confirmed and sample > timezone.localdate(confirmed):
        raise DomainError(
            _("The sample cannot be taken after the confirmation."), "sample_after_confirmation", field="sample_date"
        )
    if isolated and onset and timezone.localdate(isolated) < onset - timedelta(days=30):
        raise DomainError(
            _("Isolation is long before the onset: check the dates."), "isolation_too_early", field="isolated_at"
        )
    until = fields.get("isolation_until")
    if until and isolated and until < timezone.localdate(isolated):
        raise DomainError(_("Isolation cannot end before it starts."), "isolation_order", field="isolation_until")


@transaction.atomic
def case_open(*, user: Any, person: Person, **fields: Any) -> Case:
    """Open a case (F0) for a person. A person has at most one open case (409 otherwise).

    Fields: classification, confirmed_at, onset_date, sample_date, isolated_at,
    isolation_place, isolation_until, source, cluster, note.
    """
    _validate_case(fields)
    person = Person.objects.select_for_update().get(pk=person.pk)
    existing = Case.objects.filter(person=person, outcome=Outcome.UNDER_TREATMENT).first()
    if existing is not None:
        raise DomainError(
            _("This person already has an open case (#%(id)s).") % {"id": existing.pk},
            "case_exists",
            status=409,
        )
    try:
        with transaction.atomic():
            case = Case.objects.create(person=person, ward_id=person.ward_id, created_by=_user(user), **fields)
    except IntegrityError as exc:  # a simultaneous open of the same person
        raise DomainError(_("This person already has an open case."), "case_exists", status=409) from exc
    FollowUp.objects.filter(person=person, state=FollowUpState.ACTIVE).update(
        state=FollowUpState.BECAME_CASE, closed_at=timezone.now()
    )
    audit_log(actor=user, action="case.open", obj=case, person_id=person.pk)
    if case.is_confirmed:
        queue_matching(case.pk)
    return case


@transaction.atomic
def case_update(*, user: Any, case: Case, **fields: Any) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    merged = {name: getattr(case, name) for name in WINDOW_FIELDS}
    merged.update(fields)
    if "isolation_until" not in merged:
        merged["isolation_until"] = case.isolation_until
    _validate_case(merged)
    changed = [name for name, value in fields.items() if getattr(case, name) != value]
    for name in changed:
        setattr(case, name, fields[name])
    if changed:
        case.save(update_fields=[*changed, "updated_at"])
        audit_log(actor=user, action="case.update", obj=case, person_id=case.person_id, detail={"fields": changed})
    if case.is_confirmed and any(name in WINDOW_FIELDS for name in changed):
        Case.objects.filter(pk=case.pk).update(matching="pending")
        queue_matching(case.pk)
    return case


def case_match_again(*, user: Any, case: Case) -> None:
    """Staff ask for a case's matching to run again (late data they know of)."""
    if not case.is_confirmed:
        raise DomainError(_("Only a confirmed case is matched."), "not_confirmed")
    Case.objects.filter(pk=case.pk).update(matching="pending")
    audit_log(actor=user, action="case.match", obj=case, person_id=case.person_id)
    queue_matching(case.pk)


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def cluster_create(*, user: Any, name: str, ward_code: int | None = None, note: str = "") -> Cluster:
    name = " ".join(name.split())
    if not name:
        raise DomainError(_("A name is required."), "required", field="name")
    cluster, _created = Cluster.objects.get_or_create(name=name, defaults={"ward_id": ward_code, "note": note})
    return cluster


@transaction.atomic
def lab_result_add(
    *,
    user: Any,
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
        raise DomainError(_("The result cannot come before the sample."), "result_before_sample", field="result_date")
    if test_type not in TestType.values:
        raise DomainError(_("Unknown test."), "invalid_choice", field="test_type")
    if result not in TestResult.values:
        raise DomainError(_("Unknown result."), "invalid_choice", field="result")
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
        case_update(user=user, case=case, sample_date=sample_date)
    return lab


def _contact_person(*, user: Any, full_name: str, id_number: str, phone: str, ward_code: int | None) -> Person:
    """The person a typed-in contact names: by citizen id, else by phone and name, else new
    (living in ``ward_code``). A person found without a ward gets it, and one found by
    phone without a citizen id gets the id typed in."""
    name = normalize_name(refuse_invisible(full_name, "full_name"))
    if not name:
        raise DomainError(_("A name is required."), "name_required", field="full_name")
    e164 = ""
    if phone:
        e164 = normalize_phone(phone) or ""
        if not e164:
            raise DomainError(_("Not a Vietnamese mobile number."), "invalid_phone", field="phone")
    if not id_number and not e164:
        raise DomainError(
            _("Give the contact's citizen id number or phone, so they can be found and warned."),
            "identity_required",
            field="phone",
        )
    if id_number:
        id_number = validate_citizen_id(id_number, date_of_birth=None, gender="")
    if ward_code is not None and ward_code not in known_ward_codes():
        raise DomainError(_("Unknown commune or ward."), "invalid_choice", field="ward_code")
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
            "ward_required",
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


def _contact_person_complete(person: Person, *, user: Any, id_number: str, ward_code: int | None) -> Person:
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


def _person_fill(person: Person, values: dict[str, Any], user: Any) -> None:
    if not values:
        return
    person_history_write(person=person, values=values, changed_by=user, source=ChangeSource.STAFF)
    for key, value in values.items():
        setattr(person, key, value)
    person.save(update_fields=[*values, "updated_at"])


@transaction.atomic
def manual_contact_add(
    *,
    user: Any,
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
        raise DomainError(_("Unknown setting."), "invalid_choice", field="setting")
    source = source_person or case.person
    if source.pk != case.person_id and not case.exposures.filter(person=source).exists():
        raise DomainError(
            _("The source must be the case or one of its contacts."), "unknown_source", field="source_person"
        )
    person = _contact_person(
        user=user,
        full_name=full_name,
        id_number=id_number.strip(),
        phone=phone.strip(),
        ward_code=ward_code if ward_code is not None else case.ward_id,
    )
    if person.pk == source.pk:
        raise DomainError(_("A person cannot be their own contact."), "self_contact", field="full_name")
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


@transaction.atomic
def follow_up_check_record(
    *,
    user: Any,
    follow_up: FollowUp,
    day: date | None = None,
    symptoms: list[str] | None = None,
    temperature: Decimal | None = None,
    test_result: str = "",
    note: str = "",
) -> FollowUpCheck:
    """Record (or correct) one day's status; one entry per day."""
    day = day or timezone.localdate()
    _not_future(day, "day")
    if day < timezone.localdate(follow_up.created_at) - timedelta(days=1):
        raise DomainError(_("This day is before the follow-up began."), "before_follow_up", field="day")
    if temperature is not None and not Decimal("30") <= temperature <= Decimal("45"):
        raise DomainError(_("A body temperature is between 30 and 45 °C."), "temperature_range", field="temperature")
    if test_result and test_result not in TestResult.values:
        raise DomainError(_("Unknown result."), "invalid_choice", field="test_result")
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
            _("Both people have an open case: close one of them before merging."), "both_open_cases", status=409
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
