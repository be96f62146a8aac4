"""The status rule of the COVID-safe map: pure, reads nothing but the settings.

- An assessment's score is the percent of the checklist's points met (rounded down).
- Its status by the thresholds ``SAFETYMAP_THRESHOLDS`` (defaults 80, 65, 50): at or above
  the first safe, the second at risk, the third high risk, below it unsafe; a failed
  critical criterion makes it unsafe whatever the score.
- A verified report, until it is lifted, lowers the status one step (safe → at risk →
  high risk → unsafe).
- The last assessment older than ``SAFETYMAP_STALE_HOURS`` (or none): not assessed, grey,
  decided when reading (``is_stale``), so no task has to age the rows.
- A passing assessment (status safe before any lowering) lifts the verified reports
  resolved before it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings

from safetymap.models import STATUS_ORDER, SafetyStatus


def score_of(points: Iterable[tuple[int, bool]]) -> int:
    """The percent of points met, from (points, met) per criterion; 0 for no points."""
    total = met = 0
    for value, ok in points:
        total += value
        met += value if ok else 0
    return (100 * met) // total if total else 0


def status_of(score: int, *, critical_failed: bool) -> str:
    """An assessment's status from its score and whether a critical criterion failed."""
    if critical_failed:
        return SafetyStatus.UNSAFE
    safe, at_risk, high_risk = thresholds()
    if score >= safe:
        return SafetyStatus.SAFE
    if score >= at_risk:
        return SafetyStatus.AT_RISK
    if score >= high_risk:
        return SafetyStatus.HIGH_RISK
    return SafetyStatus.UNSAFE


def thresholds() -> tuple[int, int, int]:
    safe, at_risk, high_risk = settings.SAFETYMAP_THRESHOLDS
    return int(safe), int(at_risk), int(high_risk)


def lowered(status: str, steps: int = 1) -> str:
    """``status`` moved ``steps`` toward unsafe (not assessed stays as it is)."""
    if status not in STATUS_ORDER:
        return status
    index = min(STATUS_ORDER.index(status) + steps, len(STATUS_ORDER) - 1)
    return STATUS_ORDER[index]


def is_passing(status: str) -> bool:
    """An assessment that lifts the resolved reports before it."""
    return status == SafetyStatus.SAFE


def stale_before(now: datetime) -> datetime:
    """Assessments before this time are too old: the facility shows as not assessed."""
    return now - timedelta(hours=settings.SAFETYMAP_STALE_HOURS)


def is_stale(assessed_at: datetime | None, now: datetime) -> bool:
    return assessed_at is None or assessed_at < stale_before(now)


def shown_status(status: str, assessed_at: datetime | None, now: datetime) -> str:
    """What the map shows: the stored status, or not assessed when it is too old."""
    return SafetyStatus.NOT_ASSESSED if is_stale(assessed_at, now) else status
