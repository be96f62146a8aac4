"""The site's visit form: the screening checklist, its outcome, and the dose."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from vaccination import valuesets
from vaccination.models import ScreeningOutcome
from vaccination.screening import QUESTIONS
from vaccination.services import MAX_DOSE_NUMBER, DoseIn, VisitIn


class ScanForm(forms.Form):
    code = forms.CharField(label=_("Personal QR code or citizen id number"), max_length=4096)


class VisitForm(forms.Form):
    outcome = forms.ChoiceField(
        label=pgettext_lazy("screening", "Outcome"),
        choices=ScreeningOutcome.choices,
        initial=ScreeningOutcome.VACCINATE,
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    product = forms.ChoiceField(label=_("Vaccine"), required=False)
    lot = forms.CharField(label=_("Lot"), max_length=40, required=False)
    dose_number = forms.IntegerField(label=_("Dose number"), min_value=1, max_value=MAX_DOSE_NUMBER, initial=1)
    total_doses = forms.IntegerField(label=_("Doses in the series"), min_value=1, max_value=MAX_DOSE_NUMBER, initial=2)

    def __init__(self, *args: Any, site_id: int, person_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site_id = site_id
        self.person_id = person_id
        for key, question, _outcome in QUESTIONS:
            self.fields[f"q_{key}"] = forms.BooleanField(label=question, required=False)
        product_field = self.fields["product"]
        assert isinstance(product_field, forms.ChoiceField)
        product_field.choices = [("", "—"), *valuesets.product_choices()]
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select"
            elif not name.startswith("q_"):
                field.widget.attrs["class"] = "form-control"
            else:
                field.widget.attrs["class"] = "form-check-input"

    def questions(self) -> list[forms.BoundField]:
        return [self[f"q_{key}"] for key, _question, _outcome in QUESTIONS]

    def visit(self) -> VisitIn:
        data = self.cleaned_data
        answers = {key: bool(data.get(f"q_{key}")) for key, _question, _outcome in QUESTIONS}
        dose = None
        if data["outcome"] == ScreeningOutcome.VACCINATE and data.get("product"):
            product = data["product"]
            dose = DoseIn(
                person_id=self.person_id,
                product=product,
                manufacturer=valuesets.encoding_instructions().get(product, ("", ""))[0],
                dose_number=data["dose_number"],
                total_doses=data["total_doses"],
                administered_on=timezone.localdate(),
                site_id=self.site_id,
                lot=data.get("lot") or "",
            )
        return VisitIn(
            site_id=self.site_id,
            person_id=self.person_id,
            answers=answers,
            outcome=data["outcome"],
            note=data.get("note") or "",
            dose=dose,
        )
