"""The forms of the relief pages. The public forms read what their widgets give, then check
it against the body of ``relief.schemas`` (its refusals land on the fields); the staff forms
read filters and the steps of a request."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from relief import schemas
from relief.consent import CONSENT_TEXT
from relief.models import Availability, EventAction, HelpKind, HelpStatus, Skill, Volunteer
from truyvet.geo.models import Ward
from truyvet.lib.bounds import MAX_INT
from truyvet.lib.schema import Refused, convert


def home_ward_choices() -> list[tuple[str, str]]:
    wards = (
        Ward.objects.filter(province_id=settings.PROVINCE_CODE)
        .order_by("sort_name", "name")
        .values_list("code", "name")
    )
    return [(str(code), name) for code, name in wards]


def _coordinate(value: str) -> float | None:
    """A latitude or longitude as typed: a dot or a comma before the decimals."""
    text = (value or "").strip().replace(",", ".")
    if not text or len(text) > 20 or not text.isascii():
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number


def _set_choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _styled(form: forms.Form) -> None:
    """Bootstrap's classes on the widgets that have none."""
    for field in form.fields.values():
        widget = field.widget
        if widget.attrs.get("class"):
            continue
        if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple | forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select"
        else:
            widget.attrs["class"] = "form-control"


class _SchemaForm(forms.Form):
    """A form whose answers are then checked by a body of ``relief.schemas``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)

    def _check(self, data: dict[str, Any], body: type[Any], where: dict[str, str] | None = None) -> Any:
        try:
            return convert(data, body)
        except Refused as refused:
            field = refused.refusal.field.split(".")[0]
            field = (where or {}).get(field, field)
            self.add_error(field if field in self.fields else None, refused.refusal.message)
            return None


class HelpRequestForm(_SchemaForm):
    kind = forms.ChoiceField(
        label=_("What help do you need?"),
        choices=HelpKind.choices,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    )
    latitude = forms.CharField(
        label=_("Latitude"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    longitude = forms.CharField(
        label=_("Longitude"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    ward_code = forms.ChoiceField(label=_("Commune or ward"))
    address = forms.CharField(
        label=_("How to find the place (village, house, landmark)"), max_length=schemas.ADDRESS_MAX, required=False
    )
    text = forms.CharField(
        label=_("What do you need? How many people?"),
        max_length=schemas.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": schemas.TEXT_MAX}),
    )
    phone = forms.CharField(
        label=_("Mobile number to call you back"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "0912 345 678"}),
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=schemas.NAME_MAX,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "ward_code", [("", _("Choose a commune or ward")), *home_ward_choices()])
        self.body: schemas.HelpRequestIn | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        latitude, longitude = _coordinate(data.get("latitude", "")), _coordinate(data.get("longitude", ""))
        if (latitude is None or longitude is None) and not self.has_error("latitude"):
            self.add_error("latitude", _("Put a pin on the map where help is needed, or tap “Use my location”."))
        if self.errors:
            return data
        body = {
            "kind": data["kind"],
            "latitude": latitude,
            "longitude": longitude,
            "ward_code": int(data["ward_code"]),
            "phone": data["phone"],
            "text": data["text"],
            "name": data.get("name", ""),
            "address": data.get("address", ""),
        }
        self.body = self._check(body, schemas.HelpRequestIn, {"longitude": "latitude"})
        return data


class VolunteerForm(_SchemaForm):
    full_name = forms.CharField(
        label=_("Full name"), max_length=schemas.NAME_MAX, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "0912 345 678"}),
    )
    skills = forms.MultipleChoiceField(
        label=_("What can you do?"), choices=Skill.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    skills_other = forms.CharField(
        label=_("Anything else you can do"), max_length=schemas.SKILLS_OTHER_MAX, required=False
    )
    ward_codes = forms.MultipleChoiceField(
        label=_("Where can you help? (communes and wards)"), widget=forms.CheckboxSelectMultiple
    )
    availability = forms.ChoiceField(
        label=_("When are you available?"), choices=Availability.choices, widget=forms.RadioSelect
    )
    consent = forms.BooleanField(label=CONSENT_TEXT, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "ward_codes", home_ward_choices())
        self.fields["ward_codes"].error_messages["required"] = _("Choose at least one commune or ward.")
        self.body: schemas.VolunteerSignUp | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        body = {
            "full_name": data["full_name"],
            "phone": data["phone"],
            "skills": data.get("skills", []),
            "skills_other": data.get("skills_other", ""),
            "ward_codes": [int(code) for code in data["ward_codes"]],
            "availability": data["availability"],
            "consent": bool(data.get("consent")),
        }
        self.body = self._check(body, schemas.VolunteerSignUp)
        return data


# --- Staff ----------------------------------------------------------------------------------


def _any(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class HelpRequestFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=_("Type"), required=False)
    ward = forms.TypedChoiceField(label=_("Ward"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, wards: list[Ward], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "status", [*_any(_("Open (not done)")), ("all", _("All")), *HelpStatus.choices])
        _set_choices(self, "kind", [*_any(_("All")), *HelpKind.choices])
        _set_choices(self, "ward", [*_any(_("All")), *((str(w.code), w.name) for w in wards)])
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def filters(self) -> dict[str, Any]:
        """``status`` ("" for the open ones, "all", or one status), ``kind``, ``ward_code``."""
        data = self.cleaned_data if self.is_valid() else {}
        return {"status": data.get("status", ""), "kind": data.get("kind", ""), "ward_code": data.get("ward")}


class AssignForm(forms.Form):
    """A volunteer (offered: those of the request's ward first, then a hundred others; the
    search sends any other by its id) and/or a team, and a note."""

    volunteer = forms.IntegerField(label=_("Volunteer"), required=False, min_value=1, max_value=MAX_INT)
    team = forms.IntegerField(label=_("Team"), required=False, min_value=1, max_value=MAX_INT)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, volunteers: list[Volunteer], teams: Any, ward_code: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        here = [v for v in volunteers if ward_code in {w.code for w in v.wards.all()}]
        elsewhere = [v for v in volunteers if v not in here][:OTHER_VOLUNTEERS_OFFERED]
        choices: list[tuple[Any, Any]] = [("", "—")]
        if here:
            choices.append((_("In this commune"), [(str(v.pk), _volunteer_label(v)) for v in here]))
        if elsewhere:
            choices.append((_("Elsewhere in your communes"), [(str(v.pk), _volunteer_label(v)) for v in elsewhere]))
        self.fields["volunteer"].widget = forms.Select(choices=choices, attrs={"class": "form-select"})
        self.fields["team"].widget = forms.Select(
            choices=[("", "—"), *((str(t.pk), t.name) for t in teams)], attrs={"class": "form-select"}
        )
        self.fields["note"].widget.attrs["class"] = "form-control"


OTHER_VOLUNTEERS_OFFERED = 100


def _volunteer_label(volunteer: Volunteer) -> str:
    skills = ", ".join(str(Skill(s).label) for s in volunteer.skill_list)
    busy = f" · {_('busy')}" if getattr(volunteer, "busy", False) else ""
    return (
        f"{volunteer.full_name} ({skills or volunteer.skills_other[:40]}; {volunteer.get_availability_display()}){busy}"
    )


class StepForm(forms.Form):
    action = forms.ChoiceField(choices=[(EventAction.STARTED, ""), (EventAction.DONE, "")])
    note = forms.CharField(label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DuplicateForm(forms.Form):
    original = forms.IntegerField(label=_("Duplicate of request number"), min_value=1, max_value=MAX_INT)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class VolunteerFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or phone"), max_length=100, required=False)
    skill = forms.ChoiceField(label=_("Skill"), required=False)
    ward = forms.TypedChoiceField(label=_("Ward"), required=False, coerce=int, empty_value=None)
    availability = forms.ChoiceField(label=_("Availability"), required=False)

    def __init__(self, *args: Any, wards: list[Ward], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "skill", [*_any(_("All")), *Skill.choices])
        _set_choices(self, "ward", [*_any(_("All")), *((str(w.code), w.name) for w in wards)])
        _set_choices(self, "availability", [*_any(_("All")), *Availability.choices])
        self.fields["q"].widget.attrs.update({"class": "form-control form-control-sm", "type": "search"})
        for name in ("skill", "ward", "availability"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "search": data.get("q", ""),
            "skill": data.get("skill", ""),
            "ward_code": data.get("ward"),
            "availability": data.get("availability", ""),
        }
