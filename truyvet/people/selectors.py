from __future__ import annotations

from typing import TypeVar

from django.db.models import Count, Model, Q, QuerySet
from django.http import Http404

from truyvet.people.models import Household, Person, PersonHistory
from truyvet.people.normalize import normalize_phone, search_key

M = TypeVar("M", bound=Model)


def person_by_ref(ref: str) -> Person | None:
    return Person.objects.select_related("ward").filter(ref=ref).first()


def person_search(qs: QuerySet[M], text: str, *, prefix: str = "") -> QuerySet[M]:
    """Rows of ``qs`` whose person (``prefix`` is the path to it, e.g. "person__") has this
    12-digit citizen id, phone, passport number, or a name starting so (without accents)."""
    text = text.strip()
    if not text:
        return qs
    if text.isdigit() and len(text) == 12:
        return qs.filter(**{f"{prefix}id_number": text})
    phone = normalize_phone(text)
    if phone:
        return qs.filter(**{f"{prefix}phone": phone})
    if text.replace(" ", "").isalnum() and any(c.isdigit() for c in text):
        return qs.filter(**{f"{prefix}passport_number": text.replace(" ", "").upper()})
    return qs.filter(**{f"{prefix}name_key__startswith": search_key(text)})


def _within(qs: QuerySet[Person], wards: Q | None) -> QuerySet[Person]:
    return qs if wards is None else qs.filter(wards)


def person_get_for(wards: Q | None, person_id: int) -> Person:
    """The person, when they live in ``wards`` (a filter on ``ward``, as
    ``accounts.jurisdiction.ward_filter`` gives it; None: everywhere); else 404."""
    person = _within(Person.objects.select_related("ward"), wards).filter(pk=person_id).first()
    if person is None:
        raise Http404
    return person


def household_get(household_id: int) -> Household | None:
    return Household.objects.filter(pk=household_id).first()


def person_list_for(wards: Q | None, *, search: str = "") -> QuerySet[Person]:
    """People living in ``wards`` (a filter on ``ward``, as ``accounts.jurisdiction.ward_filter``
    gives it; None: everywhere), optionally searched by name, id number or phone."""
    qs = _within(Person.objects.select_related("ward"), wards)
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


def likely_duplicates_for(wards: Q | None, *, limit: int = 100) -> list[list[Person]]:
    """Groups of people in ``wards`` (as for ``person_list_for``) with the same name and date
    of birth: one GROUP BY to find the groups, one query for their members."""
    scoped = _within(Person.objects.all(), wards)
    keys = list(
        scoped.filter(date_of_birth__isnull=False)
        .values("name_key", "date_of_birth")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("name_key")[:limit]
    )
    if not keys:
        return []
    match = Q()
    for key in keys:
        match |= Q(name_key=key["name_key"], date_of_birth=key["date_of_birth"])
    groups: dict[tuple[str, object], list[Person]] = {}
    for person in scoped.filter(match).select_related("ward").order_by("name_key", "date_of_birth", "pk"):
        groups.setdefault((person.name_key, person.date_of_birth), []).append(person)
    return list(groups.values())


def related_counts(person_ids: list[int]) -> dict[int, dict[str, int]]:
    """How many rows of each kind point at each person (what a merge would move)."""
    counts: dict[int, dict[str, int]] = {pk: {} for pk in person_ids}
    for relation in Person._meta.related_objects:
        if relation.many_to_many:
            continue
        model = relation.related_model
        field = relation.field.name
        rows = (
            model._default_manager.filter(**{f"{field}__in": person_ids})
            .values(field)
            .annotate(n=Count("pk"))
            .values_list(field, "n")
        )
        for pk, n in rows:
            counts[pk][str(model._meta.verbose_name_plural)] = n
    return counts


def contact_history_for(person_id: int, *, limit: int = 20) -> list[PersonHistory]:
    return list(
        PersonHistory.objects.filter(person_id=person_id).select_related("changed_by").order_by("-changed_at")[:limit]
    )
