"""The commune risk level: the case rate per 100,000 over 7 days, its thresholds (settings),
and vaccination coverage, which lowers a level once it is recorded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from operations.risk import rate_per_100k, risk_level


def test_the_rate_is_community_cases_per_100000_people() -> None:
    assert rate_per_100k(3, 15_000) == Decimal("20.0")
    assert rate_per_100k(1, 30_000) == Decimal("3.3")
    assert rate_per_100k(0, 10_000) == Decimal("0.0")


def test_without_a_population_there_is_no_rate_and_no_level() -> None:
    assert rate_per_100k(5, None) is None
    assert rate_per_100k(5, 0) is None
    assert risk_level(None, None) is None


@pytest.mark.parametrize(
    ("rate", "level"),
    [("0", 1), ("19.9", 1), ("20", 2), ("49.9", 2), ("50", 3), ("149.9", 3), ("150", 4), ("10000", 4)],
)
def test_each_threshold_starts_the_next_level(rate: str, level: int) -> None:
    assert risk_level(Decimal(rate), None) == level


def test_the_thresholds_come_from_the_settings(settings: pytest.FixtureRequest) -> None:
    settings.OPERATIONS_RISK_RATES = [5.0, 10.0, 15.0]  # type: ignore[attr-defined]
    assert risk_level(Decimal("4.9"), None) == 1
    assert risk_level(Decimal("5"), None) == 2
    assert risk_level(Decimal("15"), None) == 4


def test_a_high_coverage_lowers_the_level_by_one_but_never_below_one() -> None:
    assert risk_level(Decimal("60"), Decimal("0.80")) == 2
    assert risk_level(Decimal("60"), Decimal("0.69")) == 3
    assert risk_level(Decimal("10"), Decimal("0.95")) == 1


def test_an_unknown_coverage_lowers_nothing() -> None:
    assert risk_level(Decimal("200"), None) == 4
