from __future__ import annotations

from datetime import UTC, datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from truyvet.accounts.models import AlertSeverity


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "0912 345 678"}),
    )


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code from the SMS"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6}),
    )


class TotpCodeForm(forms.Form):
    code = forms.RegexField(
        label=_("6-digit code from your authenticator app"),
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 7, "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split())


class SignInCodeForm(forms.Form):
    """After the password: the authenticator's 6 digits, or one of the printed backup codes."""

    code = forms.RegexField(
        label=_("Code from your authenticator app, or a backup code"),
        regex=r"^[\s-]*(\d{3}\s?\d{3}|[A-Za-z0-9][A-Za-z0-9\s-]{7,15})[\s-]*$",
        error_messages={"invalid": _("Enter the 6 digits your app shows, or a backup code of 10 letters and digits.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "maxlength": 16, "autofocus": True}),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].replace("-", " ").split()).lower()


class AlertGroupForm(forms.Form):
    """A group of alike alerts from the staff home (hidden fields): kind, page, severity,
    and the newest alert's time, as ISO 8601 with its offset."""

    kind = forms.CharField(max_length=40)
    url = forms.CharField(max_length=500, required=False)
    severity = forms.ChoiceField(choices=AlertSeverity.choices)
    until = forms.CharField(max_length=40)

    def clean_until(self) -> datetime:
        try:
            value = datetime.fromisoformat(self.cleaned_data["until"])
            if timezone.is_aware(value):
                # In UTC here: near year 1 or 9999 the database adapter would overflow.
                return value.astimezone(UTC)
        except (ValueError, OverflowError):
            pass
        raise forms.ValidationError(_("Not a time."), code="invalid")
