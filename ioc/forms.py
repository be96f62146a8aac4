"""Forms of the IOC feed's page: a webhook endpoint, a pull client."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class EndpointForm(forms.Form):
    url = forms.URLField(label=_("Address"), max_length=500, assume_scheme="https")
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
