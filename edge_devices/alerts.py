"""Fever alerts: a reading at or above ``EDGE_FEVER_C`` alerts the checkpoint's own team (the
guards' tablets show it beside the next verdict) and the units that oversee it (the commune
station and health centre covering its ward). One alert per group of repeats, once per unit
(the alert's ``dedupe_key``), so a retried task writes nothing twice."""

from __future__ import annotations

from dataclasses import astuple

from django.conf import settings
from django.utils import formats, timezone

from checkpoints.models import Checkpoint
from edge_devices.messages import FEVER
from edge_devices.models import Reading
from truyvet.accounts.models import Alert, AlertSeverity, HealthUnit
from truyvet.accounts.selectors import units_by_ward
from truyvet.lib.messages import render

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
    # Stored as a code, read in each reader's language; the words in the default one for the admin.
    title, body = astuple(render(FEVER, params, language=settings.LANGUAGE_CODE))
    alerts = [
        Alert(
            unit=unit,
            kind=ALERT_KIND,
            severity=AlertSeverity.URGENT,
            code=FEVER,
            params=params,
            title=title[:200],
            body=body,
            url=f"/devices/readings/{reading.pk}/",
            ward_id=checkpoint.ward_id,
            person_id=reading.person_id,
            dedupe_key=key,
        )
        for unit in _units(checkpoint)
    ]
    before = Alert.objects.filter(dedupe_key=key).count()
    Alert.objects.bulk_create(alerts, ignore_conflicts=True)
    return Alert.objects.filter(dedupe_key=key).count() - before
