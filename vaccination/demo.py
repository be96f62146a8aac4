"""Demo vaccination: sites, a campaign, doses for part of the demo people, so ``make run``
shows the site's day list, citizens' certificates and ``/verify/`` at once.

``--vaccination-sites N`` (default 3) sites in the first communes of the province; the demo
``vaccinator`` works at the first. ``--vaccinated P`` (default 40): the percentage of the
demo people with doses (one or two of Comirnaty, Vaxzevria or Vero Cell, by a seeded
generator, so a re-run adds only what is missing). Doses are written in bulk. Four
reactions after vaccination on the first doses, one serious (it alerts the CDC).
"""

from __future__ import annotations

import random
from argparse import ArgumentParser
from datetime import datetime, time, timedelta
from typing import Any, TextIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from truyvet.accounts.models import User
from truyvet.geo.models import Ward
from truyvet.people.models import Person
from vaccination import valuesets
from vaccination.models import (
    Campaign,
    CampaignProduct,
    Dose,
    PriorityGroup,
    Reaction,
    ReactionOutcome,
    ReporterKind,
    SeriousReason,
    Site,
    StockLot,
)
from vaccination.reaction_alerts import serious_reaction_alert
from vaccination.registration_demo import seed_registrations
from vaccination.services import signer_ensure

PRODUCTS = [
    ("EU/1/20/1528", "ORG-100030215", 21),  # Comirnaty, BioNTech
    ("EU/1/21/1529", "ORG-100001699", 56),  # Vaxzevria, AstraZeneca
    ("Inactivated-SARS-CoV-2-Vero-Cell", "ORG-100020693", 21),  # Sinopharm
]


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--vaccination-sites", type=int, default=3, help="Demo vaccination sites (default 3).")
    parser.add_argument("--vaccinated", type=int, default=40, help="Percentage of demo people with doses (default 40).")


def _sites(wards: list[Ward], count: int) -> list[Site]:
    sites = []
    for index in range(count):
        ward = wards[index % len(wards)]
        site, _created = Site.objects.get_or_create(
            name=f"Điểm tiêm {ward.name}",
            defaults={
                "ward": ward,
                "address": f"Trạm Y tế {ward.name}",
                "capacity_morning": 150,
                "capacity_afternoon": 120,
            },
        )
        sites.append(site)
        for product, manufacturer, _days in PRODUCTS:
            StockLot.objects.get_or_create(
                site=site,
                product=product,
                lot=f"DEMO-{index + 1}-{product[-4:]}",
                defaults={
                    "manufacturer": manufacturer,
                    "expires_on": timezone.localdate() + timedelta(days=180),
                    "doses_left": 500,
                },
            )
    vaccinator = User.objects.filter(username="vaccinator").first()
    if vaccinator is not None and sites:
        sites[0].staff.add(vaccinator)
    return sites


def _campaign(wards: list[Ward]) -> Campaign:
    today = timezone.localdate()
    campaign, created = Campaign.objects.get_or_create(
        name="Chiến dịch tiêm chủng COVID-19 (demo)",
        defaults={"starts_on": today - timedelta(days=200), "ends_on": today + timedelta(days=60)},
    )
    if created:
        campaign.wards.set(wards)
        campaign.priority_groups.set(PriorityGroup.objects.all())
        for product, manufacturer, days in PRODUCTS:
            CampaignProduct.objects.create(
                campaign=campaign,
                product=product,
                manufacturer=manufacturer,
                min_interval_days=days,
                max_interval_days=days * 4,
            )
    return campaign


def seed(options: dict[str, Any], out: TextIO) -> None:
    wards = list(Ward.objects.filter(province_id=settings.PROVINCE_CODE).order_by("code")[:10])
    if not wards:
        return
    with transaction.atomic():
        sites = _sites(wards, max(0, options.get("vaccination_sites") or 0))
        campaign = _campaign(wards)
        signer_ensure()
    if not sites:
        return
    wanted = options.get("vaccinated")
    share = max(0, min(100, 40 if wanted is None else int(wanted)))
    vaccinator = User.objects.filter(username="vaccinator").first()
    done = set(Dose.objects.values_list("person_id", flat=True).distinct())
    people = Person.objects.filter(is_demo=True).order_by("pk").values_list("pk", "date_of_birth")
    today = timezone.localdate()
    batch: list[Dose] = []
    added = 0
    for pk, born in people.iterator(chunk_size=5000):
        rng = random.Random(pk)  # noqa: S311 (demo data, reproducible)
        if rng.randrange(100) >= share or pk in done:
            continue
        product, manufacturer, days = PRODUCTS[rng.randrange(len(PRODUCTS))]
        first = today - timedelta(days=rng.randrange(days + 10, 190))
        if born is not None and first < born:
            continue
        site = sites[rng.randrange(len(sites))]
        given = [first] if rng.random() < 0.3 else [first, first + timedelta(days=days + rng.randrange(0, 14))]
        for number, day in enumerate(given, start=1):
            batch.append(
                Dose(
                    person_id=pk,
                    product=product,
                    manufacturer=manufacturer,
                    prophylaxis=valuesets.prophylaxis_for(product),
                    lot=f"DEMO-{sites.index(site) + 1}-{product[-4:]}",
                    dose_number=number,
                    total_doses=2,
                    administered_on=day,
                    site=site,
                    campaign=campaign,
                    vaccinator=vaccinator,
                )
            )
        added += 1
        if len(batch) >= 5000:
            Dose.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Dose.objects.bulk_create(batch, ignore_conflicts=True)
    reactions = _reactions()
    out.write(
        f"  vaccination: {len(sites)} sites, {added} people vaccinated now ({share}% of the demo people), "
        f"{reactions} reactions after vaccination added"
    )
    seed_registrations(campaign, sites, wards, out)


# Demo reactions: (reactions, hours after the dose, outcome, serious reason). The last is
# serious (anaphylaxis, hospitalised) and alerts the CDC and the site's health centre.
DEMO_REACTIONS = [
    (["fever"], 10, ReactionOutcome.RECOVERED, ""),
    (["severe_local"], 20, ReactionOutcome.RECOVERED, ""),
    (["fever", "other"], 6, ReactionOutcome.RECOVERING, ""),
    (["anaphylaxis"], 0.3, ReactionOutcome.RECOVERING, SeriousReason.HOSPITALISATION),
]


def _reactions() -> int:
    """A few reactions on the first demo doses, once (a re-run adds none)."""
    if Reaction.objects.filter(description__startswith="(demo)").exists():
        return 0
    doses = list(Dose.objects.filter(person__is_demo=True).select_related("person", "site").order_by("pk")[:4])
    rows = [
        Reaction(
            dose=dose,
            person_id=dose.person_id,
            ward_id=dose.person.ward_id or dose.site.ward_id,
            kinds=kinds,
            onset_at=timezone.make_aware(datetime.combine(dose.administered_on, time(8, 0))) + timedelta(hours=hours),
            description="(demo) " + ("đau đầu, mệt" if "other" in kinds else "báo cáo mẫu"),
            serious=bool(reason),
            serious_reason=reason,
            outcome=outcome,
            reporter_kind=ReporterKind.STAFF,
        )
        for dose, (kinds, hours, outcome, reason) in zip(doses, DEMO_REACTIONS, strict=False)
    ]
    Reaction.objects.bulk_create(rows)
    for reaction in Reaction.objects.filter(description__startswith="(demo)", serious=True):
        serious_reaction_alert(reaction.pk)
    return len(rows)
