"""The figures of a ward and a day, against cases and follow-ups built by hand: new cases by
source, those already under follow-up, community cases over 7 days and the level, F1/F2 at
the end of a past day and now, outcomes, tests, the population; and storing them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.models import Case, FollowUp, FollowUpCheck, FollowUpState, LabResult, Outcome, Source
from contacts.models import TestResult as LabOutcome
from operations.figures import PopulationSource, ward_figures
from operations.models import WardDay, WardProfile
from operations.services import ward_days_store
from operations.tasks import compute_ward_days
from tests.factories import CaseFactory, PersonFactory, home_ward
from truyvet.lib.days import day_start

pytestmark = pytest.mark.django_db


def case(ward_index: int = 0, *, days_ago: int = 0, **fields: object) -> Case:
    person = PersonFactory(ward=home_ward(ward_index))
    at = timezone.now() - timedelta(days=days_ago)
    made = CaseFactory(person=person, confirmed_at=at, **fields)
    Case.objects.filter(pk=made.pk).update(created_at=at)
    made.refresh_from_db()
    return made


def follow_up(level: int, *, created_days_ago: float, state: str = FollowUpState.ACTIVE, closed_at=None, person=None):  # type: ignore[no-untyped-def]
    now = timezone.now()
    made = FollowUp.objects.create(
        person=person or PersonFactory(),
        ward=home_ward(0),
        level=level,
        last_exposure_at=now - timedelta(days=created_days_ago),
        quarantine_until=timezone.localdate() + timedelta(days=10),
        state=state,
        closed_at=closed_at,
    )
    FollowUp.objects.filter(pk=made.pk).update(created_at=now - timedelta(days=created_days_ago))
    return made


@pytest.fixture
def tracing() -> dict[str, object]:
    """Ward A: cases of today (local, imported, one found in quarantine), of 3 and 8 days ago,
    a probable case; F1/F2 follow-ups, one closed late yesterday; a lab result and a daily
    check with a test. Ward B: one case of today."""
    today = timezone.localdate()
    watched_person = PersonFactory(ward=home_ward(0))
    follow_up(1, created_days_ago=4, state=FollowUpState.BECAME_CASE, closed_at=timezone.now(), person=watched_person)
    built = {
        "community": case(source=Source.LOCAL),
        "imported": case(source=Source.IMPORTED),
        "watched": None,
        "three_days": case(days_ago=3, source=Source.UNKNOWN, outcome=Outcome.RECOVERED),
        "eight_days": case(days_ago=8, source=Source.LOCAL, outcome=Outcome.DIED),
        "probable": case(source=Source.LOCAL, classification="probable"),
        "ward_b": case(1, source=Source.LOCAL),
    }
    watched = CaseFactory(person=watched_person, source=Source.LOCAL)
    built["watched"] = watched
    f1 = follow_up(1, created_days_ago=2)
    follow_up(2, created_days_ago=2)
    follow_up(1, created_days_ago=5, state=FollowUpState.COMPLETED, closed_at=day_start(today) - timedelta(hours=1))
    LabResult.objects.create(
        case=built["community"],
        sample_date=today,
        result_date=today,
        result=LabOutcome.POSITIVE,  # type: ignore[misc]
    )
    LabResult.objects.create(case=built["imported"], sample_date=today, result=LabOutcome.PENDING)  # type: ignore[misc]
    FollowUpCheck.objects.create(follow_up=f1, day=today, test_result=LabOutcome.NEGATIVE)
    WardProfile.objects.create(ward=home_ward(0), population=10_000)
    return built


def figures_of(day, index: int = 0):  # type: ignore[no-untyped-def]
    (found,) = ward_figures(day, [home_ward(index).code])
    return found


def test_new_cases_are_counted_by_source_and_confirmed_ones_only(tracing: dict[str, object]) -> None:
    today = figures_of(timezone.localdate())
    assert (today.new_local, today.new_imported, today.new_unknown) == (2, 1, 0)
    assert today.new_cases == 3  # the probable case is not counted


def test_a_case_found_under_follow_up_is_not_a_community_case(tracing: dict[str, object]) -> None:
    today = figures_of(timezone.localdate())
    assert today.new_in_follow_up == 1
    assert today.new_community == 1  # imported and already-watched cases are not community cases


def test_the_seven_day_window_gives_the_rate_and_the_level(tracing: dict[str, object]) -> None:
    today = figures_of(timezone.localdate())
    assert today.community_7d == 2  # today's community case and the one of 3 days ago, not 8
    assert (today.population, today.population_source) == (10_000, PopulationSource.CENSUS)
    assert str(today.rate_7d) == "20.0"
    assert today.level == 2


def test_f1_and_f2_are_those_under_follow_up_at_the_end_of_the_day(tracing: dict[str, object]) -> None:
    today = timezone.localdate()
    assert (figures_of(today).f1_active, figures_of(today).f2_active) == (1, 1)
    # Yesterday evening: the active F1 and the one who became a case today, not the one
    # whose quarantine closed late yesterday; the day before, all three.
    assert figures_of(today - timedelta(days=1)).f1_active == 2
    assert figures_of(today - timedelta(days=2)).f1_active == 3
    assert figures_of(today - timedelta(days=6)).f1_active == 0


def test_outcomes_are_totals_as_the_case_records_stand(tracing: dict[str, object]) -> None:
    today = figures_of(timezone.localdate())
    assert (today.under_treatment, today.recovered, today.died) == (3, 1, 1)


def test_tests_come_from_lab_results_and_daily_checks_with_a_result(tracing: dict[str, object]) -> None:
    today = figures_of(timezone.localdate())
    assert (today.tests, today.tests_positive) == (2, 1)


def test_a_ward_without_a_population_counts_its_registered_people(tracing: dict[str, object]) -> None:
    ward_b = figures_of(timezone.localdate(), 1)
    assert ward_b.population_source == PopulationSource.REGISTERED
    assert ward_b.population == 1  # the one person of ward B
    assert ward_b.new_local == 1 and ward_b.level == 4  # one case among one person


def test_storing_a_day_twice_writes_the_same_rows(tracing: dict[str, object]) -> None:
    today = timezone.localdate()
    compute_ward_days()
    first = list(WardDay.objects.order_by("day", "ward_id").values())
    compute_ward_days()
    second = list(WardDay.objects.order_by("day", "ward_id").values())
    strip = [{k: v for k, v in row.items() if k not in {"computed_at"}} for row in first]
    assert strip == [{k: v for k, v in row.items() if k not in {"computed_at"}} for row in second]
    assert {row["day"] for row in second} == {today - timedelta(days=1), today}
    stored = WardDay.objects.get(day=today, ward=home_ward(0))
    assert (stored.new_community, stored.level, stored.f1_active, stored.under_treatment) == (1, 2, 1, 3)
    # Yesterday was first computed today: its outcomes are not known (the records have no dates).
    assert WardDay.objects.get(day=today - timedelta(days=1), ward=home_ward(0)).under_treatment is None


def test_an_old_day_keeps_the_outcomes_it_had(tracing: dict[str, object]) -> None:
    today = timezone.localdate()
    old = today - timedelta(days=5)
    ward_days_store(days=[old], today=today)
    row = WardDay.objects.get(day=old, ward=home_ward(0))
    assert row.recovered is None  # outcomes have no date: an old day computed now has none
    WardDay.objects.filter(pk=row.pk).update(recovered=7)
    ward_days_store(days=[old], today=today)
    assert WardDay.objects.get(pk=row.pk).recovered == 7


def test_the_task_fills_a_range_of_days(tracing: dict[str, object]) -> None:
    today = timezone.localdate()
    first = today - timedelta(days=9)
    compute_ward_days(first.isoformat(), today.isoformat())
    assert WardDay.objects.values("day").distinct().count() == 10
    eight = WardDay.objects.get(day=today - timedelta(days=8), ward=home_ward(0))
    assert eight.new_local == 1
