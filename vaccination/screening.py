"""The pre-vaccination screening checklist (Ministry of Health, Decision 3588/QĐ-BYT
(2021) for COVID-19 vaccines, abridged) and the outcome its answers suggest: any
"refer" answer → refer to hospital; any "postpone" answer → postpone; else vaccinate.
The vaccinator confirms or changes the outcome."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from vaccination.models import ScreeningOutcome

# (key, question, the outcome a "yes" suggests)
QUESTIONS: list[tuple[str, Any, str]] = [
    (
        "anaphylaxis",
        _("Severe allergic reaction (anaphylaxis) after any earlier dose or vaccine component"),
        ScreeningOutcome.REFER,
    ),
    ("allergy", _("History of allergy to any agent (drugs, food, insect stings)"), ScreeningOutcome.REFER),
    ("acute_illness", _("Acute illness or fever (≥ 37.5 °C) today"), ScreeningOutcome.POSTPONE),
    ("covid_recent", _("COVID-19 in the last 3 months"), ScreeningOutcome.POSTPONE),
    ("other_vaccine", _("Another vaccine in the last 14 days"), ScreeningOutcome.POSTPONE),
    ("immunosuppressed", _("Immunodeficiency or immunosuppressive treatment"), ScreeningOutcome.REFER),
    ("pregnant", _("Pregnant (under 13 weeks) or breastfeeding"), ScreeningOutcome.REFER),
    ("chronic_uncontrolled", _("Chronic disease that is not under control"), ScreeningOutcome.REFER),
    ("bleeding", _("Bleeding disorder or anticoagulant treatment"), ScreeningOutcome.REFER),
    ("abnormal_signs", _("Abnormal vital signs at examination"), ScreeningOutcome.POSTPONE),
]


def suggested_outcome(answers: dict[str, bool]) -> str:
    yes = {key for key, value in answers.items() if value}
    suggested = [outcome for key, _question, outcome in QUESTIONS if key in yes]
    if ScreeningOutcome.REFER in suggested:
        return ScreeningOutcome.REFER
    if ScreeningOutcome.POSTPONE in suggested:
        return ScreeningOutcome.POSTPONE
    return ScreeningOutcome.VACCINATE
