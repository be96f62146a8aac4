"""Risk rules: each answer or status gives a reason; each reason maps to a level in
``settings.RISK_LEVELS``; the declaration takes the highest. The reasons are stored, so
staff see why, and a province can change the mapping without touching code."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from truyvet.credentials.models import RISK_ORDER, RiskLevel
from truyvet.geo.selectors import outbreak_zone_for_ward
from truyvet.people.status import PersonStatus

REASON_LABELS = {
    "current_case": _("a current case (F0)"),
    "active_f1": _("an active close contact (F1)"),
    "contact_with_symptoms": _("contact with a case, with symptoms"),
    "case_contact": _("contact with a case"),
    "symptoms": _("symptoms"),
    "outbreak_zone_answer": _("was in an outbreak zone"),
    "origin_in_outbreak_zone": _("comes from an active outbreak zone"),
    "abroad_14d": _("arrived from abroad within 14 days"),
}

# Reasons that come from the server's knowledge of the person, not from their answers: only
# the proven person and health staff with jurisdiction may see them (declarations.identity).
SERVER_REASONS = frozenset({"current_case", "active_f1", "origin_in_outbreak_zone"})


@dataclass(frozen=True)
class Answers:
    """What the person answered about symptoms and exposures."""

    symptoms: list[str] = field(default_factory=list)
    case_contact: bool = False
    outbreak_zone: bool = False
    abroad_14d: bool = False


def reasons_for(
    answers: Answers, status: PersonStatus, *, at: datetime, origin_ward_code: int | None = None
) -> list[str]:
    reasons = []
    if status.is_case:
        reasons.append("current_case")
    if status.is_f1:
        reasons.append("active_f1")
    if answers.case_contact and answers.symptoms:
        reasons.append("contact_with_symptoms")
    elif answers.case_contact:
        reasons.append("case_contact")
    if answers.symptoms:
        reasons.append("symptoms")
    if answers.outbreak_zone:
        reasons.append("outbreak_zone_answer")
    if origin_ward_code and outbreak_zone_for_ward(origin_ward_code, at) is not None:
        reasons.append("origin_in_outbreak_zone")
    if answers.abroad_14d:
        reasons.append("abroad_14d")
    return reasons


def level_for(reasons: list[str]) -> str:
    levels = [settings.RISK_LEVELS.get(reason, RiskLevel.GREEN) for reason in reasons]
    return max(levels, key=lambda level: RISK_ORDER[RiskLevel(level)], default=RiskLevel.GREEN)


def assess(
    answers: Answers, status: PersonStatus, *, at: datetime, origin_ward_code: int | None = None
) -> tuple[str, list[str]]:
    reasons = reasons_for(answers, status, at=at, origin_ward_code=origin_ward_code)
    return level_for(reasons), reasons


def raise_to_status(level: str, status: PersonStatus) -> str:
    """A level issued earlier, raised if the person has since become a case or an F1."""
    extra = [r for r, on in (("current_case", status.is_case), ("active_f1", status.is_f1)) if on]
    return max([level, level_for(extra)], key=lambda lv: RISK_ORDER[RiskLevel(lv)])
