"""Fevers that a checkpoint's cameras raised, for the guard's tablet (beside the next verdict).

The alerts are the core's (``truyvet.accounts.models.Alert``), written by ``edge_devices``
with the kind ``device_fever`` and a ``dedupe_key`` of ``fever:<checkpoint id>:<reading id>``
(``edge_devices.alerts.fever_dedupe_key``): this module reads that convention, not the app.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import formats, timezone

from checkpoints.models import Checkpoint
from truyvet.accounts.models import Alert, User

# A fever is shown on the scanner this long after the camera saw it.
SHOWN_FOR = timedelta(minutes=5)


def device_fevers_for(user: User, checkpoint: Checkpoint) -> list[dict[str, Any]]:
    unit_id = getattr(user, "health_unit_id", None)
    if unit_id is None:
        return []
    alerts = Alert.objects.filter(
        unit_id=unit_id,
        kind="device_fever",
        dedupe_key__startswith=f"fever:{checkpoint.pk}:",
        acknowledged_at__isnull=True,
        created_at__gte=timezone.now() - SHOWN_FOR,
    ).order_by("-created_at")[:3]
    return [
        {
            "title": a.shown.title,
            "at": a.created_at.isoformat(),
            "when": formats.date_format(timezone.localtime(a.created_at), "H:i:s"),
        }
        for a in alerts
    ]
