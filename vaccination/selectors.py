"""Every read of sites, campaigns and doses that pages, the API, tasks and other apps share.

Who sees which site: a vaccinator their own sites (``Site.staff``), health staff the sites
in the wards of their jurisdiction, administrators every site. A person's doses are read by
staff with a site (to vaccinate people from anywhere) and by the person themselves.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Max, QuerySet
from django.http import Http404

from truyvet.accounts.jurisdiction import scope_to_jurisdiction, sees_everywhere
from truyvet.accounts.models import Role, User
from vaccination.models import CampaignProduct, Dose, Site


def site_list_for(user: User | AnonymousUser) -> QuerySet[Site]:
    """The sites a user works at or oversees (none for a citizen or an anonymous visitor)."""
    sites = Site.objects.filter(active=True).select_related("ward")
    if not user.is_authenticated or not user.is_active:
        return sites.none()
    if sees_everywhere(user):
        return sites
    if user.role == Role.VACCINATION_STAFF:
        return sites.filter(staff=user)
    if user.role == Role.CITIZEN:
        return sites.none()
    return scope_to_jurisdiction(sites, user)


def site_get_for(user: User | AnonymousUser, site_id: int) -> Site:
    """The site, or 404 when it is absent or not the user's."""
    site = site_list_for(user).filter(pk=site_id).first()
    if site is None:
        raise Http404
    return site


def doses_of(person_id: int) -> list[Dose]:
    """A person's doses, oldest first."""
    return list(
        Dose.objects.filter(person_id=person_id).select_related("site").order_by("administered_on", "dose_number")
    )


def interval_days(product: str, day: date, campaign_id: int | None = None) -> tuple[int, int]:
    """The minimum and maximum days between two doses of ``product`` given on ``day``: the
    campaign's setting (the dose's campaign, else the latest campaign with the product that
    runs that day), else ``VACCINATION_INTERVAL_DAYS``."""
    rows = CampaignProduct.objects.filter(product=product).order_by("-campaign__starts_on")
    if campaign_id is not None:
        rows = rows.filter(campaign_id=campaign_id)
    else:
        rows = rows.filter(campaign__starts_on__lte=day, campaign__ends_on__gte=day)
    found = rows.values_list("min_interval_days", "max_interval_days").first()
    if found is not None:
        return int(found[0]), int(found[1])
    low, high = settings.VACCINATION_INTERVAL_DAYS
    return int(low), int(high)


def person_statuses(person_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The ``PERSON_STATUS_PROVIDERS`` entry: each person's number of doses and the date of
    the last, in one query (the checkpoint scanner, the QR verification)."""
    rows = (
        Dose.objects.filter(person_id__in=person_ids)
        .order_by()
        .values("person_id")
        .annotate(n=Count("id"), last=Max("administered_on"))
    )
    return {row["person_id"]: {"vaccine_doses": row["n"], "last_dose_on": row["last"]} for row in rows}
