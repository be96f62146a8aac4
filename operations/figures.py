"""The epidemic figures of a ward and a day, computed from the tracing data (reads only).

What is read, from the models of the apps that own it:

- ``contacts.Case`` (confirmed cases only): new cases by the local day of confirmation
  (``confirmed_at``, else when the case was opened) and the case's ``source`` (local
  transmission, imported, unknown, as the tracing app names them); "already under
  follow-up" when the person's follow-up was closed as *became a case* (they were in
  quarantine when found); "community" are the local and unknown-source cases that were
  not. The outcome (under treatment, recovered, died) has no date in the case record, so it
  is counted as it stands now.
- ``contacts.FollowUp``: F1 and F2 under follow-up at the end of the day (for today: now).
- ``contacts.LabResult`` (by result date, the case's ward) and ``contacts.FollowUpCheck``
  (tests recorded at the daily checks, the follow-up's ward): tests and positives.
- ``operations.WardProfile``: the population; without one, the people registered in the ward.
- Vaccination coverage: the share of each ward's target population with the full series
  (``vaccination.coverage.ward_coverage_fractions``, cached a few minutes).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from contacts.models import (
    Case,
    Classification,
    FollowUp,
    FollowUpCheck,
    FollowUpState,
    LabResult,
    Outcome,
    Source,
    TestResult,
)
from operations.models import WardProfile
from operations.risk import rate_per_100k, risk_level
from truyvet.geo.models import Ward
from truyvet.lib.days import day_start
from truyvet.people.models import Person
from vaccination.coverage import ward_coverage_fractions

DONE_TESTS = (TestResult.POSITIVE, TestResult.NEGATIVE, TestResult.INCONCLUSIVE)
WINDOW_DAYS = 7


class PopulationSource:
    CENSUS = "census"  # entered in the ward's profile
    REGISTERED = "registered"  # people registered in the portal


@dataclass
class WardFigures:
    ward_code: int
    new_local: int = 0
    new_imported: int = 0
    new_unknown: int = 0
    new_in_follow_up: int = 0
    new_community: int = 0
    f1_active: int = 0
    f2_active: int = 0
    under_treatment: int = 0
    recovered: int = 0
    died: int = 0
    tests: int = 0
    tests_positive: int = 0
    community_7d: int = 0
    population: int | None = None
    population_source: str = ""
    rate_7d: Decimal | None = None
    coverage: Decimal | None = None
    level: int | None = None
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def new_cases(self) -> int:
        return self.new_local + self.new_imported + self.new_unknown


def province_ward_codes() -> list[int]:
    return list(Ward.objects.filter(province_id=settings.PROVINCE_CODE).order_by("code").values_list("code", flat=True))


def vaccination_coverage(ward_codes: list[int], day: date) -> dict[int, Decimal]:
    """Vaccination coverage per ward on ``day`` (a fraction of the target population with
    the full series; ``docs/VACCINATION.md``). Wards without a target population are absent,
    and their risk level follows the case rate alone (``operations.risk``)."""
    return ward_coverage_fractions(ward_codes, day)


def populations(ward_codes: list[int]) -> dict[int, tuple[int, str]]:
    """Each ward's population and where it comes from: the profile's census figure, else the
    people registered in the ward (one grouped count, only for wards without a figure)."""
    found: dict[int, tuple[int, str]] = {
        code: (population or 0, PopulationSource.CENSUS)
        for code, population in WardProfile.objects.filter(ward_id__in=ward_codes, population__gt=0).values_list(
            "ward_id", "population"
        )
    }
    missing = [code for code in ward_codes if code not in found]
    if missing:
        rows = Person.objects.filter(ward_id__in=missing).values("ward_id").annotate(n=Count("id")).order_by()
        for row in rows:
            found[row["ward_id"]] = (row["n"], PopulationSource.REGISTERED)
    return found


def _confirmed_cases(ward_codes: list[int]) -> Any:
    return (
        Case.objects.filter(classification=Classification.CONFIRMED, ward_id__in=ward_codes)
        .annotate(confirmed=Coalesce("confirmed_at", "created_at"))
        .order_by()
    )


def new_cases_by_day(ward_codes: list[int], first: date, last: date) -> dict[tuple[int, date], dict[str, int]]:
    """Confirmed cases per (ward, local day of confirmation) from ``first`` to ``last``: by
    source, and how many were already under follow-up."""
    in_follow_up = FollowUp.objects.filter(
        person_id=OuterRef("person_id"), state=FollowUpState.BECAME_CASE, created_at__lte=OuterRef("created_at")
    )
    qs: Any = (
        _confirmed_cases(ward_codes)
        .filter(confirmed__gte=day_start(first), confirmed__lt=day_start(last + timedelta(days=1)))
        .annotate(day=TruncDate("confirmed", tzinfo=timezone.get_current_timezone()), watched=Exists(in_follow_up))
        .values("ward_id", "day", "source", "watched")
        .annotate(n=Count("id"))
    )
    found: dict[tuple[int, date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in qs:
        counts = found[(row["ward_id"], row["day"])]
        counts[row["source"]] += row["n"]
        if row["watched"]:
            counts["in_follow_up"] += row["n"]
        elif row["source"] != Source.IMPORTED:
            counts["community"] += row["n"]
    return found


def active_follow_ups(ward_codes: list[int], day: date, *, today: date) -> dict[tuple[int, int], int]:
    """F1/F2 under follow-up per (ward, level) at the end of ``day``; for today, now."""
    qs = FollowUp.objects.filter(ward_id__in=ward_codes, level__in=[1, 2])
    if day >= today:
        qs = qs.filter(state=FollowUpState.ACTIVE)
    else:
        end = day_start(day + timedelta(days=1))
        qs = qs.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=end), created_at__lt=end)
    rows = qs.values("ward_id", "level").annotate(n=Count("id")).order_by()
    return {(row["ward_id"], row["level"]): row["n"] for row in rows}


def outcomes(ward_codes: list[int]) -> dict[tuple[int, str], int]:
    rows = (
        Case.objects.filter(classification=Classification.CONFIRMED, ward_id__in=ward_codes)
        .values("ward_id", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(row["ward_id"], row["outcome"]): row["n"] for row in rows}


def tests_on(ward_codes: list[int], day: date) -> dict[int, tuple[int, int]]:
    """(tests, positives) per ward on ``day``: lab results of cases and daily-check tests."""
    found: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    lab: Any = (
        LabResult.objects.filter(result_date=day, result__in=DONE_TESTS, case__ward_id__in=ward_codes)
        .values("case__ward_id")
        .annotate(n=Count("id"), positive=Count("id", filter=Q(result=TestResult.POSITIVE)))
        .order_by()
    )
    for row in lab:
        found[row["case__ward_id"]][0] += row["n"]
        found[row["case__ward_id"]][1] += row["positive"]
    checks: Any = (
        FollowUpCheck.objects.filter(day=day, test_result__in=DONE_TESTS, follow_up__ward_id__in=ward_codes)
        .values("follow_up__ward_id")
        .annotate(n=Count("id"), positive=Count("id", filter=Q(test_result=TestResult.POSITIVE)))
        .order_by()
    )
    for row in checks:
        found[row["follow_up__ward_id"]][0] += row["n"]
        found[row["follow_up__ward_id"]][1] += row["positive"]
    return {code: (n, positive) for code, (n, positive) in found.items()}


class StoredCounts(Protocol):
    """What ``ward_figures`` may take from a stored ward day instead of counting again."""

    ward_id: int
    f1_active: int
    f2_active: int
    tests: int
    tests_positive: int
    population: int | None
    population_source: str


def ward_figures(
    day: date,
    ward_codes: list[int] | None = None,
    *,
    today: date | None = None,
    stored: dict[int, StoredCounts] | None = None,
) -> list[WardFigures]:
    """Every ward's figures for ``day`` (the home province's wards unless given).

    With ``stored`` rows for every ward (the scheduled task's, at most 15 minutes old), the
    counts that walk the follow-ups (F1/F2, the daily checks' tests) and the population are
    taken from them, and only the cases are counted again: the live page's path. The case
    counts (new cases, the 7-day window, the level, outcomes) are always counted."""
    codes = ward_codes if ward_codes is not None else province_ward_codes()
    today = today or timezone.localdate()
    new = new_cases_by_day(codes, day - timedelta(days=WINDOW_DAYS - 1), day)
    ends = outcomes(codes)
    coverage = vaccination_coverage(codes, day)
    if stored is not None and all(code in stored for code in codes):
        follow = {(c, level): getattr(stored[c], f"f{level}_active") for c in codes for level in (1, 2)}
        tests = {c: (stored[c].tests, stored[c].tests_positive) for c in codes}
        people = {c: (stored[c].population or 0, stored[c].population_source) for c in codes if stored[c].population}
    else:
        follow = active_follow_ups(codes, day, today=today)
        tests = tests_on(codes, day)
        people = populations(codes)
    result = []
    for code in codes:
        counts = new.get((code, day), {})
        figures = WardFigures(
            ward_code=code,
            new_local=counts.get(Source.LOCAL, 0),
            new_imported=counts.get(Source.IMPORTED, 0),
            new_unknown=counts.get(Source.UNKNOWN, 0),
            new_in_follow_up=counts.get("in_follow_up", 0),
            new_community=counts.get("community", 0),
            f1_active=follow.get((code, 1), 0),
            f2_active=follow.get((code, 2), 0),
            under_treatment=ends.get((code, Outcome.UNDER_TREATMENT), 0),
            recovered=ends.get((code, Outcome.RECOVERED), 0),
            died=ends.get((code, Outcome.DIED), 0),
            tests=tests.get(code, (0, 0))[0],
            tests_positive=tests.get(code, (0, 0))[1],
            community_7d=sum(
                new.get((code, day - timedelta(days=back)), {}).get("community", 0) for back in range(WINDOW_DAYS)
            ),
            coverage=coverage.get(code),
        )
        figures.population, figures.population_source = people.get(code, (None, ""))
        figures.rate_7d = rate_per_100k(figures.community_7d, figures.population)
        figures.level = risk_level(figures.rate_7d, figures.coverage)
        result.append(figures)
    return result
