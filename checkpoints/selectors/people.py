"""Who a traveller is, from what staff or an operator typed: an id number, a passport
number or a phone, in a fixed number of queries whatever the number asked."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from truyvet.people.models import Person
from truyvet.people.normalize import normalize_phone, search_key


def identifier_key(*, id_number: str = "", phone: str = "") -> str:
    """How a typed id (citizen id or passport number) or phone is looked up: "id:<NUMBER>"
    or "phone:<E.164>" (the phone as typed when it is not a mobile number)."""
    if id_number:
        return "id:" + id_number.strip().upper()
    return "phone:" + (normalize_phone(phone) or phone.strip())


def people_by_identifier(keys: Iterable[str]) -> dict[str, list[int]]:
    """The people each ``identifier_key`` names (a phone can name a household), in at most
    two queries whatever the number of keys."""
    numbers = {key[3:] for key in keys if key.startswith("id:")}
    phones = {key[6:] for key in keys if key.startswith("phone:")}
    found: dict[str, list[int]] = {}
    if numbers:
        people = Person.objects.filter(Q(id_number__in=numbers) | Q(passport_number__in=numbers))
        for pk, id_number, passport in people.values_list("pk", "id_number", "passport_number").order_by("pk"):
            for number in {id_number, passport} & numbers:
                found.setdefault(f"id:{number}", []).append(pk)
    if phones:
        for pk, phone in Person.objects.filter(phone__in=phones).values_list("pk", "phone").order_by("pk"):
            found.setdefault(f"phone:{phone}", []).append(pk)
    return found


def people_by_id_number(passengers: Iterable[tuple[str, str]]) -> dict[str, int]:
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
