"""The forms of the safety map's pages: each reads what its widgets give into a service's
input (``FacilityInput``, ``CriterionInput``) or a body of ``safetymap.schemas``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safetymap.models import Checklist, Facility, FacilityType, SafetyStatus
from safetymap.services import FacilityInput


def _styled(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if widget.attrs.get("class"):
            continue
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select"
        else:
            widget.attrs["class"] = "form-control"


class FacilityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    type = forms.ChoiceField(label=_("Type"), choices=FacilityType.choices)
    ward_code = forms.TypedChoiceField(label=_("Commune or ward"), coerce=int)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    latitude = forms.CharField(label=_("Latitude"), max_length=20)
    longitude = forms.CharField(label=_("Longitude"), max_length=20)
    capacity = forms.IntegerField(label=_("Capacity"), required=False, min_value=0, max_value=1_000_000)
    managers = forms.CharField(
        label=_("Managers"),
        required=False,
        max_length=500,
        help_text=_("User names or phones of facility managers, separated by commas."),
    )
    venue_code = forms.CharField(label=_("QR venue code"), required=False, max_length=12)

    def __init__(self, *args: Any, wards: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["ward_code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *[(str(code), name) for code, name in wards]]
        _styled(self)

    @staticmethod
    def initial_of(facility: Facility) -> dict[str, Any]:
        return {
            "name": facility.name,
            "type": facility.type,
            "ward_code": facility.ward_id,
            "address": facility.address,
            "latitude": str(facility.latitude),
            "longitude": str(facility.longitude),
            "capacity": facility.capacity,
            "managers": ", ".join(m.get_username() for m in facility.managers.all()),
            "venue_code": facility.venue.code if facility.venue else "",
        }

    def to_input(self) -> FacilityInput:
        data = self.cleaned_data
        return FacilityInput(
            name=data["name"],
            type=data["type"],
            ward_code=data["ward_code"],
            address=data.get("address") or "",
            latitude=data["latitude"],
            longitude=data["longitude"],
            capacity=data.get("capacity"),
            managers=[m for m in (data.get("managers") or "").replace(";", ",").split(",") if m.strip()],
            venue_code=data.get("venue_code") or "",
        )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)


class ReportForm(forms.Form):
    text = forms.CharField(
        label=_("What is wrong?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Say what you saw and when. Do not write names or phone numbers."),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)


class ModerationForm(forms.Form):
    step = forms.ChoiceField(choices=[("verify", _("Verify")), ("reject", _("Reject")), ("resolve", _("Resolved"))])
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Your answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)


class ChecklistForm(forms.Form):
    """A checklist's criteria as rows of fields (``text_N``, ``text_en_N``, ``points_N``,
    ``critical_N``), the current ones and a few empty rows to add more; a row left without
    Vietnamese words is dropped."""

    note = forms.CharField(label=_("What changed"), max_length=300, required=False)

    def __init__(self, *args: Any, checklist: Checklist | None, extra: int = 3, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        criteria = list(checklist.criteria.all()) if checklist else []
        self.rows: list[int] = list(range(len(criteria) + extra))
        for index in self.rows:
            c = criteria[index] if index < len(criteria) else None
            self.fields[f"text_{index}"] = forms.CharField(
                label=_("Criterion (Vietnamese)"), max_length=300, required=False, initial=c.text if c else ""
            )
            self.fields[f"text_en_{index}"] = forms.CharField(
                label=_("Criterion (English)"), max_length=300, required=False, initial=c.text_en if c else ""
            )
            self.fields[f"points_{index}"] = forms.IntegerField(
                label=_("Points"), min_value=1, max_value=100, required=False, initial=c.points if c else None
            )
            self.fields[f"critical_{index}"] = forms.BooleanField(
                label=_("Critical"), required=False, initial=c.critical if c else False
            )
        _styled(self)

    def row_fields(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"text_{i}"], self[f"text_en_{i}"], self[f"points_{i}"], self[f"critical_{i}"]] for i in self.rows
        ]

    def criteria(self) -> list[Any]:
        from safetymap.services import CriterionInput

        data = self.cleaned_data
        found = []
        for i in self.rows:
            text = (data.get(f"text_{i}") or "").strip()
            if not text:
                continue
            found.append(
                CriterionInput(
                    text=text,
                    text_en=(data.get(f"text_en_{i}") or "").strip(),
                    points=data.get(f"points_{i}") or 10,
                    critical=bool(data.get(f"critical_{i}")),
                )
            )
        return found


class StatisticsFilter(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=[("", _("All types")), *FacilityType.choices], required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)


STATUS_CHOICES = SafetyStatus.choices
