"""The range of days that statistics and report pages show: one form for all of them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from truyvet.lib.bounds import validate_past_day


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )


class PeriodForm(forms.Form):
    """Two optional dates, in either order. By default the last ``default_days`` days, today
    included; at most ``max_days`` (None: no limit). ``bounded`` refuses a date before 2019
    or after tomorrow (the period's arithmetic overflows near year 1); ``show_default`` puts
    the default period in the inputs of an unsubmitted form."""

    default_days = 14
    max_days: int | None = None
    bounded = False
    show_default = False

    date_from = _date_field(_("From"))
    date_to = _date_field(_("To"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.bounded:
            for name in ("date_from", "date_to"):
                self.fields[name].validators.append(validate_past_day)
        if self.show_default and not self.is_bound:
            date_from, date_to = self.period()
            self.initial.setdefault("date_from", date_from)
            self.initial.setdefault("date_to", date_to)

    def period(self) -> tuple[date, date]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        date_to = data.get("date_to") or today
        date_from = data.get("date_from") or date_to - timedelta(days=self.default_days - 1)
        date_from, date_to = min(date_from, date_to), max(date_from, date_to)
        if self.max_days is not None:
            date_from = max(date_from, date_to - timedelta(days=self.max_days - 1))
        return date_from, date_to


def period_slug(period: tuple[date, date]) -> str:
    """The period in a file name: ``20261101-20261114``."""
    return f"{period[0]:%Y%m%d}-{period[1]:%Y%m%d}"
