"""The forms of registration (a citizen's household, an employer's file) and booking."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from truyvet.people.models import Person
from vaccination.models import Campaign, PriorityGroup, Session, Site


class RegistrationForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Person to vaccinate"), coerce=int)
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none())
    priority_group = forms.ModelChoiceField(
        label=_("Priority group"), queryset=PriorityGroup.objects.filter(active=True), required=False
    )
    site = forms.ModelChoiceField(label=_("Preferred site"), queryset=Site.objects.none())
    preferred_on = forms.DateField(
        label=_("Preferred day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self, *args: Any, people: list[Person], campaigns: list[Campaign], sites: list[Site], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        person = self.fields["person"]
        assert isinstance(person, forms.TypedChoiceField)
        person.choices = [(p.pk, p.full_name) for p in people]
        campaign = self.fields["campaign"]
        assert isinstance(campaign, forms.ModelChoiceField)
        campaign.queryset = Campaign.objects.filter(pk__in=[c.pk for c in campaigns])
        if len(campaigns) == 1:
            campaign.initial = campaigns[0].pk
        site = self.fields["site"]
        assert isinstance(site, forms.ModelChoiceField)
        site.queryset = Site.objects.filter(pk__in=[s.pk for s in sites])
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            )


class BookForm(forms.Form):
    slot = forms.CharField(label=_("Day and session"), max_length=40)

    def slot_value(self) -> tuple[str, str] | None:
        """'2026-12-09/morning' -> ('2026-12-09', 'morning')."""
        day, _sep, session = self.cleaned_data["slot"].partition("/")
        return (day, session) if session in Session.values else None


class EmployeeUploadForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none())
    file = forms.FileField(label=_("File of employees (CSV or XLSX)"))

    def __init__(self, *args: Any, campaigns: list[Campaign], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaign = self.fields["campaign"]
        assert isinstance(campaign, forms.ModelChoiceField)
        campaign.queryset = Campaign.objects.filter(pk__in=[c.pk for c in campaigns])
        if len(campaigns) == 1:
            campaign.initial = campaigns[0].pk
        campaign.widget.attrs["class"] = "form-select"
        self.fields["file"].widget.attrs.update({"class": "form-control", "accept": ".csv,.xlsx"})


class WaitForm(forms.Form):
    """Join a site's waiting list: one day, or any day of the next N from that day."""

    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.TypedChoiceField(
        label=_("Which days"),
        coerce=int,
        initial=1,
        choices=[
            (1, _("Only this day")),
            (3, _("Any day of the 3 days from this one")),
            (7, _("Any day of the 7 days from this one")),
            (14, _("Any day of the 14 days from this one")),
        ],
    )

    def __init__(self, *args: Any, first: Any = None, last: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["day"].widget.attrs.update({"class": "form-control", "id": "wait-day"})
        if first is not None:
            self.fields["day"].widget.attrs["min"] = first.isoformat()
        if last is not None:
            self.fields["day"].widget.attrs["max"] = last.isoformat()
        self.fields["days"].widget.attrs.update({"class": "form-select", "id": "wait-days"})
