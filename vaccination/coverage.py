"""Coverage statistics: who of each ward is vaccinated, by age group, priority group, dose
number and product, against the ward's target population. Set-based: three aggregate queries
whatever the number of wards or people (the ward by age group, the doses by product and
number, the priority groups), portable SQL that PostgreSQL and SQLite both run. A
province's 1.5 million people take seconds to count, so a scheduled task stores today's
figures per ward (``coverage_store``, ``CoverageSummary``) and pages read them while they
are recent (``docs/BENCHMARKS.md``); without them (tests, a new installation) they count live.

Who is counted:

- **residents**: a person counts in the ward they are registered in (``Person.ward``),
  wherever they were vaccinated; people with no ward are not in any ward's coverage;
- **the target population** of a ward: its ``TargetPopulation`` figure when the province
  entered one (census, household lists), else the people registered in the ward aged
  ``VACCINATION_COVERAGE_MIN_AGE`` (18) or more on the day. 18, not 12: the national plan
  of 2021 (Resolution 21/NQ-CP) targeted adults first; children of 12-17 are counted in
  their age group, and a province that targets them sets the minimum age to 12;
- **at least one dose**: a dose given on or before the day; **full series**: a dose whose
  number reached the series total (``dose_number >= total_doses``); **booster**: one beyond
  it (``dose_number > total_doses``);
- **coverage** of a ward: people of the target ages with at least one dose (or the full
  series) divided by the target population; it may pass 100 % when the entered figure is
  too low.

Ages are whole years on the day, from the date of birth; people with no date of birth are
the "unknown" age group and outside the target.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from truyvet.accounts.jurisdiction import jurisdiction_wards, sees_everywhere
from truyvet.accounts.models import User
from truyvet.geo.models import Ward
from truyvet.lib.days import day_start
from truyvet.people.models import Person
from vaccination.models import CoverageSummary, Dose, PriorityGroup, PriorityMembership, TargetPopulation

# (label, youngest age, oldest age or None): the WHO/ministry reporting bands.
AGE_GROUPS: list[tuple[str, int, int | None]] = [
    ("0-11", 0, 11),
    ("12-17", 12, 17),
    ("18-49", 18, 49),
    ("50-64", 50, 64),
    ("65+", 65, None),
]
UNKNOWN_AGE = "unknown"


@dataclass
class Counts:
    people: int = 0
    one_dose: int = 0
    full_series: int = 0
    booster: int = 0

    def add(self, other: Counts) -> None:
        self.people += other.people
        self.one_dose += other.one_dose
        self.full_series += other.full_series
        self.booster += other.booster


def fraction(part: int, whole: int | None) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@dataclass
class WardCoverage:
    ward_code: int
    ward_name: str = ""
    by_age: dict[str, Counts] = field(default_factory=dict)
    target: int = 0
    target_source: str = "registered"  # or "entered": a TargetPopulation figure
    in_target: Counts = field(default_factory=Counts)  # the people of the target ages
    doses: dict[tuple[str, int], int] = field(default_factory=dict)  # (product, number): doses
    groups: dict[int, Counts] = field(default_factory=dict)  # priority group id: its members

    @property
    def people(self) -> int:
        return sum(c.people for c in self.by_age.values())

    @property
    def coverage_one(self) -> Decimal | None:
        return fraction(self.in_target.one_dose, self.target)

    @property
    def coverage_full(self) -> Decimal | None:
        return fraction(self.in_target.full_series, self.target)

    @property
    def coverage_booster(self) -> Decimal | None:
        return fraction(self.in_target.booster, self.target)


@dataclass
class Coverage:
    day: date
    min_age: int
    wards: list[WardCoverage]
    doses: list[tuple[str, int, int]]  # (product, dose number, doses given)
    groups: list[tuple[PriorityGroup, Counts]]
    computed_at: datetime | None = None  # when read from the stored summaries; None: counted now

    @property
    def total(self) -> WardCoverage:
        total = WardCoverage(ward_code=0)
        for ward in self.wards:
            for label, counts in ward.by_age.items():
                total.by_age.setdefault(label, Counts()).add(counts)
            total.in_target.add(ward.in_target)
            total.target += ward.target
        return total

    def by_age(self) -> list[tuple[str, Counts]]:
        total = self.total.by_age
        return [(label, total.get(label, Counts())) for label, _low, _high in AGE_GROUPS] + (
            [(UNKNOWN_AGE, total[UNKNOWN_AGE])] if UNKNOWN_AGE in total else []
        )


def _age_case(day: date) -> tuple[str, list[Any]]:
    """A CASE giving the age group from the date of birth (born after the cut-off: younger)."""
    parts = ["CASE WHEN p.date_of_birth IS NULL THEN %s"]
    params: list[Any] = [UNKNOWN_AGE]
    for label, _low, high in AGE_GROUPS:
        if high is None:
            parts.append("ELSE %s END")
            params.append(label)
        else:
            parts.append("WHEN p.date_of_birth > %s THEN %s")
            params.extend([day - relativedelta(years=high + 1), label])
    return " ".join(parts), params


def _in_wards(ward_codes: list[int]) -> tuple[str, list[Any]]:
    if not ward_codes:
        return "1 = 0", []
    return f"p.ward_id IN ({', '.join(['%s'] * len(ward_codes))})", list(ward_codes)


def _per_person(day: date) -> tuple[str, list[Any]]:
    """Each vaccinated person once: full series reached, booster given, by the day."""
    return (
        f"SELECT person_id, MAX(CASE WHEN dose_number >= total_doses THEN 1 ELSE 0 END) AS full_series, "  # noqa: S608 (table names and placeholders only)
        f"MAX(CASE WHEN dose_number > total_doses THEN 1 ELSE 0 END) AS booster "
        f"FROM {Dose._meta.db_table} WHERE administered_on <= %s GROUP BY person_id",
        [day],
    )


def _age_rows(ward_codes: list[int], day: date) -> list[tuple[int, str, int, int, int, int]]:
    age, age_params = _age_case(day)
    where, where_params = _in_wards(ward_codes)
    vaccinated, vaccinated_params = _per_person(day)
    sql = (
        f"SELECT p.ward_id, {age} AS age_group, COUNT(*), COUNT(v.person_id), "  # noqa: S608 (table names and placeholders only)
        f"COALESCE(SUM(v.full_series), 0), COALESCE(SUM(v.booster), 0) "
        f"FROM {Person._meta.db_table} p LEFT JOIN ({vaccinated}) v ON v.person_id = p.id "
        f"WHERE {where} GROUP BY p.ward_id, age_group"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*age_params, *vaccinated_params, *where_params])
        return [tuple(row) for row in cursor.fetchall()]


def _dose_rows(ward_codes: list[int], day: date) -> list[tuple[int, str, int, int]]:
    where, where_params = _in_wards(ward_codes)
    sql = (
        f"SELECT p.ward_id, d.product, d.dose_number, COUNT(*) FROM {Dose._meta.db_table} d "  # noqa: S608 (table names and placeholders only)
        f"JOIN {Person._meta.db_table} p ON p.id = d.person_id "
        f"WHERE d.administered_on <= %s AND {where} GROUP BY p.ward_id, d.product, d.dose_number"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [day, *where_params])
        return [(int(w), str(p), int(n), int(c)) for w, p, n, c in cursor.fetchall()]


def _group_rows(ward_codes: list[int], day: date) -> list[tuple[int, int, Counts]]:
    """(group, ward, counts) of the priority groups' members; only members' doses are read."""
    where, where_params = _in_wards(ward_codes)
    members = PriorityMembership._meta.db_table
    sql = (
        f"SELECT m.group_id, p.ward_id, COUNT(*), COUNT(v.person_id), COALESCE(SUM(v.full_series), 0), "  # noqa: S608 (table names and placeholders only)
        f"COALESCE(SUM(v.booster), 0) FROM {members} m "
        f"JOIN {Person._meta.db_table} p ON p.id = m.person_id "
        f"LEFT JOIN (SELECT person_id, MAX(CASE WHEN dose_number >= total_doses THEN 1 ELSE 0 END) AS full_series, "
        f"MAX(CASE WHEN dose_number > total_doses THEN 1 ELSE 0 END) AS booster FROM {Dose._meta.db_table} "
        f"WHERE administered_on <= %s AND person_id IN (SELECT person_id FROM {members}) GROUP BY person_id) v "
        f"ON v.person_id = m.person_id WHERE {where} GROUP BY m.group_id, p.ward_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [day, *where_params])
        return [
            (int(g), int(w), Counts(int(n), int(one), int(full), int(boost)))
            for g, w, n, one, full, boost in cursor.fetchall()
        ]


def _count_live(wards: dict[int, WardCoverage], day: date, min_age: int, *, with_details: bool) -> None:
    """Fill the wards' counts from the doses and people (one to four aggregate queries)."""
    target_labels = {label for label, low, _high in AGE_GROUPS if low >= min_age}
    split = next(((label, low) for label, low, high in AGE_GROUPS if high is not None and low < min_age <= high), None)
    for ward_id, label, people, one, full, booster in _age_rows(list(wards), day):
        ward = wards[ward_id]
        counts = Counts(int(people), int(one), int(full), int(booster))
        ward.by_age[label] = counts
        if label in target_labels:
            ward.in_target.add(counts)
    if split is not None:
        # A minimum age inside a band (e.g. 16): count that band's older part exactly.
        _add_partial_band(wards, day, min_age, split[0])
    if with_details:
        for ward_id, product, number, doses in _dose_rows(list(wards), day):
            wards[ward_id].doses[(product, number)] = doses
        for group_id, ward_id, counts in _group_rows(list(wards), day):
            wards[ward_id].groups[group_id] = counts


def _as_list(counts: Counts) -> list[int]:
    return [counts.people, counts.one_dose, counts.full_series, counts.booster]


def _fresh_summaries(ward_codes: list[int], day: date, min_age: int) -> list[CoverageSummary] | None:
    """The stored summaries of every one of these wards, if recent enough: for today
    computed within ``VACCINATION_COVERAGE_SUMMARY_MAX_AGE_MINUTES``, for a past day after
    it ended. None when one is missing or stale (the caller counts live)."""
    now = timezone.now()
    if day >= timezone.localdate(now):
        since = now - timedelta(minutes=settings.VACCINATION_COVERAGE_SUMMARY_MAX_AGE_MINUTES)
    else:
        since = day_start(day + timedelta(days=1))
    rows = list(
        CoverageSummary.objects.filter(day=day, ward_id__in=ward_codes, min_age=min_age, computed_at__gte=since)
    )
    return rows if len(rows) == len(set(ward_codes)) else None


def _from_summaries(wards: dict[int, WardCoverage], rows: list[CoverageSummary]) -> datetime:
    for row in rows:
        ward = wards[row.ward_id]
        ward.by_age = {label: Counts(*values) for label, values in row.by_age.items()}
        ward.in_target = Counts(*row.in_target)
        ward.doses = {(str(p), int(n)): int(c) for p, n, c in row.doses}
        ward.groups = {int(g): Counts(*values) for g, values in row.groups.items()}
    return min(row.computed_at for row in rows)


def coverage_of(ward_codes: list[int], day: date, *, with_details: bool = True, live: bool = False) -> Coverage:
    """The coverage of these wards on ``day``: from the stored summaries when every ward has
    a recent one (two short queries), else counted now (one to four aggregate queries;
    ``live=True`` always counts)."""
    min_age = int(settings.VACCINATION_COVERAGE_MIN_AGE)
    wards = {w.code: WardCoverage(ward_code=w.code, ward_name=w.name) for w in Ward.objects.filter(code__in=ward_codes)}
    stored = None if live or not wards else _fresh_summaries(list(wards), day, min_age)
    computed_at = None
    if stored is not None:
        computed_at = _from_summaries(wards, stored)
    else:
        _count_live(wards, day, min_age, with_details=with_details)
    entered = dict(TargetPopulation.objects.filter(ward_id__in=list(wards)).values_list("ward_id", "population"))
    for code, ward in wards.items():
        if code in entered:
            ward.target, ward.target_source = int(entered[code]), "entered"
        else:
            ward.target = ward.in_target.people
    ordered = sorted(wards.values(), key=lambda w: w.ward_name)
    if not with_details:
        return Coverage(day=day, min_age=min_age, wards=ordered, doses=[], groups=[], computed_at=computed_at)
    doses: dict[tuple[str, int], int] = defaultdict(int)
    groups: dict[int, Counts] = defaultdict(Counts)
    for ward in ordered:
        for key, count in ward.doses.items():
            doses[key] += count
        for group_id, counts in ward.groups.items():
            groups[group_id].add(counts)
    return Coverage(
        day=day,
        min_age=min_age,
        wards=ordered,
        doses=[(p, n, c) for (p, n), c in sorted(doses.items())],
        groups=[(g, groups.get(g.pk, Counts())) for g in PriorityGroup.objects.filter(active=True)],
        computed_at=computed_at,
    )


def coverage_store(day: date) -> int:
    """Count the province's coverage on ``day`` now and store it per ward (the scheduled
    task's work; a re-run replaces the rows). Returns the wards stored."""
    codes = list(
        Ward.objects.filter(province_id=settings.PROVINCE_CODE).order_by("code").values_list("code", flat=True)
    )
    min_age = int(settings.VACCINATION_COVERAGE_MIN_AGE)
    wards = {w.code: WardCoverage(ward_code=w.code, ward_name=w.name) for w in Ward.objects.filter(code__in=codes)}
    _count_live(wards, day, min_age, with_details=True)
    now = timezone.now()
    rows = [
        CoverageSummary(
            day=day,
            ward_id=code,
            min_age=min_age,
            by_age={label: _as_list(counts) for label, counts in ward.by_age.items()},
            in_target=_as_list(ward.in_target),
            doses=[[p, n, c] for (p, n), c in sorted(ward.doses.items())],
            groups={str(g): _as_list(counts) for g, counts in ward.groups.items()},
            computed_at=now,
        )
        for code, ward in wards.items()
    ]
    CoverageSummary.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["day", "ward"],
        update_fields=["min_age", "by_age", "in_target", "doses", "groups", "computed_at"],
    )
    return len(rows)


def _add_partial_band(wards: dict[int, WardCoverage], day: date, min_age: int, label: str) -> None:
    where, where_params = _in_wards(list(wards))
    vaccinated, vaccinated_params = _per_person(day)
    born_by = day - relativedelta(years=min_age)
    sql = (
        f"SELECT p.ward_id, COUNT(*), COUNT(v.person_id), COALESCE(SUM(v.full_series), 0), "  # noqa: S608 (table names and placeholders only)
        f"COALESCE(SUM(v.booster), 0) FROM {Person._meta.db_table} p "
        f"LEFT JOIN ({vaccinated}) v ON v.person_id = p.id "
        f"WHERE {where} AND p.date_of_birth <= %s AND p.date_of_birth > %s GROUP BY p.ward_id"
    )
    band_high = next(high for lab, _low, high in AGE_GROUPS if lab == label) or 0
    with connection.cursor() as cursor:
        cursor.execute(sql, [*vaccinated_params, *where_params, born_by, day - relativedelta(years=band_high + 1)])
        for ward_id, people, one, full, booster in cursor.fetchall():
            wards[ward_id].in_target.add(Counts(int(people), int(one), int(full), int(booster)))


def coverage_wards_for(user: User | AnonymousUser) -> list[int]:
    """The wards whose coverage the user may read: their jurisdiction in the home province."""
    wards = Ward.objects.filter(province_id=settings.PROVINCE_CODE)
    if not sees_everywhere(user):
        wards = wards.filter(code__in=jurisdiction_wards(user).values("code"))
    return list(wards.order_by("code").values_list("code", flat=True))


def ward_coverage_fractions(ward_codes: list[int], day: date) -> dict[int, Decimal]:
    """Each ward's share of its target population with the full series on ``day`` (the
    operations map's ``coverage``; wards without a target are left out). Cached for
    ``VACCINATION_COVERAGE_CACHE_SECONDS``: the public map and the ward-day task ask often,
    doses change slowly."""
    key = f"vaccination.coverage:{day.isoformat()}:{hash(tuple(sorted(ward_codes)))}"
    found: dict[int, Decimal] | None = cache.get(key)
    if found is None:
        coverage = coverage_of(ward_codes, day, with_details=False)
        found = {w.ward_code: value for w in coverage.wards if (value := w.coverage_full) is not None}
        cache.set(key, found, settings.VACCINATION_COVERAGE_CACHE_SECONDS)
    return found


def province_summary(day: date) -> dict[str, Any]:
    """The operations map's vaccination panel: the province's totals and each ward's
    coverage (aggregates only, public). Cached as ``ward_coverage_fractions``."""
    key = f"vaccination.summary:{day.isoformat()}"
    found: dict[str, Any] | None = cache.get(key)
    if found is not None:
        return found
    codes = list(
        Ward.objects.filter(province_id=settings.PROVINCE_CODE).order_by("code").values_list("code", flat=True)
    )
    coverage = coverage_of(codes, day)
    total = coverage.total
    found = {
        "day": day,
        "min_age": coverage.min_age,
        "target": total.target,
        "one_dose": total.in_target.one_dose,
        "full_series": total.in_target.full_series,
        "booster": total.in_target.booster,
        "coverage_one": total.coverage_one,
        "coverage_full": total.coverage_full,
        "doses": sum(n for _p, _d, n in coverage.doses),
        "wards": [
            {
                "code": w.ward_code,
                "name": w.ward_name,
                "target": w.target,
                "one": w.coverage_one,
                "full": w.coverage_full,
            }
            for w in coverage.wards
            if w.target
        ],
    }
    cache.set(key, found, settings.VACCINATION_COVERAGE_CACHE_SECONDS)
    return found


def by_ward_rows(coverage: Coverage) -> list[list[Any]]:
    """The export's rows: one per ward and age group."""
    rows: list[list[Any]] = []
    labels = [label for label, _low, _high in AGE_GROUPS] + [UNKNOWN_AGE]
    for ward in coverage.wards:
        for label in labels:
            counts = ward.by_age.get(label)
            if counts is None:
                continue
            rows.append([ward.ward_code, ward.ward_name, label, counts.people, counts.one_dose, counts.full_series,
                         counts.booster, ward.target, ward.target_source])  # fmt: skip
    return rows


def per_ward_total(coverage: Coverage) -> dict[int, Counts]:
    found: dict[int, Counts] = defaultdict(Counts)
    for ward in coverage.wards:
        for counts in ward.by_age.values():
            found[ward.ward_code].add(counts)
    return found
