"""The words a volunteer agrees to when signing up. A volunteer's row keeps the version and
the very text shown, in the language it was shown in; change ``CONSENT_VERSION`` whenever
the words change, so that each volunteer's consent says what they agreed to."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

CONSENT_VERSION = "2026-12-1"

CONSENT_TEXT = _(
    "I agree that the health staff of the province and of the communes I chose keep my name, phone, "
    "skills, area and availability, to call me and to send me to people who asked for help. When I am "
    "assigned a request, I will see the requester's phone, place and needs: I will use them only for that "
    "request and share them with nobody. I can withdraw at any time by signing in with my phone on the "
    "volunteer page; I am then no longer contacted or assigned."
)
