"""Forms of reactions after vaccination: the report (the WHO core variables), the staff's
follow-up of the outcome, and the line list's filters. Parsing only: the rules are
``vaccination.reactions``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vaccination import valuesets
from vaccination.models import ReactionKind, ReactionOutcome, SeriousReason
from vaccination.reaction_selectors import ReactionFilters
from vaccination.reactions import ReactionIn


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select"
        else:
            widget.attrs["class"] = "form-control"


class ReactionForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("Reactions"), choices=ReactionKind.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    onset_date = forms.DateField(label=_("Onset date"), widget=forms.DateInput(attrs={"type": "date"}))
    onset_time = forms.TimeField(label=_("Onset time"), widget=forms.TimeInput(attrs={"type": "time"}))
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                  max_length=4000)  # fmt: skip
    serious = forms.BooleanField(label=_("Serious"), required=False)
    serious_reason = forms.ChoiceField(
        label=_("Why serious"), choices=[("", "—"), *SeriousReason.choices], required=False
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReactionOutcome.choices, initial=ReactionOutcome.UNKNOWN)
    died_on = forms.DateField(label=_("Date of death"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    client_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, dose_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("client_id", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.dose_id = dose_id
        _style(self)

    def reaction(self) -> ReactionIn:
        data = self.cleaned_data
        onset = timezone.make_aware(datetime.combine(data["onset_date"], data["onset_time"]))
        return ReactionIn(
            dose_id=self.dose_id,
            kinds=tuple(data.get("kinds") or ()),
            onset_at=onset,
            description=data.get("description") or "",
            serious=bool(data.get("serious")),
            serious_reason=data.get("serious_reason") or "",
            outcome=data["outcome"],
            died_on=data.get("died_on"),
            client_id=data.get("client_id"),
        )


class FollowUpForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReactionOutcome.choices)
    serious = forms.BooleanField(label=_("Serious"), required=False)
    serious_reason = forms.ChoiceField(
        label=_("Why serious"), choices=[("", "—"), *SeriousReason.choices], required=False
    )
    died_on = forms.DateField(label=_("Date of death"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class LineListFilterForm(forms.Form):
    since = forms.DateField(label=_("Onset from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Onset until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    serious = forms.ChoiceField(
        label=_("Serious"), required=False, choices=[("", _("All")), ("yes", _("Serious")), ("no", _("Not serious"))]
    )
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=[("", _("All")), *ReactionOutcome.choices])
    kind = forms.ChoiceField(label=_("Reaction"), required=False, choices=[("", _("All")), *ReactionKind.choices])
    product = forms.ChoiceField(label=_("Vaccine"), required=False)
    ward = forms.IntegerField(label=_("Ward code"), required=False, min_value=1)
    site = forms.IntegerField(label=_("Site number"), required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        product = self.fields["product"]
        assert isinstance(product, forms.ChoiceField)
        product.choices = [("", _("All")), *valuesets.product_choices()]
        _style(self)

    def filters(self) -> ReactionFilters:
        data = self.cleaned_data if self.is_valid() else {}
        serious = {"yes": True, "no": False}.get(data.get("serious") or "")
        return ReactionFilters(
            since=data.get("since"),
            until=data.get("until"),
            serious=serious,
            outcome=data.get("outcome") or "",
            ward_code=data.get("ward"),
            site_id=data.get("site"),
            product=data.get("product") or "",
            kind=data.get("kind") or "",
        )
