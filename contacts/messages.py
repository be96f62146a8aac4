"""The contacts' stored messages (``truyvet.lib.messages``): words in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from truyvet.lib.messages import register


def _call(params: Mapping[str, Any]) -> Mapping[str, Any]:
    phone = params.get("phone") or ""
    return {"call": (" " + _("Health station: %(phone)s.") % {"phone": phone}) if phone else ""}


# The warning to a person found exposed: {"level": 1|2, "until": "d/m/Y", "phone": station's phone or ""}.
EXPOSURE_F1 = register(
    "contacts.exposure_f1",
    title=gettext_lazy("Close contact warning (F1)"),
    body=gettext_lazy(
        "You were in close contact with a case. Stay at home and quarantine until %(until)s, watch for symptoms "
        "and contact your commune health station for a test.%(call)s"
    ),
    prepare=_call,
)
EXPOSURE = register(
    "contacts.exposure",
    title=gettext_lazy("Exposure warning (F%(level)s)"),
    body=gettext_lazy(
        "You were in contact with a close contact of a case. Limit your movements, watch your health until "
        "%(until)s and tell your health station if you have symptoms.%(call)s"
    ),
    prepare=_call,
)
# The alert to the units that follow them up: {"level", "name", "case", "until"}.
EXPOSED = register(
    "contacts.exposed",
    title="F%(level)s: %(name)s (F0 #%(case)s)",
    body=gettext_lazy("Exposed to case #%(case)s; follow up until %(until)s."),
)


def exposure_code(level: int) -> str:
    return EXPOSURE_F1 if level == 1 else EXPOSURE
