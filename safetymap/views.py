"""Public pages of the COVID-safe map: the map itself (no sign-in), the report form of a
facility, and the reporter's follow page behind an unguessable link. The report form is
limited per browser and per address (``safetymap.limits``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from safetymap.forms import ReportForm
from safetymap.limits import report_over_limit
from safetymap.models import FacilityType, SafetyStatus
from safetymap.photos import CleanPhoto, photo_clean
from safetymap.selectors import (
    facility_public_get,
    map_counts,
    report_by_ref,
    shown_status_of,
    wards_with_facilities,
)
from safetymap.services import report_submit
from truyvet.lib.errors import DomainError
from truyvet.lib.ratelimit import remember_browser

COLOURS = {
    SafetyStatus.SAFE: "#198754",
    SafetyStatus.AT_RISK: "#f5c400",
    SafetyStatus.HIGH_RISK: "#fd7e14",
    SafetyStatus.UNSAFE: "#dc3545",
    SafetyStatus.NOT_ASSESSED: "#8a8f94",
}


def form_errors(form: Any, error: DomainError) -> None:
    """A service's refusal on the form: on its field when the form has one."""
    if not error.errors:
        form.add_error(None, str(error.detail))
    for field, messages in error.errors.items():
        form.add_error(field if field in form.fields else None, messages)


def map_config() -> dict[str, Any]:
    """What the map's script needs: the data's address, the tiles, the words, the colours."""
    return {
        "source": reverse("api:safetymap-facilities"),
        "report": reverse("safetymap:report", args=[0]).replace("/0/", "/{id}/"),
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "center": settings.MAP_CENTER,
        "zoom": settings.LEAFLET_CONFIG["DEFAULT_ZOOM"],
        "types": {value: str(label) for value, label in FacilityType.choices},
        "statuses": {value: str(label) for value, label in SafetyStatus.choices},
        "colours": {str(k): v for k, v in COLOURS.items()},
        "refresh": settings.SAFETYMAP_MAP_REFRESH_SECONDS,
        "words": {
            "assessed": _("Last assessed"),
            "never": _("Never assessed"),
            "score": _("Score"),
            "report": _("Report a problem"),
            "shown": _("%(n)s facilities shown"),
            "noTiles": _("The map's background is not available: the points are placed on a blank map."),
        },
    }


@require_GET
def public_map(request: HttpRequest) -> HttpResponse:
    """The public map: clustered facilities coloured by status, filters, search; without
    JavaScript, the counts by status."""
    counts = map_counts()
    legend = [
        {"status": value, "label": label, "colour": COLOURS[SafetyStatus(value)], "count": counts.get(value, 0)}
        for value, label in SafetyStatus.choices
    ]
    return render(
        request,
        "safetymap/map.html",
        {
            "config": map_config(),
            "legend": legend,
            "total": sum(counts.values()),
            "types": FacilityType.choices,
            "wards": wards_with_facilities(),
        },
    )


def report_new(request: HttpRequest, facility_id: int) -> HttpResponse:
    """Anyone reports what is wrong at a facility, with a photo if they like."""
    facility = facility_public_get(facility_id)
    form = ReportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            photo: CleanPhoto | None = None
            upload = form.cleaned_data.get("photo")
            if upload:
                photo = photo_clean(upload, upload.size or 0)
            if report_over_limit(request):
                form.add_error(
                    None, _("Too many reports from this phone or network in the last hour; try again later.")
                )
                status = 429
            else:
                report = report_submit(facility=facility, text=form.cleaned_data["text"], photo=photo, request=request)
                follow = redirect(reverse("safetymap:follow", args=[report.ref]) + "?new=1")
                return remember_browser(request, follow)
        except DomainError as error:
            form_errors(form, error)
            status = error.status
    elif request.method == "POST":
        status = 400
    response = render(
        request,
        "safetymap/report_form.html",
        {"facility": facility, "form": form, "status": shown_status_of(facility)},
        status=status,
    )
    if status == 429:
        response["Retry-After"] = "3600"
    return remember_browser(request, response)


@require_GET
def report_follow(request: HttpRequest, ref: str) -> HttpResponse:
    """The reporter's page: the report's state and the facility's answer (never who moderated)."""
    report = report_by_ref(ref)
    response = render(
        request,
        "safetymap/report_follow.html",
        {
            "report": report,
            "new": request.GET.get("new") == "1",
            "link": request.build_absolute_uri(reverse("safetymap:follow", args=[report.ref])),
        },
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
