from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import ForeignObjectRel
from django.utils.translation import gettext as _

from truyvet.lib.audit import audit_log
from truyvet.lib.errors import DomainError
from truyvet.lib.text import refuse_invisible
from truyvet.people.countries import is_country
from truyvet.people.models import Household, Person, PersonHistory
from truyvet.people.normalize import normalize_name, normalize_phone, search_key
from truyvet.people.signals import person_merging
from truyvet.people.validation import validate_citizen_id, validate_date_of_birth

# Contact details whose earlier values are kept when a declaration changes them.
HISTORY_FIELDS = ("phone", "address", "ward_id", "email")


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
                "A passport number has 5 to 20 letters and digits.", "passport_format", field="passport_number"
            )
        if not is_country(country):
            raise DomainError("Unknown country code.", "unknown_country", field="nationality")
        return {"passport_number": passport, "nationality": country}
    raise DomainError("A citizen id number or a passport number is required.", "identity_required", field="id_number")


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
        raise DomainError("Not a Vietnamese mobile number.", "invalid_phone", field="phone")
    refuse_invisible(full_name, "full_name")
    refuse_invisible(address, "address")
    name = normalize_name(full_name)
    if not name:
        raise DomainError("A name is required.", "name_required", field="full_name")
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
) -> tuple[Person, bool]:
    """Find the person by citizen id (or passport + nationality) and refresh their details,
    or create them. Returns (person, created).

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
    if household is not None:
        fields["household"] = household
    person = Person.objects.select_for_update().filter(**identity).first()
    if person is None:
        if household is None and new_household:
            fields["household"] = Household.objects.create(address=address.strip(), ward_id=ward_code)
        try:
            with transaction.atomic():
                return Person.objects.create(**identity, **fields), True
        except IntegrityError:
            # Someone created the same person a moment ago: update theirs instead.
            person = Person.objects.select_for_update().get(**identity)
    changed = [key for key, value in fields.items() if value not in (None, "") and getattr(person, key) != value]
    PersonHistory.objects.bulk_create(
        [
            PersonHistory(person=person, field=key, old_value=str(getattr(person, key)), new_value=str(fields[key]))
            for key in changed
            if key in HISTORY_FIELDS and getattr(person, key) not in (None, "")
        ]
    )
    if person.household_id is None and new_household and "household" not in changed:
        fields["household"] = Household.objects.create(address=person.address, ward_id=person.ward_id)
        changed.append("household")
    for key in changed:
        setattr(person, key, fields[key])
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
    return person, False


@transaction.atomic
def person_merge(*, user: object, survivor: Person, duplicate: Person) -> Person:
    """Fold ``duplicate`` into ``survivor``: every row that points at the duplicate, in any
    app, moves to the survivor (one UPDATE per relation); then the duplicate is deleted.

    A one-to-one row the survivor already has wins; the duplicate's is dropped. Rows that
    would break a unique constraint are folded first by the apps' ``person_merging``
    receivers; one they missed refuses the merge (409), never a 500.
    """
    if survivor.pk == duplicate.pk:
        raise DomainError("Choose two different people.", "same_person")
    try:
        with transaction.atomic():
            return _merge(user=user, survivor=survivor, duplicate=duplicate)
    except IntegrityError as exc:
        raise DomainError(
            _("These records could not be merged: some of their data conflict. Nothing was changed."),
            "merge_conflict",
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


def _merge(*, user: object, survivor: Person, duplicate: Person) -> Person:
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
    for key in ("phone", "email", "address", "date_of_birth", "gender", "id_number"):
        if not getattr(survivor, key) and getattr(duplicate, key):
            setattr(survivor, key, getattr(duplicate, key))
    if not survivor.passport_number and duplicate.passport_number:
        # A passport number is one with its country.
        survivor.passport_number, survivor.nationality = duplicate.passport_number, duplicate.nationality
    if survivor.ward_id is None:
        survivor.ward_id = duplicate.ward_id
    duplicate_label = {"id": duplicate.pk, "id_number": duplicate.id_number, "name": duplicate.full_name}
    duplicate.delete()
    survivor.save()
    audit_log(actor=user, action="person.merge", obj=survivor, detail={"merged": duplicate_label, "moved": moved})
    return survivor
