"""Reads of venues and check-ins: a venue for its owner or the health staff of its ward
(404 for anybody else), the stays a phone's people may close, and the counts of reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate, TruncHour
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone

from truyvet.accounts.jurisdiction import scope_to_jurisdiction
from truyvet.accounts.models import User
from truyvet.accounts.permissions import is_health_staff
from truyvet.lib.days import day_start
from truyvet.people.models import Person
from venues.models import CheckIn, Venue


def checkin_url(venue: Venue, request: HttpRequest | None = None) -> str:
    """The venue's check-in page, where its poster's QR leads (absolute, given the request)."""
    path = reverse("venue_checkin", args=[venue.code])
    return request.build_absolute_uri(path) if request is not None else path


def venue_links(venue: Venue, request: HttpRequest | None = None) -> dict[str, str]:
    def absolute(path: str) -> str:
        return request.build_absolute_uri(path) if request is not None else path

    return {
        "checkin_url": checkin_url(venue, request),
        # The API's poster endpoints: they take the same token or session as the caller used.
        "poster_pdf_url": absolute(reverse("api:venue-poster-pdf", args=[venue.pk])),
        "poster_png_url": absolute(reverse("api:venue-poster-png", args=[venue.pk])),
    }


def venues_owned_by(user: User) -> QuerySet[Venue]:
    return Venue.objects.filter(owner=user).select_related("ward").order_by("-is_active", "name")


def venue_list_for(user: User | AnonymousUser) -> QuerySet[Venue]:
    """Venues a user may manage: their own, or, for health staff, those in their wards
    (an anonymous visitor: none)."""
    if is_health_staff(user):
        return scope_to_jurisdiction(Venue.objects.select_related("ward", "owner"), user)
    if isinstance(user, User):
        return venues_owned_by(user)
    return Venue.objects.none()


def venue_get_for(user: User | AnonymousUser, venue_id: int) -> Venue:
    """The venue, for its owner or the health staff of its ward; else 404."""
    venue = venue_list_for(user).filter(pk=venue_id).first()
    if venue is None:
        raise Http404
    return venue


def longest_stay() -> timedelta:
    """The longest a stay lasts before its automatic check-out (of any category)."""
    return timedelta(minutes=max([120, *settings.VENUE_STAY_MINUTES.values()]))


def open_stays_for(venue: Venue, people: Sequence[Person], *, at: datetime | None = None) -> list[CheckIn]:
    """The stays at ``venue`` of these people (those a phone remembers) not checked out and
    not over at ``at`` (now), the latest first: what the check-in page offers to close, and
    the visit a second check-in of the same person belongs to (``services.checkin_record``
    asks the same in SQL)."""
    at = at or timezone.now()
    return list(
        CheckIn.objects.filter(
            venue=venue,
            person__in=people,
            checked_out_at__isnull=True,
            ends_at__gt=at,
            checked_in_at__gt=at - longest_stay(),
        )
        .select_related("person")
        .order_by("-checked_in_at")
    )


def checkin_get_for(people: Sequence[Person], checkin_id: int, *, venue: Venue) -> CheckIn | None:
    """The check-in at ``venue``, if it is one of these people's (those a phone remembers):
    only its own visitor closes a stay. None for anybody else's, or none at all."""
    checkin = CheckIn.objects.filter(pk=checkin_id, venue=venue).select_related("person").first()
    return checkin if checkin is not None and checkin.person_id in {p.pk for p in people} else None


def checkins_today_by_venue(venue_ids: list[int]) -> dict[int, int]:
    """Today's check-ins per venue, in one GROUP BY."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    rows = (
        CheckIn.objects.filter(venue_id__in=venue_ids, checked_in_at__gte=start)
        .values("venue_id")
        .annotate(n=Count("id"))
        .values_list("venue_id", "n")
    )
    return dict(rows)


def venue_counts(venue: Venue, *, days: int = 14) -> dict[str, list[tuple[datetime, int]]]:
    """Check-ins per hour today and per day for the last ``days`` days: counts only, never who."""
    now = timezone.localtime()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    hourly = (
        CheckIn.objects.filter(venue=venue, checked_in_at__gte=today)
        .annotate(slot=TruncHour("checked_in_at"))
        .values("slot")
        .annotate(n=Count("id"))
        .order_by("slot")
        .values_list("slot", "n")
    )
    daily = (
        CheckIn.objects.filter(venue=venue, checked_in_at__gte=today - timedelta(days=days - 1))
        .annotate(slot=TruncDate("checked_in_at"))
        .values("slot")
        .annotate(n=Count("id"))
        .order_by("-slot")
        .values_list("slot", "n")
    )
    return {"hourly": list(hourly), "daily": list(daily)}


def venues_per_ward_and_category(user: User) -> list[dict[str, Any]]:
    rows: Any = (
        scope_to_jurisdiction(Venue.objects.all(), user)
        .values("ward__code", "ward__name", "category")
        .annotate(total=Count("id"), active=Count("id", filter=Q(is_active=True)))
        .order_by("ward__sort_name", "ward__name", "category")
    )
    return list(rows)


def checkins_per_day_and_ward(user: User, *, date_from: date, date_to: date) -> list[dict[str, Any]]:
    start = day_start(date_from)
    end = day_start(date_to + timedelta(days=1))
    rows: Any = (
        scope_to_jurisdiction(
            CheckIn.objects.filter(checked_in_at__gte=start, checked_in_at__lt=end), user, ward_field="venue__ward"
        )
        .annotate(day=TruncDate("checked_in_at"))
        .values("day", "venue__ward__code", "venue__ward__name")
        .annotate(checkins=Count("id"), venues=Count("venue_id", distinct=True))
        .order_by("-day", "venue__ward__sort_name", "venue__ward__name")
    )
    return list(rows)


def idle_venues(user: User, *, days: int = 7) -> QuerySet[Venue]:
    """Active venues with no check-in for ``days`` days (their poster may be gone)."""
    since = timezone.now() - timedelta(days=days)
    recent = CheckIn.objects.filter(venue=OuterRef("pk"), checked_in_at__gte=since)
    return (
        scope_to_jurisdiction(Venue.objects.filter(is_active=True), user)
        .filter(~Exists(recent), created_at__lt=since)
        .select_related("ward")
        .order_by("ward__sort_name", "ward__name", "name")
    )


def visitors_of(venue: Venue, *, days: int) -> QuerySet[CheckIn]:
    since = timezone.now() - timedelta(days=days)
    return (
        CheckIn.objects.filter(venue=venue, checked_in_at__gte=since)
        .select_related("person")
        .order_by("-checked_in_at", "-id")
    )
