"""Fever alerts: a reading at or above ``EDGE_FEVER_C`` alerts the checkpoint's own team (the
guards' tablets show it beside the next verdict) and the units that oversee it (the commune
station and health centre covering its ward). One alert per group of repeats, once per unit
(the alert's ``dedupe_key``), so a retried task writes nothing twice."""

from __future__ import annotations

from django.utils import formats, timezone

from checkpoints.models import Checkpoint
from edge_devices.messages import FEVER
from edge_devices.models import Reading
from truyvet.accounts.models import AlertSeverity, HealthUnit
from truyvet.accounts.selectors import units_by_ward
from truyvet.accounts.services import alerts_raise_for

ALERT_KIND = "device_fever"


def fever_dedupe_key(checkpoint_id: int, reading_id: int) -> str:
    """The key the scanner finds the checkpoint's fever alerts by (``fever:<checkpoint>:``)."""
    return f"fever:{checkpoint_id}:{reading_id}"


def _units(checkpoint: Checkpoint) -> list[HealthUnit]:
    team = HealthUnit.objects.filter(pk__in=checkpoint.staff.filter(health_unit__isnull=False).values("health_unit"))
    units = {u.pk: u for u in team}
    for unit in units_by_ward([checkpoint.ward_id]).get(checkpoint.ward_id, []):
        units.setdefault(unit.pk, unit)
    return list(units.values())


def fever_alert(reading_id: int) -> int:
    """Alert for this fever reading (the first of its group); returns how many alerts are new."""
    reading = (
        Reading.objects.filter(pk=reading_id, fever=True, fever_group__isnull=True)
        .select_related("checkpoint", "device")
        .first()
    )
    if reading is None:
        return 0
    checkpoint = reading.checkpoint
    key = fever_dedupe_key(checkpoint.pk, reading.pk)
    when = formats.date_format(timezone.localtime(reading.captured_at), "H:i:s d/m/Y")
    params = {"checkpoint": checkpoint.name, "temperature": str(reading.temperature_c), "when": when,
              "device": str(reading.device)}  # fmt: skip
    return alerts_raise_for(
        _units(checkpoint), kind=ALERT_KIND, severity=AlertSeverity.URGENT, code=FEVER, params=params,
        url=f"/devices/readings/{reading.pk}/", ward_code=checkpoint.ward_id, person_id=reading.person_id,
        dedupe_key=key,
    )  # fmt: skip
