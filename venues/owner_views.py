"""Pages for venue owners (and health staff for the venues of their wards): register and
edit venues, print posters, run display mode, see counts (never who checked in)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.jurisdiction import jurisdiction_wards
from truyvet.accounts.permissions import health_staff_required, is_health_staff, may_manage_venues
from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError
from truyvet.lib.export import PRINT_TYPES, print_response
from truyvet.lib.qr import render_svg
from venues.errors import VenueError
from venues.owner_forms import OwnerForm, VenueForm
from venues.poster import venue_poster
from venues.rotating import fresh_code, seconds_left
from venues.selectors import checkin_url, checkins_today_by_venue, venue_counts, venue_get_for, venue_list_for
from venues.services import venue_create, venue_set_active, venue_update, venue_with_owner_create


def _map() -> dict[str, str]:
    """What the location picker needs: the tile server (empty: no tiles), its credit, and
    where to start (the province's centre)."""
    latitude, longitude = settings.MAP_CENTER
    return {
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "center": f"{latitude},{longitude}",
    }


def _may_manage_venues(request: AuthenticatedRequest) -> None:
    if not may_manage_venues(request.user):
        raise PermissionDenied


def _form_errors(form: VenueForm, error: DomainError) -> None:
    fields = {"ward_code": "ward"}
    for key in error.errors or {None: [str(error.detail)]}:  # type: ignore[dict-item]
        name = fields.get(key, key) if key else None
        form.add_error(name if name in form.fields else None, str(error.detail))


@login_required
def venue_list(request: AuthenticatedRequest) -> HttpResponse:
    _may_manage_venues(request)
    venues = list(venue_list_for(request.user)[:500])
    today = checkins_today_by_venue([v.pk for v in venues])
    rows = [(venue, today.get(venue.pk, 0)) for venue in venues]
    return render(request, "venues/owner_list.html", {"rows": rows, "staff": is_health_staff(request.user)})


@login_required
def venue_new(request: AuthenticatedRequest) -> HttpResponse:
    _may_manage_venues(request)
    form = VenueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            venue = venue_create(owner=request.user, data=form.venue_input())
        except DomainError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Venue registered. Print its poster and put it at the door."))
            return redirect("venues:detail", venue_id=venue.pk)
    return render(request, "venues/owner_form.html", {"form": form, "venue": None, "map": _map()})


@login_required
def venue_detail(request: AuthenticatedRequest, venue_id: int) -> HttpResponse:
    _may_manage_venues(request)
    venue = venue_get_for(request.user, venue_id)
    initial = {
        "name": venue.name, "category": venue.category, "address": venue.address, "ward": venue.ward_id,
        "latitude": venue.latitude, "longitude": venue.longitude, "require_fresh_code": venue.require_fresh_code,
    }  # fmt: skip
    form = VenueForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            venue_update(user=request.user, venue=venue, data=form.venue_input())
        except DomainError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("venues:detail", venue_id=venue.pk)
    return render(
        request,
        "venues/owner_form.html",
        {
            "form": form,
            "venue": venue,
            "counts": venue_counts(venue),
            "checkin_url": checkin_url(venue, request),
            "map": _map(),
        },
    )


@login_required
@require_POST
def venue_toggle(request: AuthenticatedRequest, venue_id: int) -> HttpResponse:
    _may_manage_venues(request)
    venue = venue_get_for(request.user, venue_id)
    venue_set_active(user=request.user, venue=venue, active=not venue.is_active)
    messages.success(
        request, _("The venue takes check-ins again.") if venue.is_active else _("The venue no longer takes check-ins.")
    )
    return redirect("venues:detail", venue_id=venue.pk)


@login_required
def poster(request: AuthenticatedRequest, venue_id: int, fmt: str) -> HttpResponse:
    if fmt not in PRINT_TYPES:
        raise Http404
    _may_manage_venues(request)
    venue = venue_get_for(request.user, venue_id)
    body = venue_poster(venue, checkin_url=checkin_url(venue, request), fmt=fmt)
    return print_response(body, fmt=fmt, filename=f"poster-{venue.code}", cache_control="private, max-age=300")


@login_required
def display(request: AuthenticatedRequest, venue_id: int) -> HttpResponse:
    """Display mode: a QR that changes every few minutes, for a screen at the entrance."""
    _may_manage_venues(request)
    venue = venue_get_for(request.user, venue_id)
    now = timezone.now()
    url = checkin_url(venue, request) + f"?t={fresh_code(venue, now)}"
    left = seconds_left(now)
    return render(
        request,
        "venues/display.html",
        {
            "venue": venue,
            "url": url,
            "qr_svg": render_svg(url, error_correction="Q"),
            "refresh": left + 1,
            "seconds_left": left,
        },
    )


@health_staff_required
def owner_new(request: AuthenticatedRequest) -> HttpResponse:
    """Commune staff register a venue owner who has no smartphone, with their first venue."""
    wards = jurisdiction_wards(request.user)
    form = OwnerForm(request.POST or None, wards=wards)
    if request.method == "POST" and form.is_valid():
        try:
            venue = venue_with_owner_create(
                by=request.user,
                owner_phone=form.cleaned_data["owner_phone"],
                owner_name=form.cleaned_data["owner_name"],
                data=form.venue_input(),
            )
        except DomainError as error:
            if error.code in {CoreError.INVALID_PHONE, VenueError.PHONE_TAKEN}:
                form.add_error("owner_phone", str(error.detail))
            else:
                _form_errors(form, error)
        else:
            messages.success(request, _("Owner and venue registered."))
            return redirect("venues:detail", venue_id=venue.pk)
    return render(request, "venues/owner_new.html", {"form": form, "map": _map()})
