"""What checkpoint staff are told to do with a traveller.

Each fact about the traveller is a *finding* (``no_declaration``, ``yellow``, ``active_f1``,
``fever``…); ``settings.CHECKPOINT_VERDICTS`` maps each finding to a verdict, and the most
severe verdict wins. The findings are stored on the passage, so staff see why.

The facts come set-based: ``people_facts`` reads any number of people in a fixed number of
queries (their QR credential and latest declaration, their F level, their doses), so a
batch of 500 scans costs the same few queries as one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from checkpoints.models import Verdict
from declarations.models import QrCredential
from declarations.risk import REASON_LABELS, raise_to_status
from truyvet.geo.models import Ward
from truyvet.geo.selectors import outbreak_zones_active
from truyvet.people.normalize import mask_name
from truyvet.people.status import statuses_for

VERDICT_ORDER = {Verdict.ALLOW: 0, Verdict.DECLARE: 1, Verdict.REFER: 2, Verdict.DENY: 3}

FINDING_LABELS = {
    "green": _("declared, low risk"),
    "yellow": _("declared, at risk"),
    "red": _("declared, high risk"),
    "no_declaration": _("no valid health declaration"),
    "current_case": _("a current case (F0)"),
    "active_f1": _("an active close contact (F1)"),
    "active_f2": _("an active F2 contact"),
    "fever": _("fever at the checkpoint"),
    "origin_in_outbreak_zone": _("comes from an active outbreak zone"),
}

F_LEVEL_FINDINGS = {0: "current_case", 1: "active_f1", 2: "active_f2"}


def finding_label(code: str) -> str:
    return str(FINDING_LABELS.get(code) or REASON_LABELS.get(code) or code)


def verdict_for(findings: Iterable[str]) -> str:
    verdicts = [settings.CHECKPOINT_VERDICTS.get(f) for f in findings]
    known = [Verdict(v) for v in verdicts if v in VERDICT_ORDER]
    return max(known, key=VERDICT_ORDER.__getitem__, default=Verdict.ALLOW).value


@dataclass(frozen=True)
class PersonFacts:
    """What is known of a person at the moment of a scan."""

    person_id: int
    display_name: str
    ward_id: int | None
    risk_level: str = ""  # the current declaration's level, raised to a later F0/F1 status
    risk_reasons: list[str] = field(default_factory=list)
    declared_at: datetime | None = None
    expires_at: datetime | None = None
    declaration_valid: bool = False
    revoked_at: datetime | None = None
    f_level: int | None = None
    vaccine_doses: int = 0


@dataclass(frozen=True)
class Judgement:
    verdict: str
    risk_level: str
    f_level: int | None
    findings: list[str]


def people_facts(person_ids: Iterable[int], *, at: datetime) -> dict[int, PersonFacts]:
    """Facts for each person, keyed by id, in three queries whatever their number."""
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return {}
    from truyvet.people.models import Person

    people = dict(Person.objects.filter(pk__in=ids).values_list("pk", "full_name"))
    wards = dict(Person.objects.filter(pk__in=ids).values_list("pk", "ward_id"))
    credentials = {
        c.person_id: c
        for c in QrCredential.objects.filter(person_id__in=ids)
        .select_related("declaration")
        .only(
            "person_id",
            "expires_at",
            "revoked_at",
            "risk_level",
            "declaration__created_at",
            "declaration__risk_reasons",
        )
    }
    statuses = statuses_for(ids)
    facts = {}
    for pk in ids:
        if pk not in people:
            continue
        status = statuses[pk]
        credential = credentials.get(pk)
        valid = bool(credential and credential.revoked_at is None and credential.expires_at > at)
        declaration = credential.declaration if credential else None
        facts[pk] = PersonFacts(
            person_id=pk,
            display_name=mask_name(people[pk]),
            ward_id=wards.get(pk),
            risk_level=raise_to_status(credential.risk_level, status) if credential else "",
            risk_reasons=list(declaration.risk_reasons) if declaration else [],
            declared_at=declaration.created_at if declaration else None,
            expires_at=credential.expires_at if credential else None,
            declaration_valid=valid,
            revoked_at=credential.revoked_at if credential else None,
            f_level=status.f_level,
            vaccine_doses=status.vaccine_doses,
        )
    return facts


def zone_ward_codes(at: datetime) -> frozenset[int]:
    """Every ward inside an active outbreak zone (by ward, or by its whole province)."""
    zones = outbreak_zones_active(at)
    return frozenset(
        Ward.objects.filter(Q(outbreak_zones__in=zones) | Q(province__outbreak_zones__in=zones)).values_list(
            "code", flat=True
        )
    )


def judge(
    facts: PersonFacts | None,
    *,
    declaration_valid: bool | None = None,
    temperature: Decimal | float | None = None,
    origin_ward_code: int | None = None,
    zone_wards: frozenset[int] = frozenset(),
) -> Judgement:
    """The verdict for a traveller (``facts`` None: nobody known). ``declaration_valid``
    overrides the stored credential's validity, for a scanned token that carries its own expiry."""
    found: list[str] = []
    valid = facts.declaration_valid if declaration_valid is None and facts else bool(declaration_valid)
    risk_level = facts.risk_level if facts else ""
    f_level = facts.f_level if facts else None
    if valid and risk_level:
        found.append(risk_level)
    else:
        found.append("no_declaration")
    if f_level in F_LEVEL_FINDINGS:
        found.append(F_LEVEL_FINDINGS[f_level])
    if temperature is not None and float(temperature) >= settings.CHECKPOINT_FEVER_C:
        found.append("fever")
    if origin_ward_code is not None and origin_ward_code in zone_wards:
        found.append("origin_in_outbreak_zone")
    return Judgement(verdict=verdict_for(found), risk_level=risk_level, f_level=f_level, findings=found)
