"""Reads of the tracing app. Staff reads go through the jurisdiction helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Count, Exists, Model, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from contacts.models import (
    EXPOSURE_KEY_PREFIX,
    Case,
    Classification,
    Exposure,
    FollowUp,
    FollowUpCheck,
    FollowUpState,
    MatchingState,
    Outcome,
)
from truyvet.accounts.jurisdiction import sees_province, ward_filter
from truyvet.lib.days import day_start
from truyvet.lib.models import Channel, Notification
from truyvet.people.models import Person
from truyvet.people.selectors import person_search

M = TypeVar("M", bound=Model)


def person_statuses(person_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The PERSON_STATUS_PROVIDERS entry: 0 for an open (probable or confirmed) case, else
    the level of an active follow-up."""
    found: dict[int, dict[str, Any]] = {}
    for person_id, level in FollowUp.objects.filter(person_id__in=person_ids, state=FollowUpState.ACTIVE).values_list(
        "person_id", "level"
    ):
        found[person_id] = {"f_level": level}
    for person_id in Case.objects.filter(
        person_id__in=person_ids,
        outcome=Outcome.UNDER_TREATMENT,
        classification__in=[Classification.CONFIRMED, Classification.PROBABLE],
    ).values_list("person_id", flat=True):
        found[person_id] = {"f_level": 0}
    return found


def _in_reach(qs: QuerySet[M], user: Any) -> QuerySet[M]:
    """Rows of the user's wards; for the province (the CDC) also rows whose ward is not
    known: the CDC may open a case for such a person (``people_in_reach``), so the case and
    its follow-ups must not then drop out of its sight."""
    condition = ward_filter(user)
    if condition is None:
        return qs
    return qs.filter(condition | Q(ward__isnull=True)) if sees_province(user) else qs.filter(condition)


def cases_for(user: Any) -> QuerySet[Case]:
    return _in_reach(Case.objects.select_related("person", "ward", "cluster"), user)


def get_case_for(user: Any, case_id: int) -> Case:
    """A case the user may see, or 404. Not ``jurisdiction.get_object_for``, which would
    scope ``cases_for`` again to the wards alone and lose the cases of unknown ward."""
    return get_object_or_404(cases_for(user), pk=case_id)


def case_exposures(case: Case, user: Any) -> QuerySet[Exposure]:
    """A case's exposures that ``user`` may see: all of them for the province, else those
    of people living in the user's wards."""
    qs = Exposure.objects.filter(case=case).select_related("person", "source_person", "venue")
    if sees_province(user):
        return qs  # the province's investigation includes contacts living elsewhere
    condition = ward_filter(user)
    # People with no known ward are the team's to find, so they are not hidden.
    return qs.filter(condition | Q(ward__isnull=True)) if condition is not None else qs


def people_in_reach(user: Any) -> QuerySet[Person]:
    """Whom the user may open a case for: people of their wards; for the CDC also people
    whose ward is not known."""
    return _in_reach(Person.objects.select_related("ward"), user)


def exposures_status(case: Case) -> str:
    return "done" if case.matching == MatchingState.DONE else "pending"


def follow_ups_for(user: Any) -> QuerySet[FollowUp]:
    return _in_reach(FollowUp.objects.select_related("person", "ward", "case"), user)


def get_follow_up_for(user: Any, follow_up_id: int, **lookup: Any) -> FollowUp:
    """A follow-up the user may see (and matching ``lookup``), or 404 (see ``get_case_for``)."""
    return get_object_or_404(follow_ups_for(user), pk=follow_up_id, **lookup)


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


def case_list_for(user: Any, filters: CaseFilters) -> QuerySet[Case]:
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


def case_sources_for(case: Case, user: Any, *, limit: int = 500) -> list[Person]:
    """Whom a typed-in contact may have met: the case, or one of its F1s the viewer sees."""
    f1 = case_exposures(case, user).filter(level=1).values("person_id")
    people = list(Person.objects.filter(pk__in=f1).order_by("full_name", "pk")[:limit])
    return [case.person, *people]


def people_find_for(user: Any, text: str, *, limit: int = 20) -> list[Person]:
    """People the user may open a case for (``people_in_reach``) with this citizen id,
    passport number or phone."""
    text = text.strip()
    if not text:
        return []
    qs = people_in_reach(user)
    return list(person_search(qs, text).order_by("full_name", "pk")[:limit])


def follow_up_list_for(
    user: Any, *, state: str = FollowUpState.ACTIVE, today: date | None = None
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
