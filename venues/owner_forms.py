from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from truyvet.geo.models import Ward
from venues.models import Category
from venues.services import VenueInput


class VenueForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    address = forms.CharField(label=_("Address"), max_length=300)
    ward = forms.TypedChoiceField(label=_("Commune or ward"), coerce=int)
    latitude = forms.DecimalField(label=_("Latitude"), required=False, max_digits=12, decimal_places=8,
                                  widget=forms.NumberInput(attrs={"step": "any"}))  # fmt: skip
    longitude = forms.DecimalField(label=_("Longitude"), required=False, max_digits=12, decimal_places=8,
                                   widget=forms.NumberInput(attrs={"step": "any"}))  # fmt: skip
    require_fresh_code = forms.BooleanField(
        label=_("Only accept the code on our screen (display mode), not photos of it"), required=False
    )

    def __init__(self, *args: Any, wards: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wards = wards if wards is not None else Ward.objects.filter(province_id=settings.PROVINCE_CODE)
        self.fields["ward"].choices = [(w.code, w.name) for w in wards.order_by("sort_name", "name")]  # type: ignore[attr-defined]
        # The province's centre shows the form of the numbers a place here has.
        for name, value in zip(("latitude", "longitude"), settings.MAP_CENTER, strict=True):
            self.fields[name].widget.attrs.setdefault("placeholder", _("e.g. %(value)s") % {"value": f"{value:.6f}"})
            self.fields[name].widget.attrs.setdefault("inputmode", "decimal")
        for name, field in self.fields.items():
            if name == "require_fresh_code":
                field.widget.attrs["class"] = "form-check-input"
            else:
                field.widget.attrs.setdefault(
                    "class", "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                )

    def venue_input(self) -> VenueInput:
        d = self.cleaned_data
        return VenueInput(
            name=d["name"],
            category=d["category"],
            address=d["address"],
            ward_code=d["ward"],
            latitude=d.get("latitude"),
            longitude=d.get("longitude"),
            require_fresh_code=d.get("require_fresh_code", False),
        )


class OwnerForm(VenueForm):
    """Commune staff register an owner without a smartphone, with their first venue."""

    owner_phone = forms.CharField(label=_("Owner's mobile number"), max_length=20)
    owner_name = forms.CharField(label=_("Owner's full name"), max_length=150)

    field_order = ["owner_name", "owner_phone"]
