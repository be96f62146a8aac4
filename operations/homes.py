"""Reads of the health staff's homes (``settings.STAFF_HOME_PAGES``): a commune station's
and a health centre's work of the day, and the CDC's province dashboard. Each figure is one
grouped read (no query per ward, unit or row); the lists are scoped by the user's
jurisdiction through the selectors of the apps that own the rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Case, Count, Q, Value, When
from django.utils import timezone

from checkpoints.models import Direction, Passage, Verdict
from contacts.models import FollowUp, FollowUpState
from contacts.selectors import follow_ups_due_for
from declarations.models import Declaration
from declarations.selectors import DeclarationFilters, declaration_list_for
from operations.figures import new_cases_by_day, province_ward_codes
from truyvet.accounts.models import Alert, User
from truyvet.accounts.selectors import alerts_open_for, open_alerts_by_unit
from truyvet.credentials.models import RiskLevel
from truyvet.lib.days import day_start

SHOWN = 20  # rows of each list on a home; the full list is a link away
RISKY = (RiskLevel.RED, RiskLevel.YELLOW)


@dataclass(frozen=True)
class TodayWork:
    """A station's (or health centre's) day: open alerts, follow-ups without today's check,
    today's red and yellow declarations in its wards; each a few rows and the total."""

    day: date
    alerts: list[Alert]
    alerts_total: int
    follow_ups: list[FollowUp]
    follow_ups_total: int
    declarations: list[Declaration]
    declarations_red: int
    declarations_yellow: int


def today_work_for(user: User, *, today: date | None = None) -> TodayWork:
    today = today or timezone.localdate()
    alerts = alerts_open_for(user)
    due = follow_ups_due_for(user, today=today)
    risky = declaration_list_for(user, DeclarationFilters(date_from=today, date_to=today)).filter(risk_level__in=RISKY)
    levels = dict(risky.order_by().values_list("risk_level").annotate(n=Count("pk")))
    # Red before yellow, newest first within each.
    red_first = Case(When(risk_level=RiskLevel.RED, then=Value(0)), default=Value(1))
    shown = list(risky.order_by(red_first, "-created_at", "-id")[:SHOWN])
    return TodayWork(
        day=today,
        alerts=list(alerts[:SHOWN]),
        alerts_total=alerts.count(),
        follow_ups=list(due[:SHOWN]),
        follow_ups_total=due.count(),
        declarations=shown,
        declarations_red=levels.get(RiskLevel.RED, 0),
        declarations_yellow=levels.get(RiskLevel.YELLOW, 0),
    )


@dataclass(frozen=True)
class ProvinceDashboard:
    """The CDC's figures of the day for the whole province."""

    day: date
    new_cases_today: int
    new_cases_7d: int
    f1_active: int
    f2_active: int
    declarations: dict[str, int]  # risk level -> today's count
    passages_in: int
    passages_out: int
    passages_flagged: int
    alerts_by_unit: list[dict[str, Any]] = field(default_factory=list)

    @property
    def declarations_total(self) -> int:
        return sum(self.declarations.values())


def _follow_ups() -> tuple[int, int]:
    """F1 and F2 under follow-up now: one grouped count of the active follow-ups (the stored
    ward figures lag matching by up to 15 minutes; the dashboard is read when a case lands)."""
    levels = dict(
        FollowUp.objects.filter(state=FollowUpState.ACTIVE, level__in=[1, 2])
        .order_by()
        .values_list("level")
        .annotate(n=Count("pk"))
    )
    return levels.get(1, 0), levels.get(2, 0)


def province_dashboard(*, today: date | None = None) -> ProvinceDashboard:
    today = today or timezone.localdate()
    start, end = day_start(today), day_start(today + timedelta(days=1))
    cases = new_cases_by_day(province_ward_codes(), today - timedelta(days=6), today)
    f1, f2 = _follow_ups()
    declarations = dict(
        Declaration.objects.filter(created_at__gte=start, created_at__lt=end)
        .order_by()
        .values_list("risk_level")
        .annotate(n=Count("pk"))
    )
    passages = Passage.objects.filter(scanned_at__gte=start, scanned_at__lt=end).aggregate(
        entering=Count("pk", filter=Q(direction=Direction.IN)),
        leaving=Count("pk", filter=Q(direction=Direction.OUT)),
        flagged=Count("pk", filter=Q(verdict__in=[Verdict.REFER, Verdict.DENY])),
    )

    def total(counts: dict[str, int]) -> int:
        return sum(n for source, n in counts.items() if source not in ("in_follow_up", "community"))

    return ProvinceDashboard(
        day=today,
        new_cases_today=sum(total(counts) for (_ward, day), counts in cases.items() if day == today),
        new_cases_7d=sum(total(counts) for counts in cases.values()),
        f1_active=f1,
        f2_active=f2,
        declarations={level.value: declarations.get(level.value, 0) for level in RiskLevel},
        passages_in=passages["entering"],
        passages_out=passages["leaving"],
        passages_flagged=passages["flagged"],
        alerts_by_unit=open_alerts_by_unit(),
    )
