"""The scanner's type-in box, for a tablet without JavaScript: it records a passage with a
plain form post."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checkpoints.models import Direction, VehicleType
from checkpoints.schemas import ScanIn
from checkpoints.selectors.lookup import typed_identifier
from checkpoints.services.scans import ScanItem
from truyvet.lib.schema import Invalid, Refusal, Refused, convert, max_length


class ManualScanForm(forms.Form):
    """The type-in box. Its widgets read the text; what the code names is the lookup's
    decision (``typed_identifier``), and the passage is then checked against the batch
    item's one definition (``checkpoints.schemas.ScanIn``), as if a tablet had sent it."""

    code = forms.CharField(
        label=_("Id number, phone, QR code text or trip code"), max_length=max_length(ScanIn, "qr_token")
    )
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, initial=Direction.IN)
    vehicle_plate = forms.CharField(
        label=_("Vehicle plate"), max_length=max_length(ScanIn, "vehicle_plate"), required=False
    )
    vehicle_type = forms.ChoiceField(label=_("Vehicle"), choices=[("", "—"), *VehicleType.choices], required=False)
    temperature = forms.DecimalField(
        label=_("Temperature (°C)"), max_digits=3, decimal_places=1, min_value=30, max_value=45, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        field, value = typed_identifier(data["code"])
        item: dict[str, Any] = {
            "client_id": str(uuid.uuid4()),
            "direction": data["direction"],
            "scanned_at": timezone.now().isoformat(),
            field: value,
        }
        if data.get("temperature") is not None:
            item["temperature"] = str(data["temperature"])
        if field != "trip_code":
            item["vehicle_plate"] = data.get("vehicle_plate", "")
            item["vehicle_type"] = data.get("vehicle_type", "")
        try:
            self._item = convert(item, ScanIn).item()
        except Refused as refused:
            self._refuse(refused.refusal)
        except Invalid as invalid:
            self._refuse(Refusal(invalid.field, invalid.message))
        return data

    def _refuse(self, refusal: Refusal) -> None:
        name = refusal.field.split(".", 1)[0]
        self.add_error(name if name in self.fields else "code" if name else None, refusal.message)

    def scan_item(self) -> ScanItem:
        return self._item
