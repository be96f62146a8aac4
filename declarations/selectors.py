"""Reads of declarations, for the citizen's pages, the staff pages and the API: each
scoped to who may see it (staff: their wards; a declarant: what they declared)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404

from declarations.identity import declarant_proof_of
from declarations.models import Declaration
from truyvet.accounts.jurisdiction import scope_to_jurisdiction, ward_filter
from truyvet.accounts.models import User
from truyvet.accounts.permissions import is_citizen, is_portal_staff
from truyvet.credentials.models import QrCredential
from truyvet.credentials.selectors import qr_credentials_for
from truyvet.lib.days import day_start
from truyvet.people.models import Person
from truyvet.people.selectors import people_sharing_phone, person_search


@dataclass(frozen=True)
class DeclarationFilters:
    kind: str = ""
    risk_level: str = ""
    ward_code: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    search: str = ""

    def given(self) -> dict[str, str]:
        """The filters set, as text (what the audit log records of a list or an export)."""
        return {name: str(value) for name, value in self.__dict__.items() if value}


def declaration_list_for(user: User, filters: DeclarationFilters) -> QuerySet[Declaration]:
    """Declarations from the user's wards, newest first, filtered and searched.

    Search takes a 12-digit citizen id, a phone number or the start of a name (accents
    optional); each hits an index on ``people_person`` first, so it stays fast at a million rows.
    """
    qs = scope_to_jurisdiction(
        Declaration.objects.select_related("person", "ward").only(
            "id", "kind", "created_at", "risk_level", "risk_reasons", "has_symptoms", "full_name",
            "identity_mismatch", "person__id", "person__full_name", "person__id_number", "person__passport_number",
            "person__phone", "person__ward",
            "ward__code", "ward__name",
        ),
        user,
    )  # fmt: skip
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.risk_level:
        qs = qs.filter(risk_level=filters.risk_level)
    if filters.ward_code is not None:
        qs = qs.filter(ward_id=filters.ward_code)
    if filters.date_from:
        qs = qs.filter(created_at__gte=day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=day_start(filters.date_to + timedelta(days=1)))
    qs = person_search(qs, filters.search, prefix="person__")
    return qs.order_by("-created_at", "-id")


def declaration_get_for(user: User, declaration_id: int) -> Declaration:
    """The declaration, for staff of the ward it was declared in or of the ward on the
    person's record (who review details that differ from it); else 404."""
    qs = Declaration.objects.select_related(
        "person", "person__ward", "ward", "origin_ward", "destination_ward", "household"
    )
    declared, recorded = ward_filter(user, "ward"), ward_filter(user, "person__ward")
    if declared is not None and recorded is not None:
        qs = qs.filter(declared | recorded)
    declaration = qs.filter(pk=declaration_id).first()
    if declaration is None:
        raise Http404
    return declaration


def identity_mismatches_for(user: User, *, limit: int = 100) -> list[Declaration]:
    """Declarations whose name or date of birth disagree with the record for their id number,
    newest first, for staff of the ward on the record (the person to call back)."""
    qs = Declaration.objects.filter(identity_mismatch=True).select_related("person", "person__ward", "ward")
    return list(scope_to_jurisdiction(qs, user, ward_field="person__ward").order_by("-created_at", "-id")[:limit])


def declaration_daily_stats_for(user: User, *, date_from: date, date_to: date) -> list[dict[str, Any]]:
    """Counts per day, ward and kind, with how many were yellow and red."""
    qs = scope_to_jurisdiction(Declaration.objects.all(), user).filter(
        created_at__gte=day_start(date_from), created_at__lt=day_start(date_to + timedelta(days=1))
    )
    rows: Any = (
        qs.annotate(day=TruncDate("created_at"))
        .values("day", "ward__code", "ward__name", "kind")
        .annotate(
            total=Count("id"),
            yellow=Count("id", filter=Q(risk_level="yellow")),
            red=Count("id", filter=Q(risk_level="red")),
        )
        .order_by("-day", "ward__sort_name", "ward__name", "kind")
    )
    return list(rows)


@dataclass(frozen=True)
class DeclarantView:
    """A declaration as its declarant sees it, and whether they may see the server's reasons."""

    declaration: Declaration
    proven: bool


def declaration_get_for_declarant(
    user: User | AnonymousUser, declaration_id: int, *, made_here: Collection[int]
) -> DeclarantView:
    """The declaration for its own pages (the answer, the QR, the printed card): made in this
    browser (``made_here``) or of the signed-in citizen's household (the phone on the
    person's record); else 404. Who may, and who sees the reasons: ``declarations.identity``."""
    declaration = Declaration.objects.select_related("person").filter(pk=declaration_id).first()
    if declaration is None:
        raise Http404
    proven = declarant_proof_of(declaration, user=user, made_here=made_here)
    if proven is None:
        raise Http404
    return DeclarantView(declaration, proven)


def latest_declarations_made_here(made_here: Collection[int]) -> list[tuple[Declaration, QrCredential]]:
    """Of the declarations this browser made, the latest for each person who holds a personal
    QR credential, with it: newest first."""
    remembered = Declaration.objects.filter(pk__in=made_here).select_related("person")
    latest: dict[int, Declaration] = {}
    for declaration in sorted(remembered, key=lambda d: d.created_at, reverse=True):
        latest.setdefault(declaration.person_id, declaration)
    credentials = qr_credentials_for(list(latest))
    return [(declaration, credentials[pk]) for pk, declaration in latest.items() if pk in credentials]


@dataclass(frozen=True)
class HouseholdMember:
    person: Person
    latest: Declaration | None
    credential: QrCredential | None


@dataclass(frozen=True)
class HouseholdView:
    members: list[HouseholdMember]
    history: list[Declaration]


def household_offered_to(user: User | AnonymousUser) -> bool:
    """Whether the declaration page offers "my household's QR codes": to citizens and to
    visitors (who sign in by phone to open it), not to staff, for whom it is no page."""
    return not is_portal_staff(user)


def household_for(user: User) -> HouseholdView:
    """A signed-in citizen's household: everybody declared with their phone, each with their
    latest declaration and current credential, and the household's declarations, newest
    first. 404 for anybody but a citizen."""
    if not is_citizen(user):
        raise Http404
    people = people_sharing_phone(user.phone or "")
    history = declarations_of_people([p.pk for p in people])
    latest: dict[int, Declaration] = {}
    for declaration in history:
        latest.setdefault(declaration.person_id, declaration)
    credentials = qr_credentials_for([p.pk for p in people])
    members = [HouseholdMember(person, latest.get(person.pk), credentials.get(person.pk)) for person in people]
    return HouseholdView(members, history)


def declarations_of_people(person_ids: list[int], *, limit: int = 50) -> list[Declaration]:
    return list(
        Declaration.objects.filter(person_id__in=person_ids).select_related("person").order_by("-created_at")[:limit]
    )


def declaration_history_for(person_id: int, *, limit: int = 20) -> list[Declaration]:
    return list(Declaration.objects.filter(person_id=person_id).order_by("-created_at")[:limit])
