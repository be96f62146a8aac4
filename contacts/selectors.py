"""Reads of the tracing app. Staff reads go through the jurisdiction helpers."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from contacts.models import Case, Classification, Exposure, FollowUp, FollowUpState, MatchingState, Outcome
from truyvet.accounts.jurisdiction import scope_to_jurisdiction, sees_everywhere, ward_filter


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


def cases_for(user: Any) -> QuerySet[Case]:
    return scope_to_jurisdiction(Case.objects.select_related("person", "ward", "cluster"), user)


def case_exposures(case: Case, user: Any) -> QuerySet[Exposure]:
    """A case's exposures that ``user`` may see: all of them for the province, else those
    of people living in the user's wards."""
    qs = Exposure.objects.filter(case=case).select_related("person", "source_person", "venue")
    unit = getattr(user, "health_unit", None)
    if sees_everywhere(user) or (unit is not None and unit.whole_province):
        return qs  # the province's investigation includes contacts living elsewhere
    condition = ward_filter(user)
    # People with no known ward are the team's to find, so they are not hidden.
    return qs.filter(condition | Q(ward__isnull=True)) if condition is not None else qs


def exposures_status(case: Case) -> str:
    return "done" if case.matching == MatchingState.DONE else "pending"


def follow_ups_for(user: Any) -> QuerySet[FollowUp]:
    return scope_to_jurisdiction(FollowUp.objects.select_related("person", "ward", "case"), user)
