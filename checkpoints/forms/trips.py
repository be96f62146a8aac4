"""Forms of the bus trip pages: plain HTML, each works without JavaScript."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from checkpoints.models import Direction
from checkpoints.passenger_files import MAX_UPLOAD_BYTES
from checkpoints.selectors.places import province_options, ward_options
from checkpoints.services.trips import PassengerInput, TripInput


def _province_choices() -> list[tuple[str, str]]:
    return [(str(code), name) for code, name in province_options()]


def _ward_choices(province_code: int | None) -> list[tuple[str, Any]]:
    if province_code is None:
        return [("", _("Choose a province first"))]
    return [("", _("Choose a commune or ward")), *((str(code), name) for code, name in ward_options(province_code))]


class _WardPickers(forms.Form):
    """Pairs of (province, ward) selects: the ward list follows the chosen province (wards.js
    reloads it; without JavaScript a button sends the form back to show it)."""

    pickers: tuple[tuple[str, str, bool], ...] = ()  # (province field, ward field, starts at the home province)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        provinces = _province_choices()
        for province_name, ward_name, home in self.pickers:
            default = settings.PROVINCE_CODE if home else None
            self.initial.setdefault(province_name, default)
            self.fields[province_name].choices = [("", _("Choose a province")), *provinces]  # type: ignore[attr-defined]
            self.fields[ward_name].choices = _ward_choices(self._int_value(province_name, default))  # type: ignore[attr-defined]
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxInput | forms.HiddenInput | forms.FileInput):
                continue
            widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")

    def _int_value(self, name: str, default: int | None) -> int | None:
        raw = self.data.get(name) if self.is_bound else self.initial.get(name)
        try:
            return int(raw) if raw not in (None, "") else default
        except (TypeError, ValueError):
            return default


class TripForm(_WardPickers):
    pickers = (("origin_province", "origin_ward", False), ("destination_province", "destination_ward", True))

    operator_name = forms.CharField(label=_("Bus company"), max_length=200, required=False)
    route = forms.CharField(
        label=_("Route"), max_length=200, widget=forms.TextInput(attrs={"placeholder": "Hà Nội – Lai Châu"})
    )
    vehicle_plate = forms.CharField(
        label=_("Vehicle plate"), max_length=20, widget=forms.TextInput(attrs={"placeholder": "25B-012.34"})
    )
    departure_at = forms.DateTimeField(
        label=_("Departure"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    origin_province = forms.TypedChoiceField(label=_("Coming from: province"), coerce=int, choices=())
    origin_ward = forms.TypedChoiceField(label=_("Coming from: commune or ward"), coerce=int, choices=())
    destination_province = forms.TypedChoiceField(label=_("Going to: province"), coerce=int, choices=())
    destination_ward = forms.TypedChoiceField(label=_("Going to: commune or ward"), coerce=int, choices=())

    def trip_input(self) -> TripInput:
        d = self.cleaned_data
        return TripInput(
            route=d["route"],
            vehicle_plate=d["vehicle_plate"],
            departure_at=d["departure_at"],
            origin_ward_code=d["origin_ward"],
            destination_ward_code=d["destination_ward"],
            operator_name=d.get("operator_name", ""),
        )


class PassengerForm(_WardPickers):
    pickers = (("destination_province", "destination_ward", True),)

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    id_number = forms.CharField(
        label=_("Citizen id or passport number"),
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "placeholder": "0912 345 678"}),
    )
    seat = forms.CharField(label=_("Seat"), max_length=10, required=False)
    destination_province = forms.TypedChoiceField(label=_("Going to: province"), coerce=int, choices=(), required=False)
    destination_ward = forms.TypedChoiceField(
        label=_("Going to: commune or ward"), coerce=int, choices=(), required=False, empty_value=None
    )

    def passenger_input(self) -> PassengerInput:
        d = self.cleaned_data
        ward = d.get("destination_ward")
        return PassengerInput(
            full_name=d["full_name"],
            id_number=d["id_number"],
            phone=d.get("phone", ""),
            seat=d.get("seat", ""),
            destination_ward=str(ward) if ward else "",
        )


class PassengerFileForm(forms.Form):
    file = forms.FileField(
        label=_("Passenger list (.csv or .xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "class": "form-control",
                "accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is too large (2 MB at most)."))
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


class PassengerQrForm(forms.Form):
    qr_token = forms.CharField(
        label=_("Personal QR code (text)"),
        max_length=4096,
        widget=forms.TextInput(
            attrs={"class": "form-control", "autocomplete": "off", "placeholder": _("Or type / paste the code")}
        ),
    )
    seat = forms.CharField(
        label=_("Seat"), max_length=10, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )


class TripCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Trip code"),
        max_length=30,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-lg",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "placeholder": "TRIP-XXXXXXXX",
            }
        ),
    )


class PassengerIdsField(forms.Field):
    """The ids of the ticked passengers (checkboxes named ``passengers``)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Tick at least one passenger."),
        "invalid": _("Tick passengers from the list."),
    }

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        try:
            return sorted({int(v) for v in value})
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class TripPassagesForm(forms.Form):
    """Record the ticked passengers. ``client_id`` is made when the page is drawn, so the
    same form sent twice is one scan."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial=Direction.IN, widget=forms.RadioSelect
    )
    passengers = PassengerIdsField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("client_id", uuid.uuid4())
