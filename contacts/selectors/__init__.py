"""Reads of the tracing app. Staff reads go through the jurisdiction helpers.

Who may see what is decided here, once for the pages and the API: ``cases_for``,
``follow_ups_for`` and ``people_in_reach`` scope the lists, and each object a URL names has
its ``<thing>_get_for(user, id)``, which answers 404 outside the user's jurisdiction
(``case_get_for``, ``follow_up_get_for``, ``person_get_for``; the chains of transmission in
``contacts.selectors.chains``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeAlias, TypeVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Count, Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from contacts.errors import NotInJurisdiction
from contacts.models import (
    EXPOSURE_KEY_PREFIX,
    Case,
    Classification,
    Cluster,
    Exposure,
    FollowUp,
    FollowUpCheck,
    FollowUpState,
    MatchingState,
    Outcome,
)
from truyvet.accounts.jurisdiction import jurisdiction_wards, sees_province, ward_filter
from truyvet.accounts.models import User
from truyvet.geo.models import Ward
from truyvet.lib.days import day_start
from truyvet.lib.models import Channel, Notification
from truyvet.people.models import Person
from truyvet.people.selectors import person_search

M = TypeVar("M", bound=Model)
# Whoever asks: reads are scoped by the user's jurisdiction, and somebody not signed in (or
# without a unit) sees nothing. Pages pass a signed-in ``User``, the API DRF's request user.
Viewer: TypeAlias = User | AnonymousUser


def person_statuses(person_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The PERSON_STATUS_PROVIDERS entry: 0 for an open (probable or confirmed) case, else
    the level of an active follow-up (a person has at most one).

    One statement for both, in plain SQL: every online check and scan batch at a checkpoint
    asks, and building two ORM queries cost more processor time than running them."""
    ids = list(person_ids)
    if not ids:
        return {}
    found: dict[int, dict[str, Any]] = {}
    with connection.cursor() as cursor:
        cursor.execute(*_statuses_sql(ids))
        for person_id, level in cursor.fetchall():
            if person_id not in found or level < found[person_id]["f_level"]:
                found[person_id] = {"f_level": level}
    return found


def _statuses_sql(ids: list[int]) -> tuple[str, list[Any]]:
    """Active follow-ups' levels and open cases (level 0) of these people, as (person, level)."""
    values: list[Any]
    if connection.vendor == "postgresql":
        # One array parameter: the same statement whatever the number of people (prepared once).
        among, values = "= ANY(%s::bigint[])", [ids]
    else:
        among, values = f"IN ({', '.join(['%s'] * len(ids))})", ids
    sql = (
        f"SELECT person_id, level FROM {FollowUp._meta.db_table} WHERE state = %s AND person_id {among}"  # noqa: S608 (our tables)
        f" UNION ALL SELECT person_id, 0 FROM {Case._meta.db_table}"
        f" WHERE outcome = %s AND classification IN (%s, %s) AND person_id {among}"
    )
    cases = [str(Outcome.UNDER_TREATMENT), str(Classification.CONFIRMED), str(Classification.PROBABLE)]
    return sql, [str(FollowUpState.ACTIVE), *values, *cases, *values]


def _in_reach(qs: QuerySet[M], user: Viewer) -> QuerySet[M]:
    """Rows of the user's wards; for the province (the CDC) also rows whose ward is not
    known: the CDC may open a case for such a person (``people_in_reach``), so the case and
    its follow-ups must not then drop out of its sight."""
    condition = ward_filter(user)
    if condition is None:
        return qs
    return qs.filter(condition | Q(ward__isnull=True)) if sees_province(user) else qs.filter(condition)


def cases_for(user: Viewer) -> QuerySet[Case]:
    return _in_reach(Case.objects.select_related("person", "ward", "cluster"), user)


def case_get_for(user: Viewer, case_id: int) -> Case:
    """A case the user may see, or 404 (``Http404``). Not ``jurisdiction.get_object_for``,
    which would scope ``cases_for`` again to the wards alone and lose the cases of unknown
    ward."""
    return get_object_or_404(cases_for(user), pk=case_id)


def case_visible_to(user: Viewer, case_id: int | None) -> bool:
    """Whether the user may see this case (a page links to it only then)."""
    return case_id is not None and cases_for(user).filter(pk=case_id).exists()


def person_open_case_for(user: Viewer, person_id: int) -> Case | None:
    """The person's open case, if the user may see it."""
    return cases_for(user).filter(person_id=person_id, outcome=Outcome.UNDER_TREATMENT).first()


def case_exposures(case: Case, user: Viewer) -> QuerySet[Exposure]:
    """A case's exposures that ``user`` may see: all of them for the province, else those
    of people living in the user's wards."""
    qs = Exposure.objects.filter(case=case).select_related("person", "source_person", "venue", "ward")
    if sees_province(user):
        return qs  # the province's investigation includes contacts living elsewhere
    condition = ward_filter(user)
    # People with no known ward are the team's to find, so they are not hidden.
    return qs.filter(condition | Q(ward__isnull=True)) if condition is not None else qs


# One exposure as the API lists it: (id, person, level, via, source person, venue code,
# overlap start, overlap end).
ExposureRecord: TypeAlias = tuple[int, int, int, str, int, str | None, datetime, datetime]


def exposure_records_for(
    user: Viewer, case: Case, *, level: int | None = None, after: int | None = None, limit: int
) -> list[ExposureRecord]:
    """The case's exposures the user may see (``case_exposures``), by id after ``after``, at
    most ``limit``; only those of ``level`` if given."""
    qs = case_exposures(case, user).order_by("pk")
    if level is not None:
        qs = qs.filter(level=level)
    if after is not None:
        qs = qs.filter(pk__gt=after)
    rows = qs.values_list(
        "pk", "person_id", "level", "via", "source_person_id", "venue__code", "overlap_start", "overlap_end"
    )
    return list(rows[:limit])


def people_in_reach(user: Viewer) -> QuerySet[Person]:
    """Whom the user may open a case for: people of their wards; for the CDC also people
    whose ward is not known."""
    return _in_reach(Person.objects.select_related("ward"), user)


def person_get_for(user: Viewer, person_id: int) -> Person:
    """A person the user may open a case for (``people_in_reach``), or 404: a page's
    not-found page, the API's ``not_found`` (``NotInJurisdiction`` is both)."""
    person = people_in_reach(user).filter(pk=person_id).first()
    if person is None:
        raise NotInJurisdiction("There is no such person in your jurisdiction.")
    return person


def exposures_status(case: Case) -> str:
    return "done" if case.matching == MatchingState.DONE else "pending"


def follow_ups_for(user: Viewer) -> QuerySet[FollowUp]:
    return _in_reach(FollowUp.objects.select_related("person", "ward", "case"), user)


def follow_up_get_for(user: Viewer, follow_up_id: int, *, active_only: bool = False) -> FollowUp:
    """A follow-up the user may see (an active one with ``active_only``), or 404 (see
    ``case_get_for``)."""
    qs = follow_ups_for(user)
    if active_only:
        qs = qs.filter(state=FollowUpState.ACTIVE)
    return get_object_or_404(qs, pk=follow_up_id)


def cluster_choices() -> QuerySet[Cluster]:
    """Every cluster, by name: the choices of the case forms and filters."""
    return Cluster.objects.order_by("name").only("pk", "name")


def ward_choices_for(user: Viewer) -> QuerySet[Ward]:
    """The user's wards, by name: where a new person may live, and the case list's filter."""
    return jurisdiction_wards(user).order_by("sort_name", "name")


# --- Staff pages ------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFilters:
    classification: str = ""
    outcome: str = ""
    cluster_id: int | None = None
    ward_code: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    search: str = ""


def case_list_for(user: Viewer, filters: CaseFilters) -> QuerySet[Case]:
    """Cases of the user's wards, newest first, filtered and searched."""
    qs = cases_for(user)
    if filters.classification:
        qs = qs.filter(classification=filters.classification)
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    if filters.cluster_id is not None:
        qs = qs.filter(cluster_id=filters.cluster_id)
    if filters.ward_code is not None:
        qs = qs.filter(ward_id=filters.ward_code)
    if filters.date_from:
        qs = qs.filter(created_at__gte=day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=day_start(filters.date_to + timedelta(days=1)))
    return person_search(qs, filters.search, prefix="person__").order_by("-created_at", "-id")


def exposure_counts(case_ids: list[int]) -> dict[int, dict[int, int]]:
    """People found per case and level, for a page of cases: one grouped query."""
    counts: dict[int, dict[int, int]] = {pk: {} for pk in case_ids}
    rows = Exposure.objects.filter(case_id__in=case_ids).values("case_id", "level").annotate(n=Count("*")).order_by()
    for row in rows:
        counts[row["case_id"]][row["level"]] = row["n"]
    return counts


def exposures_hidden_count(case: Case, visible: int) -> int:
    """How many of the case's exposures lie outside what the viewer may see."""
    return max(Exposure.objects.filter(case=case).count() - visible, 0)


def case_sources_for(case: Case, user: Viewer, *, limit: int = 500) -> list[Person]:
    """Whom a typed-in contact may have met: the case, or one of its F1s the viewer sees."""
    f1 = case_exposures(case, user).filter(level=1).values("person_id")
    people = list(Person.objects.filter(pk__in=f1).order_by("full_name", "pk")[:limit])
    return [case.person, *people]


def people_find_for(user: Viewer, text: str, *, limit: int = 20) -> list[Person]:
    """People the user may open a case for (``people_in_reach``) with this citizen id,
    passport number or phone."""
    text = text.strip()
    if not text:
        return []
    qs = people_in_reach(user)
    return list(person_search(qs, text).order_by("full_name", "pk")[:limit])


def follow_up_list_for(
    user: Viewer, *, state: str = FollowUpState.ACTIVE, today: date | None = None
) -> QuerySet[FollowUp]:
    """The station's list: for active follow-ups, those with no check recorded today first
    (``due``), then by the end of quarantine."""
    today = today or timezone.localdate()
    checked = FollowUpCheck.objects.filter(follow_up=OuterRef("pk"), day=today)
    qs = follow_ups_for(user).filter(state=state).annotate(checked_today=Exists(checked))
    return qs.order_by("checked_today", "quarantine_until", "pk")


def exposure_warnings_for(people: list[Person], *, limit: int = 50) -> list[Notification]:
    """The exposure warnings in these people's portal inbox, newest first."""
    if not people:
        return []
    return list(
        Notification.objects.filter(
            person__in=people, channel=Channel.PORTAL, dedupe_key__startswith=EXPOSURE_KEY_PREFIX
        ).order_by("-created_at")[:limit]
    )


def has_recent_exposure_warning(refs: list[str]) -> bool:
    """Whether anybody remembered on the phone was warned within a quarantine period."""
    since = timezone.now() - timedelta(days=settings.TRACING_QUARANTINE_DAYS)
    return Notification.objects.filter(
        person__ref__in=refs, channel=Channel.PORTAL, dedupe_key__startswith=EXPOSURE_KEY_PREFIX, created_at__gte=since
    ).exists()


def active_follow_ups_of(people: list[Person]) -> dict[int, FollowUp]:
    return {f.person_id: f for f in FollowUp.objects.filter(person__in=people, state=FollowUpState.ACTIVE).order_by()}


def follow_ups_due_for(user: Viewer, *, today: date | None = None) -> QuerySet[FollowUp]:
    """Active follow-ups with no check recorded today (a station's work of the day), the
    nearest end of quarantine first."""
    today = today or timezone.localdate()
    checked = FollowUpCheck.objects.filter(follow_up=OuterRef("pk"), day=today)
    return (
        follow_ups_for(user)
        .filter(state=FollowUpState.ACTIVE)
        .exclude(Exists(checked))
        .order_by("quarantine_until", "pk")
    )


# --- What an exposure alert opens --------------------------------------------------------


@dataclass(frozen=True)
class CaseResident:
    """One of the user's residents exposed to a case, with their follow-up if they have one."""

    exposure: Exposure
    follow_up: FollowUp | None


def case_residents_for(user: Viewer, case_id: int) -> list[CaseResident]:
    """The people a case exposed whom the user's unit follows up (they live in its wards;
    for the province, all of them), each with their active follow-up: what the exposure
    alerts of a unit (``/contacts/cases/<id>/follow-ups/``) open. 404 when there is none,
    so that a case in another ward says nothing of itself."""
    exposures = Exposure.objects.filter(case_id=case_id).select_related("person", "venue", "ward")
    condition = ward_filter(user)
    if not sees_province(user):
        if condition is None:
            raise Http404
        exposures = exposures.filter(condition)
    rows = list(exposures.order_by("level", "person__full_name", "pk")[:1000])
    if not rows:
        raise Http404
    active = active_follow_ups_of([row.person for row in rows])
    return [CaseResident(row, active.get(row.person_id)) for row in rows]


def resident_follow_up_for(user: Viewer, case_id: int, person_id: int) -> FollowUp | None:
    """The follow-up an exposure alert about one person opens: their active follow-up, if
    they are one of the user's residents exposed to the case (``case_residents_for``)."""
    exposed = Exposure.objects.filter(case_id=case_id, person_id=person_id)
    return (
        follow_ups_for(user)
        .filter(person_id=person_id, state=FollowUpState.ACTIVE, person__in=exposed.values("person_id"))
        .first()
    )


def exposures_of_follow_up(follow_up: FollowUp, *, limit: int = 20) -> list[Exposure]:
    """What put the person under follow-up: their exposures since the follow-up began to be
    counted (the last exposure's quarantine), newest first, with the venue."""
    since = follow_up.last_exposure_at - timedelta(days=settings.TRACING_QUARANTINE_DAYS)
    return list(
        Exposure.objects.filter(person_id=follow_up.person_id, last_contact_at__gte=since)
        .select_related("venue")
        .order_by("-last_contact_at", "pk")[:limit]
    )
