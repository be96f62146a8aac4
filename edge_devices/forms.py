"""The form of the device pages: registering a device (its body is ``schemas.DeviceIn``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from edge_devices.models import DeviceKind
from edge_devices.services import DeviceInput


class DeviceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DeviceKind.choices)
    serial = forms.CharField(label=_("Serial number"), max_length=64)
    mac = forms.CharField(label=_("MAC address"), max_length=17, required=False, help_text="AA:BB:CC:DD:EE:FF")
    label = forms.CharField(label=_("Label"), max_length=100, required=False, help_text=_("For example: lane 1."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"

    def device(self) -> DeviceInput:
        data = self.cleaned_data
        return DeviceInput(
            kind=DeviceKind(data["kind"]), serial=data["serial"].strip(), mac=data["mac"], label=data["label"].strip()
        )
