"""What checkpoint staff are told to do with a traveller.

Each fact about the traveller is a *finding* (``no_declaration``, ``yellow``, ``active_f1``,
``fever``…); ``settings.CHECKPOINT_VERDICTS`` maps each finding to a verdict, and the most
severe verdict wins. The findings are stored on the passage, so staff see why.

The rule has a second copy in JavaScript, for a tablet offline: ``static/js/qrverify.js``
(``offlineVerdict``: the token's level and expiry and the temperature, which is all a
tablet knows without the server; ``worst`` and ``verdictFor`` as here). Change both
together: ``tests/checkpoints/test_verdict_rule_copies.py`` runs the cases of
``tests/checkpoints/verdict_cases.json`` through ``judge`` and, with Node, through the
JavaScript.

The rule reads nothing: the facts it judges come set-based from
``checkpoints.selectors.facts.people_facts``, which reads any number of people in a fixed
number of queries (their QR credential and latest declaration, their F level, their
doses), so a batch of 500 scans costs the same few queries as one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from checkpoints.models import Verdict
from declarations.risk import REASON_LABELS

VERDICT_ORDER = {Verdict.ALLOW: 0, Verdict.DECLARE: 1, Verdict.REFER: 2, Verdict.DENY: 3}

FINDING_LABELS = {
    "green": _("declared, low risk"),
    "yellow": _("declared, at risk"),
    "red": _("declared, high risk"),
    "no_declaration": _("no valid health declaration"),
    "current_case": _("a current case (F0)"),
    "active_f1": _("an active close contact (F1)"),
    "active_f2": _("an active F2 contact"),
    "fever": _("fever at the checkpoint"),
    "origin_in_outbreak_zone": _("comes from an active outbreak zone"),
}

F_LEVEL_FINDINGS = {0: "current_case", 1: "active_f1", 2: "active_f2"}


def finding_label(code: str) -> str:
    return str(FINDING_LABELS.get(code) or REASON_LABELS.get(code) or code)


_RANKS = {verdict.value: rank for verdict, rank in VERDICT_ORDER.items()}
_BY_RANK = sorted(_RANKS, key=_RANKS.__getitem__)


def verdict_for(findings: Iterable[str]) -> str:
    rules = settings.CHECKPOINT_VERDICTS
    worst = 0  # allow
    for finding in findings:
        rank = _RANKS.get(rules.get(finding, ""), 0)
        if rank > worst:
            worst = rank
    return _BY_RANK[worst]


def worst_verdict(verdicts: Iterable[str]) -> str:
    """The most severe of these verdicts (a bus: its worst passenger)."""
    return max(verdicts, key=_RANKS.__getitem__)


@dataclass(frozen=True)
class PersonFacts:
    """What is known of a person at the moment of a scan."""

    person_id: int
    display_name: str
    ward_id: int | None
    risk_level: str = ""  # the current declaration's level, raised to a later F0/F1 status
    risk_reasons: list[str] = field(default_factory=list)
    declared_at: datetime | None = None
    expires_at: datetime | None = None
    declaration_valid: bool = False
    revoked_at: datetime | None = None
    f_level: int | None = None
    vaccine_doses: int = 0
    last_dose_on: date | None = None
    ref: str = ""  # what the person's QR tokens carry
    has_credential: bool = False  # a QR credential was issued (revoked or expired or not)


@dataclass(frozen=True)
class Judgement:
    verdict: str
    risk_level: str
    f_level: int | None
    findings: list[str]


def judge(
    facts: PersonFacts | None,
    *,
    declaration_valid: bool | None = None,
    temperature: Decimal | float | None = None,
    origin_ward_code: int | None = None,
    zone_wards: frozenset[int] = frozenset(),
) -> Judgement:
    """The verdict for a traveller (``facts`` None: nobody known). ``declaration_valid``
    overrides the stored credential's validity, for a scanned token that carries its own expiry.

    Copied for tablets offline in ``static/js/qrverify.js`` (``offlineVerdict``); see the
    module's docstring."""
    found: list[str] = []
    valid = facts.declaration_valid if declaration_valid is None and facts else bool(declaration_valid)
    risk_level = facts.risk_level if facts else ""
    f_level = facts.f_level if facts else None
    if valid and risk_level:
        found.append(risk_level)
    else:
        found.append("no_declaration")
    if f_level in F_LEVEL_FINDINGS:
        found.append(F_LEVEL_FINDINGS[f_level])
    if temperature is not None and float(temperature) >= settings.CHECKPOINT_FEVER_C:
        found.append("fever")
    if origin_ward_code is not None and origin_ward_code in zone_wards:
        found.append("origin_in_outbreak_zone")
    return Judgement(verdict=verdict_for(found), risk_level=risk_level, f_level=f_level, findings=found)
