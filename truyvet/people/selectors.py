from __future__ import annotations

from django.db.models import QuerySet

from truyvet.accounts.jurisdiction import scope_to_jurisdiction
from truyvet.accounts.models import User
from truyvet.people.models import Person
from truyvet.people.normalize import normalize_phone, search_key


def person_by_ref(ref: str) -> Person | None:
    return Person.objects.select_related("ward").filter(ref=ref).first()


def person_list_for(user: User, *, search: str = "") -> QuerySet[Person]:
    """People living in the user's wards, optionally searched by name, id number or phone."""
    qs = scope_to_jurisdiction(Person.objects.select_related("ward"), user, ward_field="ward")
    search = search.strip()
    if search.isdigit() and len(search) == 12:
        return qs.filter(id_number=search)
    phone = normalize_phone(search) if search else None
    if phone:
        return qs.filter(phone=phone)
    if search:
        return qs.filter(name_key__startswith=search_key(search))
    return qs


def people_sharing_phone(phone: str) -> list[Person]:
    """A citizen's household as the portal knows it: everybody declared with their phone."""
    if not phone:
        return []
    return list(Person.objects.filter(phone=phone).select_related("ward").order_by("created_at")[:50])
