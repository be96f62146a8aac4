"""Forms of the management pages: a checkpoint, and its staff."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from checkpoints.forms.monitor import style_fields
from checkpoints.services.manage import CheckpointInput
from truyvet.accounts.models import User


class CheckpointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    road = forms.CharField(label=_("Road"), max_length=200, required=False, help_text=_("For example: QL4D, Km 12."))
    border = forms.CharField(
        label=_("Border guarded"), max_length=200, required=False, help_text=_("For example: the border with Hà Nội.")
    )
    ward = forms.TypedChoiceField(label=_("Commune or ward"), coerce=int)
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=Decimal(8),
        max_value=Decimal(24),
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=Decimal(102),
        max_value=Decimal(118),
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, wards: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ward"].choices = [("", "—"), *wards]  # type: ignore[attr-defined]
        style_fields(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise forms.ValidationError(_("Give both the latitude and the longitude, or neither."))
        return data

    def checkpoint_input(self) -> CheckpointInput:
        d = self.cleaned_data
        return CheckpointInput(
            name=d["name"],
            ward_code=d["ward"],
            road=d.get("road") or "",
            border=d.get("border") or "",
            latitude=d.get("latitude"),
            longitude=d.get("longitude"),
            is_active=bool(d.get("is_active")),
        )


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        user: User = obj
        name = user.get_full_name()
        return f"{name} ({user.get_username()})" if name else user.get_username()


class StaffForm(forms.Form):
    staff = StaffChoiceField(
        label=_("Staff"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, choices: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = choices  # type: ignore[attr-defined]
        style_fields(self)
