"""The edge devices' stored messages (``truyvet.lib.messages``): words in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from truyvet.lib.messages import register

# A camera's fever reading: {"checkpoint": name, "temperature": "38.7", "when": "H:i:s d/m/Y", "device": name}.
FEVER = register(
    "edge_devices.fever",
    title=_("Checkpoint %(checkpoint)s: fever %(temperature)s °C"),
    body=_("%(when)s, seen by %(device)s"),
)
