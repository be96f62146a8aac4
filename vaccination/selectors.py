"""Every read of sites, campaigns and doses that pages, the API, tasks and other apps share.

Who sees which site: a vaccinator their own sites (``Site.staff``), health staff the sites
in the wards of their jurisdiction, administrators every site. A person's doses are read by
staff with a site (to vaccinate people from anywhere) and by the person themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.utils import timezone

from truyvet.accounts.jurisdiction import scope_to_jurisdiction, sees_everywhere, ward_filter
from truyvet.accounts.models import Role, User
from truyvet.accounts.permissions import is_citizen, is_health_staff, may_vaccinate
from truyvet.lib.audit import audit_log
from truyvet.people.models import Person
from truyvet.people.selectors import people_sharing_phone, person_get_for
from vaccination.models import (
    Appointment,
    AppointmentStatus,
    Campaign,
    CampaignProduct,
    Dose,
    Employer,
    Registration,
    Site,
    StockLot,
)
from vaccination.registration_models import WaitlistEntry, WaitStatus


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


def people_of_citizen(user: User | AnonymousUser) -> list[Person]:
    """The people a signed-in citizen answers for: everybody declared with their phone (the
    household, as the declarations app shows it)."""
    phone = getattr(user, "phone", None)
    if not is_citizen(user) or not phone:
        return []
    return people_sharing_phone(phone)


def person_for_certificate(user: User | AnonymousUser, person_id: int, *, request: HttpRequest | None = None) -> Person:
    """The person whose doses and certificate ``user`` may read, audit-logged; 404 outside.

    A citizen: their household. Vaccination staff (with a site) and administrators: anyone
    (people are vaccinated wherever they are). Health staff: the people of their wards."""
    person: Person | None = None
    if is_citizen(user):
        person = next((p for p in people_of_citizen(user) if p.pk == person_id), None)
    elif may_vaccinate(user) and (sees_everywhere(user) or site_list_for(user).exists()):
        person = Person.objects.filter(pk=person_id).first()
    elif is_health_staff(user):
        person = person_get_for(ward_filter(user), person_id)
    if person is None:
        raise Http404
    audit_log(actor=user, action="vaccination.doses_read", obj=person, person_id=person.pk, request=request)
    return person


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


def interval_table(products: set[str]) -> Callable[[str, date, int | None], int]:
    """``interval_days``'s minimum for many doses: the campaigns' settings of ``products`` read
    in one query, then looked up by the same rules (a batch of doses)."""
    rows = list(
        CampaignProduct.objects.filter(product__in=products)
        .order_by("-campaign__starts_on")
        .values_list("product", "campaign_id", "campaign__starts_on", "campaign__ends_on", "min_interval_days")
    )
    default = int(settings.VACCINATION_INTERVAL_DAYS[0])

    def minimum(product: str, day: date, campaign_id: int | None = None) -> int:
        for row_product, campaign, starts, ends, low in rows:
            if row_product != product:
                continue
            if campaign == campaign_id if campaign_id is not None else starts <= day <= ends:
                return int(low)
        return default

    return minimum


def campaigns_known(campaign_ids: set[int]) -> set[int]:
    """Which of these campaigns exist."""
    return set(Campaign.objects.filter(pk__in=campaign_ids).values_list("pk", flat=True)) if campaign_ids else set()


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


def site_day_doses(site: Site, day: date) -> list[Dose]:
    """The doses given at the site that day, latest first, with their person."""
    return list(Dose.objects.filter(site=site, administered_on=day).select_related("person").order_by("-created_at"))


def under_observation(site: Site, *, now: datetime) -> list[Dose]:
    """The people vaccinated at the site today in the last ``VACCINATION_OBSERVATION_MINUTES``,
    who wait before leaving (their time left runs from ``created_at``). A dose of an earlier
    day entered now (from a paper register) is nobody waiting."""
    since = now - timedelta(minutes=settings.VACCINATION_OBSERVATION_MINUTES)
    today = timezone.localdate(now)
    return list(
        Dose.objects.filter(site=site, administered_on=today, created_at__gte=since)
        .select_related("person")
        .order_by("created_at")
    )


def person_by_id_number(id_number: str) -> Person | None:
    return Person.objects.filter(id_number=id_number.strip()).first() if id_number.strip() else None


def site_lots_in_stock(site: Site, today: date) -> list[StockLot]:
    """The site's lots with doses left that have not expired, soonest expiry first (use them
    first): what the offline recording offers."""
    return list(
        StockLot.objects.filter(site=site, doses_left__gt=0, expires_on__gte=today).order_by("expires_on", "lot")
    )


def next_dose_number(person_id: int) -> int:
    return int(Dose.objects.filter(person_id=person_id).aggregate(n=Max("dose_number"))["n"] or 0) + 1


# --- Registrations and appointments ------------------------------------------------------


def campaigns_open(*, today: date) -> list[Campaign]:
    """The campaigns a citizen may still register for, with their target groups and wards."""
    return list(
        Campaign.objects.filter(ends_on__gte=today).prefetch_related("priority_groups", "wards").order_by("starts_on")
    )


def sites_of_campaigns(campaigns: list[Campaign]) -> list[Site]:
    """The active sites in the wards of any of the campaigns (all when one names no ward;
    the campaigns' wards prefetched, as ``campaigns_open`` gives them): one query."""
    if not campaigns:
        return []
    sites = Site.objects.filter(active=True).select_related("ward").order_by("name")
    wards = [[w.pk for w in c.wards.all()] for c in campaigns]
    if all(wards):
        sites = sites.filter(ward_id__in={code for codes in wards for code in codes})
    return list(sites)


def campaign_sites(campaign: Campaign) -> list[Site]:
    """The active sites in the campaign's wards (every active site when it names none)."""
    sites = Site.objects.filter(active=True).select_related("ward")
    wards = list(campaign.wards.values_list("code", flat=True))
    return list(sites.filter(ward_id__in=wards) if wards else sites)


def household_registrations(user: User | AnonymousUser) -> list[Registration]:
    """The registrations of a signed-in citizen's household, with their booked appointment and
    the waiting lists they are on."""
    ids = [p.pk for p in people_of_citizen(user)]
    if not ids:
        return []
    return list(
        Registration.objects.filter(person_id__in=ids)
        .select_related("campaign", "person", "site", "priority_group")
        .prefetch_related(
            Prefetch(
                "appointments",
                queryset=Appointment.objects.filter(status=AppointmentStatus.BOOKED).select_related("site"),
                to_attr="booked",
            ),
            Prefetch(
                "waits",
                queryset=WaitlistEntry.objects.filter(
                    status=WaitStatus.WAITING, last_day__gt=timezone.localdate()
                ).select_related("site"),
                to_attr="waiting",
            ),
        )
        .order_by("person_id", "-created_at")
    )


def employers_of(user: User | AnonymousUser) -> QuerySet[Employer]:
    """The employers a user represents (administrators: all)."""
    if not user.is_authenticated or not user.is_active:
        return Employer.objects.none()
    if sees_everywhere(user):
        return Employer.objects.filter(active=True)
    return Employer.objects.filter(active=True, representatives=user)


def employer_get_for(user: User | AnonymousUser, employer_id: int) -> Employer:
    """The employer, or 404 when it is absent or the user does not represent it."""
    employer = employers_of(user).filter(pk=employer_id).select_related("ward").first()
    if employer is None:
        raise Http404
    return employer


def employer_registrations(employer: Employer, campaign_id: int | None = None) -> QuerySet[Registration]:
    rows = Registration.objects.filter(employer=employer).select_related("person", "campaign", "priority_group")
    return rows.filter(campaign_id=campaign_id) if campaign_id else rows


def employer_employees(employer: Employer, campaign_id: int | None = None) -> QuerySet[Registration]:
    """The people an employer registered (by name), each with their latest dose (number and
    day, any campaign's) and their booked appointment (day, session, site): one query, its
    subqueries on the doses' (person, day) and the appointments' one-booked indexes. Reading
    it is reading health data: the caller audit-logs the rows it shows or exports."""
    latest = Dose.objects.filter(person_id=OuterRef("person_id")).order_by("-administered_on", "-dose_number")
    booked = Appointment.objects.filter(person_id=OuterRef("person_id"), status=AppointmentStatus.BOOKED)
    return (
        employer_registrations(employer, campaign_id)
        .annotate(
            last_dose_number=Subquery(latest.values("dose_number")[:1]),
            last_dose_on=Subquery(latest.values("administered_on")[:1]),
            appointment_day=Subquery(booked.values("day")[:1]),
            appointment_session=Subquery(booked.values("session")[:1]),
            appointment_site=Subquery(booked.values("site__name")[:1]),
        )
        .order_by("person__full_name", "pk")
    )


def employer_campaigns(employer: Employer) -> list[Campaign]:
    """The campaigns the employer registered people for."""
    return list(Campaign.objects.filter(registrations__employer=employer).distinct().order_by("-starts_on"))


def site_day_appointments(site: Site, day: date) -> list[tuple[Appointment, str]]:
    """The site's appointments of the day with their status: booked, cancelled, or
    vaccinated (a dose recorded for the person at the site that day). Two queries."""
    appointments = list(
        Appointment.objects.filter(site=site, day=day).select_related("person").order_by("session", "created_at")
    )
    vaccinated = set(
        Dose.objects.filter(
            site=site, administered_on=day, person_id__in=[a.person_id for a in appointments]
        ).values_list("person_id", flat=True)
    )
    shown: list[tuple[Appointment, str]] = []
    for appointment in appointments:
        if appointment.status == AppointmentStatus.BOOKED and appointment.person_id in vaccinated:
            shown.append((appointment, "vaccinated"))
        else:
            shown.append((appointment, appointment.status))
    return shown


def person_appointment(person_id: int) -> Appointment | None:
    """A person's booked appointment (at most one), for the site's page of the person."""
    return (
        Appointment.objects.filter(person_id=person_id, status=AppointmentStatus.BOOKED)
        .select_related("site", "registration__campaign")
        .first()
    )
