from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from truyvet.geo.models import Province
from truyvet.geo.selectors import ward_list
from truyvet.lib.errors import DomainError
from truyvet.lib.schema import Refused, convert, max_length
from truyvet.people.models import Symptom
from truyvet.people.normalize import normalize_phone
from truyvet.people.validation import validate_citizen_id
from venues.schemas import FirstVisit, VisitorToken
from venues.services import FirstVisitInput

MAX_PHOTO_BYTES = 5 * 1024 * 1024


class TokenCheckInForm(forms.Form):
    """For a visitor who has a personal QR code but whom the phone does not know yet: a
    photo of the code, or its text pasted (as long as the check-in body takes,
    ``venues.schemas``)."""

    qr_photo = forms.ImageField(
        label=_("A photo or screenshot of your personal QR code"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "class": "form-control"}),
    )
    qr_token = forms.CharField(
        label=_("Or paste the text of the code, as a QR scanner app reads it"),
        required=False,
        max_length=max_length(VisitorToken, "qr_token"),
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )

    def clean_qr_photo(self) -> object:
        photo = self.cleaned_data.get("qr_photo")
        if photo is not None and photo.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError(_("The photo is too large (5 MB at most)."))
        return photo

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("qr_token") and not data.get("qr_photo"):
            raise forms.ValidationError(_("Give your personal QR code, as text or as a photo."))
        return data


def _province_choices() -> list[tuple[str, str]]:
    return [
        (str(code), name) for code, name in Province.objects.order_by("sort_name", "name").values_list("code", "name")
    ]


def _ward_choices(province_code: int | None) -> list[tuple[str, Any]]:
    wards = ward_list(province_code=province_code).values_list("code", "name") if province_code else []
    return [("", _("Choose a commune or ward")), *((str(code), name) for code, name in wards)]


class FirstVisitForm(forms.Form):
    """A visitor new to this phone declares and checks in on one short screen: name, id
    number, phone, the ward they live in and the health questions (the daily declaration's
    words). Its answers are checked against ``venues.schemas.FirstVisit``."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=max_length(FirstVisit, "full_name"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=_("Citizen id number (12 digits)"),
        max_length=14,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=max_length(FirstVisit, "phone"),
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "0912 345 678", "type": "tel"}
        ),
    )
    province = forms.TypedChoiceField(label=_("Province"), coerce=int, choices=())
    ward_code = forms.TypedChoiceField(label=_("Commune or ward"), coerce=int, choices=())
    symptoms = forms.MultipleChoiceField(
        label=_("In the last 14 days, have you had"),
        choices=Symptom.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    case_contact = forms.BooleanField(label=_("Close contact with a confirmed or suspected case"), required=False)
    outbreak_zone = forms.BooleanField(label=_("Been in an outbreak zone"), required=False)
    abroad_14d = forms.BooleanField(label=_("Arrived from abroad"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        raw = str((self.data if self.is_bound else self.initial).get("province") or "")
        province = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None
        self.fields["province"].choices = _province_choices()  # type: ignore[attr-defined]
        self.fields["ward_code"].choices = _ward_choices(province or settings.PROVINCE_CODE)  # type: ignore[attr-defined]
        self.initial.setdefault("province", settings.PROVINCE_CODE)
        self.initial.setdefault("client_id", uuid.uuid4())
        self.fields["ward_code"].error_messages["required"] = _("Choose the commune or ward where you live.")
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            else:
                widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")

    @classmethod
    def initial_from(cls, data: QueryDict) -> dict[str, Any]:
        """What was typed, as the starting values of an unchecked form."""
        return {
            name: data.getlist(name) if name == "symptoms" else data.get(name)
            for name in cls.base_fields
            if name in data
        }

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data.get("phone", "")
        if normalize_phone(phone) is None:
            raise forms.ValidationError(_("Enter a Vietnamese mobile number, e.g. 0912 345 678."))
        return phone

    def clean_id_number(self) -> str:
        try:
            return validate_citizen_id(self.cleaned_data.get("id_number", ""), date_of_birth=None, gender="")
        except DomainError as error:
            raise forms.ValidationError(str(error.detail)) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        body = {
            "full_name": data["full_name"],
            "id_number": data["id_number"],
            "phone": data["phone"],
            "ward_code": data["ward_code"],
            "client_id": str(data["client_id"]),
            "symptoms": data.get("symptoms", []),
            "exposures": {name: data.get(name, False) for name in ("case_contact", "outbreak_zone", "abroad_14d")},
        }
        try:
            self.body = convert(body, FirstVisit)
        except Refused as refused:
            path = refused.refusal.field.split(".")
            name = path[1] if len(path) > 1 and path[0] == "exposures" else path[0]
            self.add_error(name if name in self.fields else None, refused.refusal.message)
        return data

    def visit_input(self) -> FirstVisitInput:
        return FirstVisitInput(person=self.body.person(), answers=self.body.answers(), client_id=self.body.client_uuid)
