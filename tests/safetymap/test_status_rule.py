"""The status rule: thresholds, critical criteria, staleness, and verified reports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from safetymap.models import Facility, Report, ReportState, SafetyStatus
from safetymap.selectors import shown_status_of
from safetymap.services import report_moderate, report_submit
from safetymap.status import lowered, score_of, status_of
from tests.safetymap.conftest import assess
from truyvet.accounts.models import User


@pytest.mark.parametrize(
    ("score", "status"),
    [
        (100, "safe"),
        (80, "safe"),
        (79, "at_risk"),
        (65, "at_risk"),
        (64, "high_risk"),
        (50, "high_risk"),
        (49, "unsafe"),
        (0, "unsafe"),
    ],
)
def test_a_score_gives_its_status_by_the_default_thresholds(score: int, status: str) -> None:
    assert status_of(score, critical_failed=False) == status


def test_a_failed_critical_criterion_is_unsafe_whatever_the_score() -> None:
    assert status_of(95, critical_failed=True) == SafetyStatus.UNSAFE


def test_the_thresholds_come_from_the_settings(settings: pytest.FixtureRequest) -> None:
    settings.SAFETYMAP_THRESHOLDS = [90, 70, 40]  # type: ignore[attr-defined]
    assert status_of(85, critical_failed=False) == SafetyStatus.AT_RISK
    assert status_of(45, critical_failed=False) == SafetyStatus.HIGH_RISK


def test_the_score_is_the_percent_of_points_met() -> None:
    assert score_of([(15, True), (15, False), (70, True)]) == 85
    assert score_of([]) == 0


def test_a_report_lowers_a_status_one_step_and_unsafe_stays_unsafe() -> None:
    assert lowered("safe") == "at_risk"
    assert lowered("high_risk") == "unsafe"
    assert lowered("unsafe") == "unsafe"
    assert lowered("not_assessed") == "not_assessed"


def test_a_full_assessment_makes_the_school_safe_and_the_facility_row_says_so(school: Facility, manager: User) -> None:
    assert assess(school, manager) == SafetyStatus.SAFE
    school.refresh_from_db()
    assert (school.status, school.score) == (SafetyStatus.SAFE, 100)
    assert shown_status_of(school) == SafetyStatus.SAFE


def test_failing_a_critical_criterion_makes_the_school_unsafe(school: Facility, manager: User) -> None:
    # Masks: 15 points, critical. 85 would be safe by the score alone.
    assert assess(school, manager, failing=["Mọi người đeo khẩu trang"]) == SafetyStatus.UNSAFE


def test_failing_ordinary_criteria_lowers_the_status_by_the_score(school: Facility, manager: User) -> None:
    # Distancing 10 + temperature 10 of 110 points: 81, safe; + ventilation 10: 72, at risk.
    assert assess(school, manager, failing=["Giữ khoảng cách", "Đo thân nhiệt"]) == SafetyStatus.SAFE
    assert assess(school, manager, failing=["Giữ khoảng cách", "Đo thân nhiệt", "Thông gió"]) == SafetyStatus.AT_RISK


def test_a_facility_never_assessed_or_assessed_too_long_ago_is_not_assessed(
    school: Facility, manager: User, settings: pytest.FixtureRequest
) -> None:
    assert shown_status_of(school) == SafetyStatus.NOT_ASSESSED
    assess(school, manager, at=timezone.now() - timedelta(hours=49))
    school.refresh_from_db()
    assert school.status == SafetyStatus.SAFE
    assert shown_status_of(school) == SafetyStatus.NOT_ASSESSED
    settings.SAFETYMAP_STALE_HOURS = 72  # type: ignore[attr-defined]
    assert shown_status_of(school) == SafetyStatus.SAFE


def test_a_verified_report_lowers_the_status_until_a_passing_assessment_after_it_is_resolved(
    school: Facility, manager: User, insider: User
) -> None:
    assess(school, manager)
    report = report_submit(facility=school, text="Không ai đeo khẩu trang ở cổng trường.")
    school.refresh_from_db()
    assert school.status == SafetyStatus.SAFE  # a report waiting for moderation changes nothing

    report_moderate(user=insider, report=report, step="verify")
    school.refresh_from_db()
    assert (school.status, school.lowered) == (SafetyStatus.AT_RISK, True)

    assess(school, manager)  # passing, but the report is not resolved yet
    school.refresh_from_db()
    assert school.status == SafetyStatus.AT_RISK

    report_moderate(user=insider, report=report, step="resolve")
    school.refresh_from_db()
    assert school.status == SafetyStatus.AT_RISK  # still lowered until the next passing assessment

    assess(school, manager, failing=["Giữ khoảng cách", "Đo thân nhiệt", "Thông gió"])  # at risk: not passing
    school.refresh_from_db()
    assert school.status == SafetyStatus.HIGH_RISK

    assess(school, manager)
    school.refresh_from_db()
    assert (school.status, school.lowered) == (SafetyStatus.SAFE, False)
    assert Report.objects.get(pk=report.pk).lifted_at is not None


def test_a_rejected_report_changes_nothing(school: Facility, manager: User, insider: User) -> None:
    assess(school, manager)
    report = report_submit(facility=school, text="Tôi không thích trường này.")
    report_moderate(user=insider, report=report, step="reject")
    school.refresh_from_db()
    assert school.status == SafetyStatus.SAFE
    assert Report.objects.get(pk=report.pk).state == ReportState.REJECTED
