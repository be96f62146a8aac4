"""Forms of the monitoring and management pages: they parse, the services decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from checkpoints.manage import CheckpointInput
from checkpoints.models import Direction, Verdict
from checkpoints.reports import PassageFilters
from truyvet.accounts.models import User
from truyvet.geo.models import Ward
from truyvet.lib.bounds import validate_past_day
from truyvet.lib.periods import PeriodForm


def _style(form: forms.Form, small: bool = False) -> None:
    size = " form-control-sm" if small else ""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select" + (" form-select-sm" if small else ""))
        else:
            widget.attrs.setdefault("class", "form-control" + size)


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_past_day],  # year 1 would overflow the period's arithmetic
    )


class ReportForm(PeriodForm):
    """The checkpoint reports: by default the last seven days, at most a year."""

    default_days = 7
    max_days = 366
    bounded = True
    show_default = True


class PassageFilterForm(forms.Form):
    date_from = _date_field(_("From"))
    date_to = _date_field(_("To"))
    verdict = forms.ChoiceField(label=_("Verdict"), choices=[("", _("All verdicts")), *Verdict.choices], required=False)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=[("", _("Both directions")), *Direction.choices], required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self, small=True)

    def filters(self) -> PassageFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return PassageFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            verdict=data.get("verdict") or "",
            direction=data.get("direction") or "",
        )


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

    def __init__(self, *args: Any, wards: QuerySet[Ward], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ward"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((w.code, w.name) for w in wards.order_by("name").only("code", "name")),
        ]
        _style(self)

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
        _style(self)
