"""The staff forms of the operations map. The agency a record belongs to is chosen among
the user's agencies for the topic; the services check it again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from operations.models import (
    Agency,
    ConsultationEntry,
    MedicalFacility,
    PlaceKind,
    QuarantinePlace,
    ResourceReport,
)
from truyvet.geo.models import Ward


def _style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


def _province_wards() -> QuerySet[Ward]:
    return Ward.objects.filter(province_id=settings.PROVINCE_CODE).order_by("sort_name", "name")


class AgencyChoiceMixin:
    """An ``agency`` field offering the user's agencies only."""

    fields: dict[str, forms.Field]

    def set_agencies(self, agencies: QuerySet[Agency]) -> None:
        field = self.fields["agency"]
        field.queryset = agencies  # type: ignore[attr-defined]
        field.empty_label = None  # type: ignore[attr-defined]
        if "ward" in self.fields:
            self.fields["ward"].queryset = _province_wards()  # type: ignore[attr-defined]


class DirectiveForm(AgencyChoiceMixin, forms.Form):
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    number = forms.CharField(label=_("Number"), max_length=60)
    issued_on = forms.DateField(label=_("Date issued"), widget=forms.DateInput(attrs={"type": "date"}))
    issuer = forms.CharField(label=_("Issued by"), max_length=200)
    title = forms.CharField(label=_("Title"), max_length=300)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    pdf = forms.FileField(
        label=_("PDF"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        help_text=_("A PDF file of at most %(mb)s MB.") % {"mb": settings.OPERATIONS_DIRECTIVE_MAX_MB},
    )

    def __init__(self, *args: Any, agencies: QuerySet[Agency], new: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_agencies(agencies)
        self.fields["pdf"].required = new  # a change keeps the PDF unless a new one is attached
        _style(self)


class DirectiveSearchForm(forms.Form):
    q = forms.CharField(label=_("Search directives"), required=False, max_length=100)


class LabCountForm(AgencyChoiceMixin, forms.Form):
    agency = forms.ModelChoiceField(label=_("Laboratory"), queryset=Agency.objects.none())
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    tests = forms.IntegerField(label=_("Tests"), min_value=0, max_value=10_000_000)
    positives = forms.IntegerField(label=_("Positive"), min_value=0, max_value=10_000_000)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_agencies(agencies)
        _style(self)


class FacilityForm(AgencyChoiceMixin, forms.ModelForm):
    class Meta:
        model = MedicalFacility
        fields = ["agency", "name", "kind", "ward", "address", "phone", "latitude", "longitude", "is_active"]

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_agencies(agencies)
        _style(self)


REPORT_FIELDS = [
    "beds_total",
    "beds_occupied",
    "icu_total",
    "icu_occupied",
    "ventilators_total",
    "ventilators_in_use",
    "oxygen_cylinders",
    "oxygen_tanks",
    "doctors",
    "nurses",
]


class ResourceReportForm(forms.ModelForm):
    class Meta:
        model = ResourceReport
        fields = [*REPORT_FIELDS, "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in REPORT_FIELDS:
            self.fields[name].max_value = 1_000_000  # type: ignore[attr-defined]
            self.fields[name].widget.attrs["max"] = 1_000_000
        _style(self)


class PlaceForm(AgencyChoiceMixin, forms.ModelForm):
    class Meta:
        model = QuarantinePlace
        fields = ["agency", "name", "kind", "ward", "address", "phone", "price_note", "is_active"]

    def __init__(self, *args: Any, agencies: QuerySet[Agency], kinds: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_agencies(agencies)
        self.fields["kind"].choices = [(k, label) for k, label in PlaceKind.choices if k in kinds]  # type: ignore[attr-defined]
        _style(self)


class OccupancyForm(forms.Form):
    capacity = forms.IntegerField(label=_("Capacity"), min_value=0, max_value=1_000_000)
    occupied = forms.IntegerField(label=_("Occupied"), min_value=0, max_value=1_000_000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class ConsultationForm(AgencyChoiceMixin, forms.ModelForm):
    class Meta:
        model = ConsultationEntry
        fields = ["agency", "kind", "name", "phone", "ward", "hours", "note", "is_active"]

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_agencies(agencies)
        _style(self)
