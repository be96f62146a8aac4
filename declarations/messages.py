"""The declarations' stored messages (``truyvet.lib.messages``): words in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from declarations.risk import REASON_LABELS
from truyvet.credentials.models import RiskLevel
from truyvet.lib.messages import register


def _flagged(params: Mapping[str, Any]) -> Mapping[str, Any]:
    level = params.get("level", "")
    return {
        "level": RiskLevel(level).label if level in RiskLevel.values else level,
        "reasons": ", ".join(str(REASON_LABELS.get(r, r)) for r in params.get("reasons", [])),
    }


DECLARED_ELSEWHERE = register(
    "declarations.declared_elsewhere",
    title=_("New health declaration"),
    body=_(
        "Somebody has just made a health declaration with your id number from another device. "
        "If it was not you, contact your commune health station."
    ),
)

# An alert for a declaration that is not green: {"level": "red", "name": ..., "reasons": [codes]}.
FLAGGED = register(
    "declarations.flagged",
    title=_("%(level)s: %(name)s"),
    body="%(reasons)s",
    prepare=_flagged,
)
