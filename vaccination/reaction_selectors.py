"""Reads of reactions after vaccination (AEFI): which dose a user may report about, the
CDC's line list scoped by jurisdiction, one reaction for its page.

Who reports: a signed-in citizen about the doses of their household (the people declared
with their phone); vaccination staff with a site, about anyone's dose (people come back to
any site); health staff about the people or sites of their wards; administrators anyone.

Who reads the line list: health staff. The CDC (a whole-province unit) sees every
reaction, a health centre or commune station those of its wards: the person's ward when
reported, or the ward of the site that vaccinated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from truyvet.accounts.jurisdiction import jurisdiction_wards, sees_everywhere, sees_province
from truyvet.accounts.models import User
from truyvet.accounts.permissions import is_citizen, is_health_staff, may_vaccinate
from truyvet.lib.audit import audit_log, audit_log_many
from vaccination.models import Dose, Reaction
from vaccination.selectors import people_of_citizen, site_list_for


def dose_for_reaction(user: User | AnonymousUser, dose_id: int) -> Dose:
    """The dose ``user`` may report a reaction about, with its person and site; 404 outside."""
    doses = Dose.objects.select_related("person", "site")
    dose: Dose | None = None
    if is_citizen(user):
        household = [p.pk for p in people_of_citizen(user)]
        dose = doses.filter(pk=dose_id, person_id__in=household).first() if household else None
    elif sees_everywhere(user) or (may_vaccinate(user) and site_list_for(user).exists()):
        dose = doses.filter(pk=dose_id).first()
    elif is_health_staff(user):
        dose = doses.filter(_dose_in_jurisdiction(user), pk=dose_id).first()
    if dose is None:
        raise Http404
    return dose


def _dose_in_jurisdiction(user: User | AnonymousUser) -> Q:
    if sees_province(user):
        return Q()
    wards = jurisdiction_wards(user).values("code")
    return Q(person__ward__in=wards) | Q(site__ward__in=wards)


def reactions_for(user: User | AnonymousUser) -> QuerySet[Reaction]:
    """The reactions a health user may read (none for anybody else)."""
    rows = Reaction.objects.select_related("dose", "dose__site", "person", "ward")
    if not is_health_staff(user):
        return rows.none()
    if sees_province(user):
        return rows
    wards = jurisdiction_wards(user).values("code")
    return rows.filter(Q(ward__in=wards) | Q(dose__site__ward__in=wards))


@dataclass(frozen=True)
class ReactionFilters:
    since: date | None = None
    until: date | None = None
    serious: bool | None = None
    outcome: str = ""
    ward_code: int | None = None
    site_id: int | None = None
    product: str = ""
    kind: str = ""


def reaction_line_list(
    user: User | AnonymousUser, filters: ReactionFilters, *, request: HttpRequest | None = None, limit: int = 500
) -> list[Reaction]:
    """The line list: reactions by onset, newest first, filtered; every row read is logged."""
    rows = reactions_for(user)
    if filters.since:
        rows = rows.filter(onset_at__gte=timezone.make_aware(datetime.combine(filters.since, time.min)))
    if filters.until:
        rows = rows.filter(onset_at__lte=timezone.make_aware(datetime.combine(filters.until, time.max)))
    if filters.serious is not None:
        rows = rows.filter(serious=filters.serious)
    if filters.outcome:
        rows = rows.filter(outcome=filters.outcome)
    if filters.ward_code:
        rows = rows.filter(Q(ward_id=filters.ward_code) | Q(dose__site__ward_id=filters.ward_code))
    if filters.site_id:
        rows = rows.filter(dose__site_id=filters.site_id)
    if filters.product:
        rows = rows.filter(dose__product=filters.product)
    if filters.kind:
        # The list's JSON text holds the quoted code (portable: SQLite text, PostgreSQL jsonb::text).
        rows = rows.filter(kinds__icontains=f'"{filters.kind}"')
    found = list(rows.order_by("-onset_at", "-pk")[:limit])
    if found:
        audit_log_many(
            actor=user,
            action="vaccination.reactions_read",
            object_type=Reaction._meta.label_lower,
            rows=[(str(r.pk), r.person_id) for r in found],
            request=request,
        )
    return found


def reaction_get_for(user: User | AnonymousUser, reaction_id: int, *, request: HttpRequest | None = None) -> Reaction:
    """One reaction of the user's jurisdiction, audit-logged; 404 outside."""
    reaction = reactions_for(user).filter(pk=reaction_id).first()
    if reaction is None:
        raise Http404
    audit_log(
        actor=user, action="vaccination.reaction_read", obj=reaction, person_id=reaction.person_id, request=request
    )
    return reaction


def reactions_of_people(person_ids: list[int]) -> dict[int, list[Reaction]]:
    """The reactions reported about each dose of these people (the citizen's page), by dose id."""
    found: dict[int, list[Reaction]] = {}
    for reaction in Reaction.objects.filter(person_id__in=person_ids).order_by("onset_at"):
        found.setdefault(reaction.dose_id, []).append(reaction)
    return found
