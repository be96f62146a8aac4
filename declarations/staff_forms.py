from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from declarations.models import Kind
from declarations.selectors import DeclarationFilters
from truyvet.credentials.models import RiskLevel
from truyvet.lib.widgets import PlainSelect


class DeclarationFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, id or phone"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *Kind.choices], required=False, widget=PlainSelect
    )
    risk_level = forms.ChoiceField(
        label=_("Risk"), choices=[("", _("All levels")), *RiskLevel.choices], required=False, widget=PlainSelect
    )
    # The staff member's wards (a province's for the CDC): PlainSelect writes them without templates.
    ward = forms.TypedChoiceField(label=_("Ward"), coerce=int, required=False, empty_value=None, widget=PlainSelect)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, wards: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ward"].choices = [("", _("All my wards")), *((str(w.code), w.name) for w in wards)]  # type: ignore[attr-defined]
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class",
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm",
            )

    def filters(self) -> DeclarationFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return DeclarationFilters(
            kind=data.get("kind") or "",
            risk_level=data.get("risk_level") or "",
            ward_code=data.get("ward"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            search=data.get("q") or "",
        )
