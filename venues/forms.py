from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from truyvet.lib.schema import max_length
from venues.schemas import VisitorToken

MAX_PHOTO_BYTES = 5 * 1024 * 1024


class TokenCheckInForm(forms.Form):
    """For a visitor the phone does not know yet: their personal QR as text or as a photo
    (the text as long as the check-in body takes, ``venues.schemas``)."""

    qr_token = forms.CharField(
        label=_("Personal QR code (text)"),
        required=False,
        max_length=max_length(VisitorToken, "qr_token"),
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    qr_photo = forms.ImageField(
        label=_("Or a photo or screenshot of it"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "class": "form-control"}),
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
