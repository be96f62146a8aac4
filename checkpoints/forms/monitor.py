"""Forms of the monitoring pages (the report's period, the passage list's filters); the
management pages' forms use the same look (``style_fields``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from checkpoints.models import Direction, Verdict
from checkpoints.selectors.reports import PassageFilters
from truyvet.lib.bounds import validate_past_day
from truyvet.lib.periods import PeriodForm


def style_fields(form: forms.Form, small: bool = False) -> None:
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
        style_fields(self, small=True)

    def filters(self) -> PassageFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return PassageFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            verdict=data.get("verdict") or "",
            direction=data.get("direction") or "",
        )
