"""The appointments' stored messages (``truyvet.lib.messages``): words in the reader's language.

Registered when the app is ready (``VaccinationConfig.ready``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _

from truyvet.lib.messages import register
from vaccination.models import Session


def _reminder(params: Mapping[str, Any]) -> Mapping[str, Any]:
    session = params.get("session", "")
    day = params.get("day", "")
    try:
        shown = date.fromisoformat(day).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        shown = day
    return {
        **params,
        "day": shown,
        "session": Session(session).label if session in Session.values else session,
    }


# {"name", "site", "address", "day" (ISO), "session" (morning/afternoon), "dose"}
REMINDER = register(
    "vaccination.appointment_reminder",
    title=_("Vaccination tomorrow: %(day)s"),
    body=_("%(name)s: dose %(dose)s at %(site)s (%(address)s), %(session)s of %(day)s. Bring your citizen id card."),
    prepare=_reminder,
)


# {"name", "site", "address", "day" (ISO), "session" (morning/afternoon), "dose"}: a place
# freed and the waiting list booked it for the person.
WAITLIST_BOOKED = register(
    "vaccination.waitlist_booked",
    title=_("A place freed: vaccination on %(day)s"),
    body=_(
        "%(name)s: a place freed and was booked for you from the waiting list: dose %(dose)s at %(site)s "
        "(%(address)s), %(session)s of %(day)s. If you cannot come, cancel it on the portal."
    ),
    prepare=_reminder,
)
