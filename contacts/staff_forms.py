"""Forms of the tracing staff pages: they parse and show errors; the rules live in the services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from contacts.models import Case, Classification, Cluster, Outcome, Setting, Source, TestResult, TestType
from contacts.selectors import CaseFilters
from contacts.services import CaseInput, PersonInput
from truyvet.geo.models import Ward
from truyvet.geo.selectors import ward_list
from truyvet.lib.bounds import validate_past_day, validate_past_time
from truyvet.lib.errors import DomainError
from truyvet.lib.widgets import PlainSelect
from truyvet.people.models import Gender, Person, Symptom

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def _datetime_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class BootstrapMixin:
    """Bootstrap classes on every widget (small ones for filter bars)."""

    small = False

    def _style(self) -> None:
        size = " form-select-sm" if self.small else ""
        control = " form-control-sm" if self.small else ""
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select" + size)
            else:
                widget.attrs.setdefault("class", "form-control" + control)

    def add_domain_error(self, error: DomainError) -> None:
        """A service's error on the field it names (else on the form)."""
        placed = False
        for field, messages in error.errors.items():
            if field in self.fields:  # type: ignore[attr-defined]
                for message in messages:
                    self.add_error(field, message)  # type: ignore[attr-defined]
                placed = True
        if not placed:
            self.add_error(None, str(error.detail))  # type: ignore[attr-defined]


def _ward_choices(wards: Iterable[Ward], empty: Any) -> list[tuple[str, Any]]:
    return [("", empty), *((str(w.code), w.name) for w in wards)]


class CaseFilterForm(BootstrapMixin, forms.Form):
    small = True
    q = forms.CharField(label=_("Name, id or phone"), required=False, max_length=100)
    classification = forms.ChoiceField(
        label=_("Classification"),
        choices=[("", _("All")), *Classification.choices],
        required=False,
        widget=PlainSelect,
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", _("All")), *Outcome.choices], required=False, widget=PlainSelect
    )
    cluster = forms.TypedChoiceField(
        label=_("Cluster"), coerce=int, required=False, empty_value=None, widget=PlainSelect
    )
    # The province's wards: a filter bar on every case list (PlainSelect: truyvet.lib.widgets).
    ward = forms.TypedChoiceField(label=_("Ward"), coerce=int, required=False, empty_value=None, widget=PlainSelect)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE, validators=[validate_past_day])
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE, validators=[validate_past_day])

    def __init__(self, *args: Any, wards: Iterable[Ward], clusters: Iterable[Cluster], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ward"].choices = _ward_choices(wards, _("All my wards"))  # type: ignore[attr-defined]
        self.fields["cluster"].choices = [("", _("All")), *((str(c.pk), c.name) for c in clusters)]  # type: ignore[attr-defined]
        self._style()

    def filters(self) -> CaseFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return CaseFilters(
            classification=data.get("classification") or "",
            outcome=data.get("outcome") or "",
            cluster_id=data.get("cluster"),
            ward_code=data.get("ward"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            search=data.get("q") or "",
        )


class PersonFindForm(BootstrapMixin, forms.Form):
    find = forms.CharField(label=_("Citizen id, passport number or phone"), max_length=30, required=False, strip=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class PersonForm(BootstrapMixin, forms.Form):
    """A person not yet on the portal (``person_upsert`` validates identity and phone)."""

    prefix = "person"

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    id_number = forms.CharField(label=_("Citizen id number"), max_length=12, required=False)
    passport_number = forms.CharField(label=_("Passport number"), max_length=20, required=False)
    nationality = forms.CharField(label=_("Nationality (2 letters)"), max_length=2, required=False, initial="VN")
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "—"), *Gender.choices], required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    ward = forms.TypedChoiceField(label=_("Ward of residence"), coerce=int)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)

    def __init__(self, *args: Any, wards: Iterable[Ward], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ward"].choices = _ward_choices(wards, "—")  # type: ignore[attr-defined]
        self._style()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("id_number") and not data.get("passport_number"):
            self.add_error("id_number", _("Give a citizen id number or a passport number."))
        return data

    def person_input(self) -> PersonInput:
        data = self.cleaned_data
        return PersonInput(
            full_name=data["full_name"],
            ward_code=data["ward"],
            id_number=data.get("id_number") or "",
            passport_number=data.get("passport_number") or "",
            nationality=data.get("nationality") or "VN",
            date_of_birth=data.get("date_of_birth"),
            gender=data.get("gender") or "",
            phone=data.get("phone") or "",
            address=data.get("address") or "",
        )


class CaseForm(BootstrapMixin, forms.Form):
    classification = forms.ChoiceField(
        label=_("Classification"), choices=Classification.choices, initial=Classification.CONFIRMED
    )
    confirmed_at = forms.DateTimeField(
        label=_("Confirmed at"),
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=_datetime_widget(),
        validators=[validate_past_time],
    )
    onset_date = forms.DateField(label=_("Symptom onset"), required=False, widget=DATE, validators=[validate_past_day])
    sample_date = forms.DateField(label=_("Sample date"), required=False, widget=DATE, validators=[validate_past_day])
    isolated_at = forms.DateTimeField(
        label=_("Isolated at"),
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=_datetime_widget(),
        validators=[validate_past_time],
    )
    isolation_place = forms.CharField(label=_("Isolation place"), max_length=200, required=False)
    isolation_until = forms.DateField(label=_("Isolation until"), required=False, widget=DATE)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, initial=Outcome.UNDER_TREATMENT)
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.UNKNOWN)
    cluster = forms.TypedChoiceField(label=_("Cluster"), coerce=int, required=False, empty_value=None)
    new_cluster = forms.CharField(
        label=_("or a new cluster"), max_length=200, required=False, help_text=_("Name of a new outbreak cluster.")
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, clusters: Iterable[Cluster], with_outcome: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cluster"].choices = [("", "—"), *((str(c.pk), c.name) for c in clusters)]  # type: ignore[attr-defined]
        if not with_outcome:  # a new case is under treatment
            del self.fields["outcome"]
        self._style()

    def case_input(self) -> CaseInput:
        """What ``case_open`` and ``case_update`` take; a new case (no outcome field) is under
        treatment."""
        data = self.cleaned_data
        return CaseInput(
            classification=data["classification"],
            confirmed_at=data.get("confirmed_at"),
            onset_date=data.get("onset_date"),
            sample_date=data.get("sample_date"),
            isolated_at=data.get("isolated_at"),
            isolation_place=(data.get("isolation_place") or "").strip(),
            isolation_until=data.get("isolation_until"),
            outcome=data.get("outcome") or Outcome.UNDER_TREATMENT,
            source=data["source"],
            cluster_id=data.get("cluster"),
            new_cluster=(data.get("new_cluster") or "").strip(),
            note=(data.get("note") or "").strip(),
        )


class LabResultForm(BootstrapMixin, forms.Form):
    prefix = "lab"
    test_type = forms.ChoiceField(label=_("Test"), choices=TestType.choices, initial=TestType.RT_PCR)
    sample_date = forms.DateField(label=_("Sample date"), widget=DATE, validators=[validate_past_day])
    result = forms.ChoiceField(label=_("Result"), choices=TestResult.choices, initial=TestResult.PENDING)
    result_date = forms.DateField(label=_("Result date"), required=False, widget=DATE, validators=[validate_past_day])
    laboratory = forms.CharField(label=_("Laboratory"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class ManualContactForm(BootstrapMixin, forms.Form):
    prefix = "contact"
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    id_number = forms.CharField(label=_("Citizen id number"), max_length=12, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    # Required by the service for a new person (the form cannot tell a new one from a known
    # one): their commune station is alerted and follows them up.
    ward_code = forms.TypedChoiceField(
        label=_("Ward of residence"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Where the contact lives: its health station follows them up."),
    )
    contact_date = forms.DateField(label=_("Date of contact"), widget=DATE, validators=[validate_past_day])
    setting = forms.ChoiceField(label=_("Setting"), choices=Setting.choices, initial=Setting.OTHER)
    relation = forms.CharField(label=_("Relation"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    source = forms.TypedChoiceField(label=_("Met"), coerce=int)

    def __init__(self, *args: Any, sources: list[Person], case: Case | None = None, **kwargs: Any) -> None:
        """``sources``: the case's person first, then its F1s. The ward proposed is the
        case's (else the case person's): household contacts mostly live there."""
        super().__init__(*args, **kwargs)
        self.sources = {p.pk: p for p in sources}
        labels = [
            (str(p.pk), _("the case: %(name)s") % {"name": p.full_name} if i == 0 else f"F1: {p.full_name}")
            for i, p in enumerate(sources)
        ]
        self.fields["source"].choices = labels  # type: ignore[attr-defined]
        wards = ward_list(province_code=settings.PROVINCE_CODE)
        self.fields["ward_code"].choices = _ward_choices(wards, "—")  # type: ignore[attr-defined]
        home = case.ward_id if case is not None else (sources[0].ward_id if sources else None)
        self.fields["ward_code"].initial = home
        self._style()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("id_number") and not data.get("phone"):
            self.add_error(
                "phone", _("Give the contact's citizen id number or phone, so they can be found and warned.")
            )
        return data


class FollowUpCheckForm(BootstrapMixin, forms.Form):
    symptoms = forms.MultipleChoiceField(
        label=_("Symptoms"), choices=Symptom.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    temperature = forms.DecimalField(
        label=_("Temperature (°C)"), max_digits=4, decimal_places=1, required=False, min_value=30, max_value=45
    )
    test_result = forms.ChoiceField(label=_("Test result"), choices=[("", "—"), *TestResult.choices], required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()
