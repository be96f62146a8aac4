"""Public pages of the SOS map: the map of requests (type, status, a place rounded to about a
kilometre), the help request form, and the requester's follow page behind an unguessable
link. Anyone may open them; the form is limited per browser and per address
(``relief.limits``)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from relief.forms import HelpRequestForm
from relief.limits import sos_over_limit
from relief.models import EventAction, HelpKind, HelpStatus
from relief.schemas import area
from relief.selectors import sos_by_ref, sos_history, sos_map_features
from relief.services import sos_submit
from truyvet.lib.errors import DomainError
from truyvet.lib.ratelimit import remember_browser
from truyvet.people.normalize import masked_phone


def form_errors(form: Any, error: DomainError) -> None:
    """A service's refusal on the form: on its field when the form has one."""
    if not error.errors:
        form.add_error(None, str(error.detail))
    for field, messages in error.errors.items():
        form.add_error(field if field in form.fields else None, messages)


def map_settings() -> dict[str, Any]:
    """What a map page's script needs: the tiles, the province's box, the words."""
    south, west, north, east = area()
    return {
        "tiles": settings.LEAFLET_CONFIG["TILES"],
        "bounds": [[south, west], [north, east]],
        "types": {value: str(label) for value, label in HelpKind.choices},
        "statuses": {value: str(label) for value, label in HelpStatus.choices},
    }


def _form_settings() -> dict[str, Any]:
    return map_settings() | {
        "words": {
            "finding": _("Finding your location…"),
            "found": _("Location found. Check the pin, and drag it if it is not right."),
            "failed": _("Your phone did not give its location: put the pin on the map instead."),
        }
    }


@require_GET
def sos_map(request: HttpRequest) -> HttpResponse:
    """The public map. Without JavaScript, the table below it says the same in numbers."""
    features = sos_map_features()
    counted = Counter((f["properties"]["type"], f["properties"]["status"]) for f in features)
    table = [
        {"kind": label, "counts": [counted[(kind, status)] for status in HelpStatus.values]}
        for kind, label in HelpKind.choices
    ]
    config = map_settings() | {"source": reverse("api:relief-sos-geojson")}
    return render(
        request,
        "relief/sos_map.html",
        {
            "config": config,
            "table": table,
            "statuses": HelpStatus.choices,
            "kinds": HelpKind.choices,
            "total": len(features),
            "closed_days": settings.RELIEF_MAP_CLOSED_DAYS,
        },
    )


def sos_new(request: HttpRequest) -> HttpResponse:
    """The help request form: a pin (or the phone's location), the ward, what is needed, a
    phone. Accepted, it leads to the follow page; refused, it keeps what was typed."""
    form = HelpRequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid() and form.body is not None:
        if sos_over_limit(request):
            form.add_error(
                None,
                _(
                    "Too many requests have been sent from this phone or network in the last hour; try again "
                    "later. If a life is in danger, call 115 (ambulance) or 114 (fire and rescue) now."
                ),
            )
            status = 429
        else:
            try:
                sos = sos_submit(body=form.body, language=get_language() or settings.LANGUAGE_CODE, request=request)
            except DomainError as error:
                form_errors(form, error)
                status = error.status
            else:
                follow = redirect(reverse("relief:sos_follow", args=[sos.ref]) + "?new=1")
                return remember_browser(request, follow)
    elif request.method == "POST":
        status = 400
    response = render(
        request,
        "relief/sos_form.html",
        {"form": form, "config": _form_settings(), "province_code": settings.PROVINCE_CODE},
        status=status,
    )
    if status == 429:
        response["Retry-After"] = "3600"
    return remember_browser(request, response)


@require_GET
def sos_follow(request: HttpRequest, ref: str) -> HttpResponse:
    """The requester's page: the status and when each step happened (not who, not notes)."""
    sos = sos_by_ref(ref)
    steps = [e for e in sos_history(sos) if e.action != EventAction.NOTE]
    response = render(
        request,
        "relief/sos_follow.html",
        {
            "sos": sos,
            "steps": steps,
            "new": request.GET.get("new") == "1",
            "phone": masked_phone(sos.phone),
            "link": request.build_absolute_uri(reverse("relief:sos_follow", args=[sos.ref])),
        },
    )
    # The link is the requester's key: not kept by shared caches, not indexed.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
