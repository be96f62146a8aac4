from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from truyvet.geo.models import Province, Ward, ZoneLevel


class OutbreakZoneForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    level = forms.TypedChoiceField(label=_("Level"), choices=ZoneLevel.choices, coerce=int, initial=ZoneLevel.HIGH)
    wards = forms.ModelMultipleChoiceField(
        label=_("Wards"), queryset=Ward.objects.none(), required=False, widget=forms.SelectMultiple(attrs={"size": 12})
    )
    whole_province = forms.ModelChoiceField(
        label=_("Or a whole province"), queryset=Province.objects.all(), required=False
    )
    starts_at = forms.DateTimeField(label=_("Starts"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(
        label=_("Ends"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, ward_queryset: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wards"].queryset = ward_queryset  # type: ignore[attr-defined]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("wards") and not data.get("whole_province"):
            raise forms.ValidationError(_("Choose wards or a whole province."))
        if data.get("ends_at") and data.get("starts_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The end must come after the start."))
        return data
