"""The checkpoints' stored messages (``truyvet.lib.messages``): words in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from checkpoints.verdicts import finding_label
from truyvet.lib.messages import register


def _passage(params: Mapping[str, Any]) -> Mapping[str, Any]:
    return {"why": ", ".join(finding_label(code) for code in params.get("reasons", []))}


# A flagged passage: {"checkpoint": name, "who": name or identifier, "when": "H:i d/m/Y", "reasons": [codes]}.
DENIED = register(
    "checkpoints.denied",
    title=_("Checkpoint %(checkpoint)s: %(who)s (denied)"),
    body="%(when)s: %(why)s",
    prepare=_passage,
)
REFERRED = register(
    "checkpoints.referred",
    title=_("Checkpoint %(checkpoint)s: %(who)s (referred to the health desk)"),
    body="%(when)s: %(why)s",
    prepare=_passage,
)
