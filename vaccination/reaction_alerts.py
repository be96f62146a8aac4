"""Alerts for serious reactions after vaccination: the province CDC and the health centre of
the site that vaccinated (``Site.health_unit``, else the health centres covering the
site's ward) get one urgent alert each, once per reaction (the alert's ``dedupe_key``), so a
retried task writes nothing twice."""

from __future__ import annotations

from django.utils import formats, timezone

from truyvet.accounts.models import AlertSeverity, HealthUnit, UnitKind
from truyvet.accounts.selectors import units_by_ward
from truyvet.accounts.services import alerts_raise_for
from vaccination import valuesets
from vaccination.messages import SERIOUS_REACTION
from vaccination.models import Reaction

ALERT_KIND = "vaccination_serious_reaction"


def reaction_dedupe_key(reaction_id: int) -> str:
    return f"aefi:{reaction_id}"


def _units(reaction: Reaction) -> list[HealthUnit]:
    site = reaction.dose.site
    units = {u.pk: u for u in HealthUnit.objects.filter(kind=UnitKind.PROVINCE_CDC)}
    if site.health_unit_id is not None and site.health_unit is not None:
        units.setdefault(site.health_unit.pk, site.health_unit)
    else:
        for unit in units_by_ward([site.ward_id], kinds=[UnitKind.HEALTH_CENTRE]).get(site.ward_id, []):
            units.setdefault(unit.pk, unit)
    return list(units.values())


def serious_reaction_alert(reaction_id: int) -> int:
    """Alert for this serious reaction; returns how many alerts are new."""
    reaction = (
        Reaction.objects.filter(pk=reaction_id, serious=True)
        .select_related("dose", "dose__site", "dose__site__health_unit")
        .first()
    )
    if reaction is None:
        return 0
    dose = reaction.dose
    product = valuesets.products().get(dose.product)
    params = {
        "site": dose.site.name,
        "reactions": list(reaction.kinds),
        "reason": reaction.serious_reason,
        "onset": formats.date_format(timezone.localtime(reaction.onset_at), "H:i d/m/Y"),
        "vaccinated": formats.date_format(dose.administered_on, "d/m/Y"),
        "product": product.display if product is not None else dose.product,
    }
    return alerts_raise_for(
        _units(reaction), kind=ALERT_KIND, severity=AlertSeverity.URGENT, code=SERIOUS_REACTION, params=params,
        url=f"/vaccination/reactions/{reaction.pk}/", ward_code=reaction.ward_id, person_id=reaction.person_id,
        dedupe_key=reaction_dedupe_key(reaction.pk),
    )  # fmt: skip
