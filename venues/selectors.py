from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse

from truyvet.accounts.jurisdiction import scope_to_jurisdiction
from truyvet.accounts.models import HEALTH_ROLES, Role
from venues.models import CheckIn, Venue


def venue_links(venue: Venue, request: HttpRequest | None = None) -> dict[str, str]:
    def absolute(path: str) -> str:
        return request.build_absolute_uri(path) if request is not None else path

    return {
        "checkin_url": absolute(reverse("venue_checkin", args=[venue.code])),
        "poster_pdf_url": absolute(reverse("venues:poster", args=[venue.pk, "pdf"])),
        "poster_png_url": absolute(reverse("venues:poster", args=[venue.pk, "png"])),
    }


def venues_owned_by(user: Any) -> QuerySet[Venue]:
    return Venue.objects.filter(owner=user).select_related("ward").order_by("-is_active", "name")


def venue_list_for(user: Any) -> QuerySet[Venue]:
    """Venues a user may manage: their own, or, for health staff, those in their wards."""
    if user.is_authenticated and (user.is_superuser or user.role in HEALTH_ROLES | {Role.ADMINISTRATOR}):
        return scope_to_jurisdiction(Venue.objects.select_related("ward", "owner"), user)
    return venues_owned_by(user)


def venue_get_for(user: Any, venue_id: int) -> Venue:
    venue = venue_list_for(user).filter(pk=venue_id).first()
    if venue is None:
        raise Http404
    return venue


def checkin_get(checkin_id: int) -> CheckIn | None:
    return CheckIn.objects.select_related("venue").filter(pk=checkin_id).first()
