"""Demo registrations and appointments (called by ``vaccination.demo.seed``): part of the
demo people registered for the demo campaign, most of them booked in the coming week (some
today, so the site's day list shows them), a demo employer represented by the demo
``facility`` manager with its employees registered. A re-run adds only what is missing."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TextIO

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from truyvet.accounts.models import User
from truyvet.geo.models import Ward
from truyvet.people.models import Person
from vaccination.models import (
    Appointment,
    AppointmentStatus,
    Campaign,
    Dose,
    Employer,
    PriorityGroup,
    Registration,
    RegistrationSource,
    Session,
    SessionSlot,
    Site,
)

REGISTERED_PERCENT = 15
BOOKED_PERCENT = 80


@transaction.atomic
def seed_registrations(campaign: Campaign, sites: list[Site], wards: list[Ward], out: TextIO) -> None:
    if not sites:
        return
    today = timezone.localdate()
    employer, _created = Employer.objects.get_or_create(
        tax_code="6200999999",
        defaults={"name": "Công ty TNHH May mặc Lai Châu (demo)", "ward": wards[0], "address": "Khu công nghiệp"},
    )
    manager = User.objects.filter(username="facility").first()
    if manager is not None:
        employer.representatives.add(manager)
    groups = list(PriorityGroup.objects.filter(active=True).values_list("pk", flat=True))
    registered = set(Registration.objects.filter(campaign=campaign).values_list("person_id", flat=True))
    new: list[Registration] = []
    for pk in Person.objects.filter(is_demo=True).order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000):
        rng = random.Random(pk * 7919)  # noqa: S311 (demo data, reproducible)
        if pk in registered or rng.randrange(100) >= REGISTERED_PERCENT:
            continue
        by_employer = rng.random() < 0.3
        new.append(
            Registration(
                campaign=campaign,
                person_id=pk,
                priority_group_id=groups[rng.randrange(len(groups))] if groups else None,
                site=sites[rng.randrange(len(sites))],
                preferred_on=today + timedelta(days=rng.randrange(1, 8)),
                source=RegistrationSource.EMPLOYER if by_employer else RegistrationSource.CITIZEN,
                employer=employer if by_employer else None,
            )
        )
    Registration.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)

    # Appointments for registrations without one, within each session's capacity.
    booked = {
        (row["site_id"], row["day"], row["session"]): row["n"]
        for row in Appointment.objects.filter(status=AppointmentStatus.BOOKED)
        .values("site_id", "day", "session")
        .annotate(n=Count("id"))
    }
    waiting = (
        Registration.objects.filter(campaign=campaign, appointments__isnull=True, site__isnull=False)
        .select_related("site")
        .order_by("pk")
    )
    with_booking = set(Appointment.objects.filter(status=AppointmentStatus.BOOKED).values_list("person_id", flat=True))
    doses = dict(Dose.objects.order_by().values("person_id").annotate(n=Count("id")).values_list("person_id", "n"))
    appointments: list[Appointment] = []
    for registration in waiting.iterator(chunk_size=2000):
        rng = random.Random(registration.pk)  # noqa: S311
        if registration.person_id in with_booking or rng.randrange(100) >= BOOKED_PERCENT:
            continue
        site = registration.site
        assert site is not None
        day = today + timedelta(days=rng.randrange(0, 8))
        session = Session.values[rng.randrange(2)]
        key = (site.pk, day, session)
        if booked.get(key, 0) >= site.capacity(session):
            continue
        booked[key] = booked.get(key, 0) + 1
        with_booking.add(registration.person_id)
        appointments.append(
            Appointment(
                registration=registration,
                person_id=registration.person_id,
                site=site,
                day=day,
                session=session,
                dose_number=doses.get(registration.person_id, 0) + 1,
            )
        )
    Appointment.objects.bulk_create(appointments, batch_size=2000, ignore_conflicts=True)
    SessionSlot.objects.bulk_create(
        [SessionSlot(site_id=s, day=d, session=sn, booked=n) for (s, d, sn), n in booked.items()],
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["site", "day", "session"],
        update_fields=["booked"],
    )
    out.write(f"  vaccination registrations: {len(new)} new, {len(appointments)} appointments booked")
