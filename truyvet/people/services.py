from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import ForeignObjectRel
from django.utils.translation import gettext as _

from truyvet.lib.audit import Actor, audit_log
from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError
from truyvet.lib.text import refuse_invisible
from truyvet.people.countries import is_country
from truyvet.people.models import ChangeSource, Household, Person, PersonHistory
from truyvet.people.normalize import normalize_name, normalize_phone, search_key
from truyvet.people.signals import person_merging
from truyvet.people.validation import validate_citizen_id, validate_date_of_birth

# Identity and contact details: every change to one of them is written to the history.
HISTORY_FIELDS = (
    "full_name",
    "date_of_birth",
    "gender",
    "id_number",
    "passport_number",
    "nationality",
    "phone",
    "email",
    "ward_id",
    "address",
)


def _identity(
    id_number: str | None,
    passport_number: str | None,
    nationality: str | None,
    date_of_birth: date | None,
    gender: str,
) -> dict[str, str]:
    if id_number:
        return {"id_number": validate_citizen_id(id_number, date_of_birth=date_of_birth, gender=gender)}
    if passport_number:
        passport = passport_number.replace(" ", "").upper()
        country = (nationality or "").upper()
        if not passport.isalnum() or not 5 <= len(passport) <= 20:
            raise DomainError(
                "A passport number has 5 to 20 letters and digits.", CoreError.PASSPORT_FORMAT, field="passport_number"
            )
        if not is_country(country):
            raise DomainError("Unknown country code.", CoreError.UNKNOWN_COUNTRY, field="nationality")
        return {"passport_number": passport, "nationality": country}
    raise DomainError(
        "A citizen id number or a passport number is required.", CoreError.IDENTITY_REQUIRED, field="id_number"
    )


def person_fields(
    *,
    full_name: str,
    id_number: str | None = None,
    passport_number: str | None = None,
    nationality: str | None = "VN",
    date_of_birth: date | None = None,
    gender: str = "",
    phone: str = "",
    email: str = "",
    ward_code: int | None = None,
    address: str = "",
) -> tuple[dict[str, str], dict[str, Any]]:
    """The validated identity (citizen id, or passport + nationality) and the normalised
    details that ``person_upsert`` stores, or a DomainError naming the field."""
    if date_of_birth is not None:
        validate_date_of_birth(date_of_birth)
    identity = _identity(id_number, passport_number, nationality, date_of_birth, gender)
    e164 = normalize_phone(phone) if phone else ""
    if phone and e164 is None:
        raise DomainError("Not a Vietnamese mobile number.", CoreError.INVALID_PHONE, field="phone")
    refuse_invisible(full_name, "full_name")
    refuse_invisible(address, "address")
    name = normalize_name(full_name)
    if not name:
        raise DomainError("A name is required.", CoreError.NAME_REQUIRED, field="full_name")
    fields = {
        "full_name": name,
        "name_key": search_key(name),
        "date_of_birth": date_of_birth,
        "gender": gender,
        "phone": e164 or "",
        "email": email,
        "ward_id": ward_code,
        "address": address.strip(),
    }
    return identity, fields


def identity_mismatch(person: Person, fields: dict[str, Any]) -> list[str]:
    """The identity fields (name, date of birth) given for a known id number that disagree
    with the record. Names compare without accents, case or spacing; a blank on either side
    is no disagreement."""
    mismatched = []
    if fields.get("name_key") and person.name_key and fields["name_key"] != person.name_key:
        mismatched.append("full_name")
    born = fields.get("date_of_birth")
    if born and person.date_of_birth and born != person.date_of_birth:
        mismatched.append("date_of_birth")
    return mismatched


def person_update(*, person: Person, fields: dict[str, Any], changed_by: Actor = None, source: str = "") -> list[str]:
    """Write the given non-blank details (as ``person_fields`` cleaned them) to a person whose
    change has been proven (``source``, a ChangeSource), each changed identity or contact
    field to the history with who and how. Returns the names of the changed fields."""
    changed = [key for key, value in fields.items() if value not in (None, "") and getattr(person, key) != value]
    person_history_write(
        person=person, values={key: fields[key] for key in changed}, changed_by=changed_by, source=source
    )
    for key in changed:
        setattr(person, key, fields[key])
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
    return changed


def person_history_write(*, person: Person, values: dict[str, Any], changed_by: Actor, source: str) -> None:
    """Write to the history each identity or contact field of ``person`` (as it is before the
    change) that ``values`` changes, with who and how."""
    by = changed_by if getattr(changed_by, "is_authenticated", False) else None
    PersonHistory.objects.bulk_create(
        [
            PersonHistory(
                person=person,
                field=key,
                old_value=_history_text(getattr(person, key)),
                new_value=_history_text(value),
                changed_by=by,  # type: ignore[misc]
                source=source,
            )
            for key, value in values.items()
            if key in HISTORY_FIELDS and getattr(person, key) != value
        ]
    )


def _history_text(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


@transaction.atomic
def person_upsert(
    *,
    full_name: str,
    id_number: str | None = None,
    passport_number: str | None = None,
    nationality: str | None = "VN",
    date_of_birth: date | None = None,
    gender: str = "",
    phone: str = "",
    email: str = "",
    ward_code: int | None = None,
    address: str = "",
    household: Household | None = None,
    new_household: bool = False,
    changed_by: Actor = None,
    source: str = ChangeSource.STAFF,
) -> tuple[Person, bool]:
    """Find the person by citizen id (or passport + nationality) and refresh their details,
    or create them. Returns (person, created). Only for callers that have proven their right
    to change the person (``source``); a citizen's declaration goes through
    ``declaration_submit``, which decides that first.

    ``new_household``: somebody without a household gets one of their own (at their address),
    so family members can later be declared into it.
    """
    identity, fields = person_fields(
        full_name=full_name,
        id_number=id_number,
        passport_number=passport_number,
        nationality=nationality,
        date_of_birth=date_of_birth,
        gender=gender,
        phone=phone,
        email=email,
        ward_code=ward_code,
        address=address,
    )
    person = person_locked(identity)
    if person is None:
        try:
            return person_create(identity=identity, fields=fields, household=household, new_household=new_household)
        except IntegrityError:
            # Someone created the same person a moment ago: update theirs instead.
            person = Person.objects.select_for_update().get(**identity)
    person_update(person=person, fields=fields, changed_by=changed_by, source=source)
    if household is not None or new_household:
        person_household_join(person=person, household=household)
    return person, False


def person_locked(identity: dict[str, str]) -> Person | None:
    """The person with this identity, locked for the rest of the transaction, or None."""
    return Person.objects.select_for_update().filter(**identity).first()


def person_create(
    *, identity: dict[str, str], fields: dict[str, Any], household: Household | None, new_household: bool
) -> tuple[Person, bool]:
    """A new person (in a savepoint: an IntegrityError means somebody created them first)."""
    with transaction.atomic():
        if household is None and new_household:
            household = Household.objects.create(address=fields["address"], ward_id=fields["ward_id"])
        return Person.objects.create(**identity, **fields, household=household), True


def person_household_join(*, person: Person, household: Household | None) -> None:
    """Move a person into ``household``, or give one without a household their own."""
    if household is None:
        if person.household_id is not None:
            return
        household = Household.objects.create(address=person.address, ward_id=person.ward_id)
    if person.household_id != household.pk:
        person.household = household
        person.save(update_fields=["household", "updated_at"])


@transaction.atomic
def person_merge(*, user: Actor, survivor: Person, duplicate: Person) -> Person:
    """Fold ``duplicate`` into ``survivor``: every row that points at the duplicate, in any
    app, moves to the survivor (one UPDATE per relation); then the duplicate is deleted.

    A one-to-one row the survivor already has wins; the duplicate's is dropped. Rows that
    would break a unique constraint are folded first by the apps' ``person_merging``
    receivers; one they missed refuses the merge (409), never a 500.
    """
    if survivor.pk == duplicate.pk:
        raise DomainError("Choose two different people.", CoreError.SAME_PERSON)
    try:
        with transaction.atomic():
            return _merge(user=user, survivor=survivor, duplicate=duplicate)
    except IntegrityError as exc:
        raise DomainError(
            _("These records could not be merged: some of their data conflict. Nothing was changed."),
            CoreError.MERGE_CONFLICT,
            status=409,
        ) from exc


def _moving_relations() -> list[ForeignObjectRel]:
    """Every foreign key to Person, hidden ones (``related_name="+"``) included, except
    those that outlive the person on purpose (the audit trail: DO_NOTHING)."""
    return [
        field
        for field in Person._meta.get_fields(include_hidden=True)
        if isinstance(field, ForeignObjectRel) and not field.many_to_many and field.on_delete is not models.DO_NOTHING
    ]


def _merge(*, user: Actor, survivor: Person, duplicate: Person) -> Person:
    person_merging.send(sender=Person, survivor=survivor, duplicate=duplicate)
    moved: dict[str, int] = {}
    for relation in _moving_relations():
        model = relation.related_model
        field = relation.field.name
        if relation.one_to_one and model._default_manager.filter(**{field: survivor}).exists():
            model._default_manager.filter(**{field: duplicate}).delete()
            continue
        count = model._default_manager.filter(**{field: duplicate}).update(**{field: survivor})
        if count:
            moved[model._meta.label_lower] = count
    filled: dict[str, Any] = {
        key: getattr(duplicate, key)
        for key in ("phone", "email", "address", "date_of_birth", "gender", "id_number", "ward_id")
        if getattr(survivor, key) in (None, "") and getattr(duplicate, key) not in (None, "")
    }
    if not survivor.passport_number and duplicate.passport_number:
        # A passport number is one with its country.
        filled.update(passport_number=duplicate.passport_number, nationality=duplicate.nationality)
    duplicate_label = {"id": duplicate.pk, "id_number": duplicate.id_number, "name": duplicate.full_name}
    duplicate.delete()  # first: the survivor may take over its id number
    person_update(person=survivor, fields=filled, changed_by=user, source=ChangeSource.MERGE)
    audit_log(actor=user, action="person.merge", obj=survivor, detail={"merged": duplicate_label, "moved": moved})
    return survivor
