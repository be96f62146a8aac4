"""The vaccination app's stored messages (``truyvet.lib.messages``): words in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from truyvet.lib.messages import register


def _reaction_words(params: Mapping[str, Any]) -> Mapping[str, Any]:
    """The stored codes (reactions, the reason) as words in the active language."""
    from vaccination.models import ReactionKind, SeriousReason

    kinds = {k.value: str(k.label) for k in ReactionKind}
    reasons = {r.value: str(r.label) for r in SeriousReason}
    return {
        "reactions": ", ".join(kinds.get(code, code) for code in params.get("reactions") or []),
        "reason": reasons.get(str(params.get("reason") or ""), str(params.get("reason") or "")),
    }


# A serious reaction after vaccination: {"site": name, "reactions": [codes], "reason": code,
# "onset": "H:i d/m/Y", "vaccinated": "d/m/Y", "product": name}.
SERIOUS_REACTION = register(
    "vaccination.serious_reaction",
    title=_("Serious reaction after vaccination at %(site)s"),
    body=_("%(reactions)s; why serious: %(reason)s; onset %(onset)s, vaccinated %(vaccinated)s with %(product)s"),
    prepare=_reaction_words,
)
