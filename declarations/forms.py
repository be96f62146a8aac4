"""The citizen's declaration form: one form for the three kinds, plain HTML, no JavaScript needed."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from declarations import schemas
from declarations.models import Kind, VehicleType
from declarations.services import Answers, DomesticInput, EntryInput, PersonInput, Submission
from truyvet.geo.models import Province, Ward
from truyvet.lib.errors import DomainError
from truyvet.lib.schema import Refused, convert, max_length
from truyvet.people.countries import COUNTRIES
from truyvet.people.models import Gender, Symptom
from truyvet.people.normalize import normalize_phone
from truyvet.people.validation import validate_citizen_id, validate_date_of_birth


def _ward_choices(province_code: int | None) -> list[tuple[str, Any]]:
    if province_code is None:
        return [("", "—")]
    wards = Ward.objects.filter(province_id=province_code).order_by("sort_name", "name").values_list("code", "name")
    return [("", _("Choose a commune or ward")), *((str(code), name) for code, name in wards)]


COUNTRY_CHOICES: list[tuple[str, str]] = sorted(COUNTRIES.items(), key=lambda item: item[1])


def _province_choices() -> list[tuple[str, str]]:
    return [
        (str(code), name) for code, name in Province.objects.order_by("sort_name", "name").values_list("code", "name")
    ]


class DeclarationForm(forms.Form):
    """The declaration as a page: its widgets read the answers, then the answers are checked
    against the API's body (``declarations.schemas.Declaration``), whose refusals land on the
    fields; the form adds only what a page asks more (a ward to choose, an id number for a
    citizen)."""

    client_id = forms.UUIDField(widget=forms.HiddenInput, required=False)
    full_name = forms.CharField(label=_("Full name"), max_length=max_length(schemas.Person, "full_name"))
    id_number = forms.CharField(
        label=_("Citizen id number (12 digits)"),
        max_length=14,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    passport_number = forms.CharField(
        label=_("Passport number"), max_length=max_length(schemas.Person, "passport_number"), required=False
    )
    nationality = forms.ChoiceField(label=_("Nationality"), choices=COUNTRY_CHOICES, initial="VN")
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, widget=forms.RadioSelect)
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=max_length(schemas.Person, "phone"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "0912 345 678"}),
    )
    province = forms.TypedChoiceField(label=_("Province"), coerce=int, choices=())
    ward_code = forms.TypedChoiceField(label=_("Commune or ward"), coerce=int, choices=(), required=False)
    address = forms.CharField(
        label=_("Address (house, street, hamlet)"), max_length=max_length(schemas.Person, "address"), required=False
    )
    symptoms = forms.MultipleChoiceField(
        label=_("In the last 14 days, have you had"),
        choices=Symptom.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    case_contact = forms.BooleanField(label=_("Close contact with a confirmed or suspected case"), required=False)
    outbreak_zone = forms.BooleanField(label=_("Been in an outbreak zone"), required=False)
    abroad_14d = forms.BooleanField(label=_("Arrived from abroad"), required=False)
    # entry
    port_of_entry = forms.CharField(
        label=_("Port of entry (airport, border gate)"),
        max_length=max_length(schemas.Entry, "port_of_entry"),
        required=False,
    )
    flight_number = forms.CharField(
        label=_("Flight or vehicle number"), max_length=max_length(schemas.Entry, "flight_number"), required=False
    )
    seat = forms.CharField(label=_("Seat"), max_length=max_length(schemas.Entry, "seat"), required=False)
    countries_visited = forms.MultipleChoiceField(
        label=_("Countries visited in the last 14 days"),
        choices=COUNTRY_CHOICES,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    quarantine_address = forms.CharField(
        label=_("Address in Viet Nam (quarantine)"),
        max_length=max_length(schemas.Entry, "quarantine_address"),
        required=False,
    )
    # domestic
    origin_province = forms.TypedChoiceField(label=_("Coming from: province"), coerce=int, choices=(), required=False)
    origin_ward_code = forms.TypedChoiceField(
        label=_("Coming from: commune or ward"), coerce=int, choices=(), required=False
    )
    destination_ward_code = forms.TypedChoiceField(
        label=_("Going to: commune or ward"), coerce=int, choices=(), required=False
    )
    vehicle_type = forms.ChoiceField(label=_("Vehicle"), choices=[("", "—"), *VehicleType.choices], required=False)
    vehicle_plate = forms.CharField(
        label=_("Vehicle plate"), max_length=max_length(schemas.Domestic, "vehicle_plate"), required=False
    )
    purpose = forms.CharField(
        label=_("Purpose of the trip"), max_length=max_length(schemas.Domestic, "purpose"), required=False
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        provinces = _province_choices()
        home = settings.PROVINCE_CODE
        province = self._int_value("province", home)
        origin_province = self._int_value("origin_province", None)
        self.fields["province"].choices = provinces  # type: ignore[attr-defined]
        self.fields["ward_code"].choices = _ward_choices(province)  # type: ignore[attr-defined]
        self.fields["origin_province"].choices = [("", _("Choose a province")), *provinces]  # type: ignore[attr-defined]
        self.fields["origin_ward_code"].choices = _ward_choices(origin_province)  # type: ignore[attr-defined]
        self.fields["destination_ward_code"].choices = _ward_choices(home)  # type: ignore[attr-defined]
        self.initial.setdefault("province", home)
        self.initial.setdefault("client_id", uuid.uuid4())
        if kind != Kind.ENTRY:
            for name in (
                "passport_number",
                "nationality",
                "port_of_entry",
                "flight_number",
                "seat",
                "countries_visited",
                "quarantine_address",
            ):
                del self.fields[name]
        if kind != Kind.DOMESTIC:
            for name in (
                "origin_province",
                "origin_ward_code",
                "destination_ward_code",
                "vehicle_type",
                "vehicle_plate",
                "purpose",
            ):
                del self.fields[name]
        if kind == Kind.ENTRY:
            del self.fields["abroad_14d"]
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple | forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            else:
                widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")

    def _int_value(self, name: str, default: int | None) -> int | None:
        raw = self.data.get(name) if self.is_bound else self.initial.get(name)
        try:
            return int(raw) if raw not in (None, "") else default
        except (TypeError, ValueError):
            return default

    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone", "")
        if phone and normalize_phone(phone) is None:
            raise forms.ValidationError(_("Enter a Vietnamese mobile number, e.g. 0912 345 678."))
        return phone

    def clean_date_of_birth(self) -> Any:
        value = self.cleaned_data["date_of_birth"]
        try:
            validate_date_of_birth(value)
        except DomainError as error:
            raise forms.ValidationError(error.detail) from None
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.kind == Kind.ENTRY:
            if not data.get("id_number") and not data.get("passport_number"):
                self.add_error("passport_number", _("Give a passport number or a Vietnamese citizen id number."))
            for name in ("port_of_entry", "flight_number", "quarantine_address", "countries_visited"):
                if not data.get(name):
                    self.add_error(name, _("This field is required."))
        else:
            if not data.get("id_number"):
                self.add_error("id_number", _("This field is required."))
            if not data.get("ward_code"):
                self.add_error("ward_code", _("Choose the commune or ward where you live."))
        if self.kind == Kind.DOMESTIC:
            for name in ("origin_ward_code", "destination_ward_code"):
                if not data.get(name):
                    self.add_error(name, _("This field is required."))
        if data.get("id_number") and data.get("date_of_birth") and data.get("gender"):
            try:
                data["id_number"] = validate_citizen_id(
                    data["id_number"], date_of_birth=data["date_of_birth"], gender=data["gender"]
                )
            except DomainError as error:
                self.add_error("id_number", str(error.detail))
        if not self.errors:
            self._check_against_the_schema(data)
        return data

    def _check_against_the_schema(self, data: dict[str, Any]) -> None:
        """The answers as the API's body, checked by its one definition."""
        passport = data.get("passport_number", "")
        person: dict[str, Any] = {
            "full_name": data["full_name"],
            "id_number": data.get("id_number", ""),
            "passport_number": passport,
            "nationality": data.get("nationality", "VN") if passport else "VN",
            "date_of_birth": data["date_of_birth"].isoformat(),
            "gender": data["gender"],
            "phone": data.get("phone", ""),
            "ward_code": data.get("ward_code") or None,
            "address": data.get("address", ""),
        }
        body: dict[str, Any] = {
            "kind": self.kind,
            "person": person,
            "symptoms": data.get("symptoms", []),
            "exposures": {name: data.get(name, False) for name in ("case_contact", "outbreak_zone", "abroad_14d")},
        }
        if self.kind == Kind.ENTRY:
            body["entry"] = {
                name: data.get(name) or "" for name in ("port_of_entry", "flight_number", "seat", "quarantine_address")
            } | {"countries_visited": data.get("countries_visited") or []}
        if self.kind == Kind.DOMESTIC:
            body["domestic"] = {name: data.get(name) or "" for name in ("vehicle_type", "vehicle_plate", "purpose")} | {
                name: data.get(name) for name in ("origin_ward_code", "destination_ward_code")
            }
        if data.get("client_id"):
            body["client_id"] = str(data["client_id"])
        try:
            self.body = convert(body, schemas.Declaration)
        except Refused as refused:
            # "person.full_name" is the page's "full_name"; "symptoms.0" its "symptoms".
            path = refused.refusal.field.split(".")
            name = path[1] if len(path) > 1 and path[0] in {"person", "entry", "domestic", "exposures"} else path[0]
            self.add_error(name if name in self.fields else None, refused.refusal.message)

    def _arguments(self) -> Submission:
        return schemas.submit_arguments(self.body)

    def person_input(self) -> PersonInput:
        return self._arguments()["person"]

    def answers(self) -> Answers:
        return self._arguments()["answers"]

    def entry_input(self) -> EntryInput | None:
        return self._arguments()["entry"]

    def domestic_input(self) -> DomesticInput | None:
        return self._arguments()["domestic"]
