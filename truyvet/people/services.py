from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction

from truyvet.lib.errors import DomainError
from truyvet.people.models import Household, Person
from truyvet.people.normalize import normalize_name, normalize_phone, search_key


def _identity(id_number: str | None, passport_number: str | None, nationality: str | None) -> dict[str, str]:
    if id_number:
        return {"id_number": id_number.strip()}
    if passport_number:
        return {"passport_number": passport_number.strip().upper(), "nationality": (nationality or "").upper()}
    raise DomainError("A citizen id number or a passport number is required.", "identity_required", field="id_number")


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
) -> tuple[Person, bool]:
    """Find the person by citizen id (or passport + nationality) and refresh their details,
    or create them. Returns (person, created)."""
    identity = _identity(id_number, passport_number, nationality)
    e164 = normalize_phone(phone) if phone else ""
    if phone and e164 is None:
        raise DomainError("Not a Vietnamese mobile number.", "invalid_phone", field="phone")
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
    if household is not None:
        fields["household"] = household  # type: ignore[assignment]
    person = Person.objects.select_for_update().filter(**identity).first()
    if person is None:
        try:
            with transaction.atomic():
                return Person.objects.create(**identity, **fields), True
        except IntegrityError:
            # Someone created the same person a moment ago: update theirs instead.
            person = Person.objects.select_for_update().get(**identity)
    changed = [key for key, value in fields.items() if value not in (None, "") and getattr(person, key) != value]
    for key in changed:
        setattr(person, key, fields[key])
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
    return person, False
