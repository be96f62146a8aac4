"""Reads of the operations map: who enters what (agencies), the public page's figures, and
the staff lists, each scoped to the user's agencies (404 outside).

Who may enter what: a member of an agency enters that agency's records, of the topics its
kind covers (``TOPICS``); administrators enter for any agency. Nobody else sees the staff
side of a topic: a 404, as for records outside a jurisdiction elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Model, OuterRef, QuerySet, Subquery, Sum
from django.http import Http404

from operations.figures import StoredCounts, WardFigures, ward_figures
from operations.models import (
    Agency,
    AgencyKind,
    ConsultationEntry,
    DailyReport,
    Directive,
    LabDailyCount,
    MedicalFacility,
    OccupancyReport,
    PlaceKind,
    QuarantinePlace,
    ResourceReport,
    WardDay,
    WardProfile,
)
from truyvet.accounts.jurisdiction import sees_everywhere, sees_province
from truyvet.accounts.models import User
from truyvet.geo.models import Ward
from truyvet.lib.bounds import MAX_INT
from truyvet.people.normalize import search_key

M = TypeVar("M", bound=Model)


class Topic:
    DIRECTIVES = "directives"
    LAB_COUNTS = "lab_counts"
    FACILITIES = "facilities"
    PLACES = "places"
    CONSULTATIONS = "consultations"


# Which kinds of agency enter which topic.
TOPICS: dict[str, frozenset[str]] = {
    Topic.DIRECTIVES: frozenset({AgencyKind.STEERING, AgencyKind.HEALTH}),
    Topic.LAB_COUNTS: frozenset({AgencyKind.LABORATORY, AgencyKind.HOSPITAL}),
    Topic.FACILITIES: frozenset({AgencyKind.HOSPITAL, AgencyKind.HEALTH}),
    Topic.PLACES: frozenset({AgencyKind.MILITARY, AgencyKind.CULTURE, AgencyKind.DISTRICT, AgencyKind.HEALTH}),
    Topic.CONSULTATIONS: frozenset({AgencyKind.HEALTH, AgencyKind.DISTRICT, AgencyKind.HOSPITAL}),
}
# The military command runs the concentrated camps, the culture department the paid hotels.
PLACE_KINDS: dict[str, frozenset[str]] = {
    AgencyKind.MILITARY: frozenset({PlaceKind.CAMP}),
    AgencyKind.CULTURE: frozenset({PlaceKind.HOTEL}),
    AgencyKind.DISTRICT: frozenset({PlaceKind.CAMP}),
    AgencyKind.HEALTH: frozenset({PlaceKind.ISOLATION, PlaceKind.CAMP}),
}
REPORT_READERS = frozenset({AgencyKind.STEERING, AgencyKind.HEALTH})


def _active(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


def agencies_for(user: User | AnonymousUser, topic: str) -> QuerySet[Agency]:
    """The agencies for which ``user`` enters ``topic``."""
    if not _active(user):
        return Agency.objects.none()
    qs = Agency.objects.filter(kind__in=TOPICS[topic])
    return qs if sees_everywhere(user) else qs.filter(members=user.pk)


def topics_for(user: User | AnonymousUser) -> list[str]:
    """The topics the user enters for at least one agency."""
    if not _active(user):
        return []
    kinds = set(
        Agency.objects.values_list("kind", flat=True).distinct()
        if sees_everywhere(user)
        else Agency.objects.filter(members=user.pk).values_list("kind", flat=True).distinct()
    )
    return [topic for topic, allowed in TOPICS.items() if kinds & allowed]


def may_read_reports(user: User | AnonymousUser) -> bool:
    """The steering committee's reports: administrators, the CDC (the province's health
    staff) and members of the steering committee's office or the health department."""
    if not _active(user):
        return False
    return sees_province(user) or Agency.objects.filter(members=user.pk, kind__in=REPORT_READERS).exists()


def _is_id(value: int | str) -> bool:
    text = str(value)
    return text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= MAX_INT


def _get(qs: QuerySet[M], pk: int | str) -> M:
    if not _is_id(pk):
        raise Http404
    found = qs.filter(pk=int(pk)).first()
    if found is None:
        raise Http404
    return found


def directives_for(user: User | AnonymousUser) -> QuerySet[Directive]:
    return Directive.objects.filter(agency__in=agencies_for(user, Topic.DIRECTIVES)).select_related("agency")


def directive_get_for(user: User | AnonymousUser, directive_id: int | str) -> Directive:
    return _get(directives_for(user), directive_id)


def lab_counts_for(user: User | AnonymousUser) -> QuerySet[LabDailyCount]:
    return LabDailyCount.objects.filter(agency__in=agencies_for(user, Topic.LAB_COUNTS)).select_related("agency")


def facilities_for(user: User | AnonymousUser) -> QuerySet[MedicalFacility]:
    return MedicalFacility.objects.filter(agency__in=agencies_for(user, Topic.FACILITIES)).select_related(
        "agency", "ward"
    )


def facility_get_for(user: User | AnonymousUser, facility_id: int | str) -> MedicalFacility:
    return _get(facilities_for(user), facility_id)


def places_for(user: User | AnonymousUser) -> QuerySet[QuarantinePlace]:
    return QuarantinePlace.objects.filter(agency__in=agencies_for(user, Topic.PLACES)).select_related("agency", "ward")


def place_get_for(user: User | AnonymousUser, place_id: int | str) -> QuarantinePlace:
    return _get(places_for(user), place_id)


def place_kinds_for(agency: Agency) -> frozenset[str]:
    return PLACE_KINDS.get(agency.kind, frozenset())


def consultations_for(user: User | AnonymousUser) -> QuerySet[ConsultationEntry]:
    return ConsultationEntry.objects.filter(agency__in=agencies_for(user, Topic.CONSULTATIONS)).select_related(
        "agency", "ward"
    )


def consultation_get_for(user: User | AnonymousUser, entry_id: int | str) -> ConsultationEntry:
    return _get(consultations_for(user), entry_id)


def reports_for(user: User | AnonymousUser) -> QuerySet[DailyReport]:
    return DailyReport.objects.all() if may_read_reports(user) else DailyReport.objects.none()


def report_get_for(user: User | AnonymousUser, report_id: int | str) -> DailyReport:
    return _get(reports_for(user), report_id)


# --- Public reads ---------------------------------------------------------------------------


def directive_search(text: str = "") -> QuerySet[Directive]:
    """Directives whose number, title or summary contain every word of ``text``, accents
    and case ignored ("chi thi 15" finds "Chỉ thị 15/CT-UBND")."""
    qs = Directive.objects.select_related("agency").order_by("-issued_on", "-pk")
    for word in search_key(text).split()[:8]:
        qs = qs.filter(search_text__contains=word)
    return qs


def directive_public_get(directive_id: int | str) -> Directive:
    return _get(Directive.objects.all(), directive_id)


@dataclass(frozen=True)
class DayTotal:
    day: date
    new_cases: int
    new_community: int
    new_imported: int
    new_in_follow_up: int
    tests: int
    tests_positive: int
    lab_tests: int
    lab_positives: int


def province_days(first: date, last: date) -> list[DayTotal]:
    """Province totals per day from the stored ward days (one grouped read) and the
    laboratories' counts; days with no stored figures are left out."""
    rows = (
        WardDay.objects.filter(day__gte=first, day__lte=last)
        .values("day")
        .annotate(
            local=Sum("new_local"),
            imported=Sum("new_imported"),
            unknown=Sum("new_unknown"),
            community=Sum("new_community"),
            watched=Sum("new_in_follow_up"),
            tests=Sum("tests"),
            positive=Sum("tests_positive"),
        )
        .order_by("day")
    )
    lab = lab_totals(first, last)
    return [
        DayTotal(
            day=row["day"],
            new_cases=row["local"] + row["imported"] + row["unknown"],
            new_community=row["community"],
            new_imported=row["imported"],
            new_in_follow_up=row["watched"],
            tests=row["tests"],
            tests_positive=row["positive"],
            lab_tests=lab.get(row["day"], (0, 0))[0],
            lab_positives=lab.get(row["day"], (0, 0))[1],
        )
        for row in rows
    ]


def lab_totals(first: date, last: date) -> dict[date, tuple[int, int]]:
    rows = (
        LabDailyCount.objects.filter(day__gte=first, day__lte=last)
        .values("day")
        .annotate(tests=Sum("tests"), positives=Sum("positives"), labs=Count("id"))
        .order_by()
    )
    return {row["day"]: (row["tests"], row["positives"]) for row in rows}


def lab_counts_on(day: date) -> list[LabDailyCount]:
    return list(LabDailyCount.objects.filter(day=day).select_related("agency").order_by("agency__name"))


@dataclass
class WardRow:
    ward: Ward
    today: WardFigures
    latitude: Decimal | None
    longitude: Decimal | None
    level_class: str = ""


def ward_rows(today: date) -> tuple[list[WardRow], datetime | None]:
    """Today's figures per ward, with the map point of each ward that has one; and when
    the stored figures of today were computed.

    New cases, the 7-day rate, the level and outcomes are counted live; F1/F2, the tests
    and the population come from today's stored rows (``compute_ward_days``, every 15
    minutes: counting 300,000 follow-ups takes longer than the page may), or are counted
    live when today has no stored rows yet."""
    wards = {w.code: w for w in Ward.objects.filter(province_id=settings.PROVINCE_CODE)}
    points = {
        p.ward_id: p for p in WardProfile.objects.filter(ward_id__in=list(wards), latitude__isnull=False).order_by()
    }
    stored: dict[int, StoredCounts] = {row.ward_id: row for row in WardDay.objects.filter(day=today)}
    rows = []
    for figures in ward_figures(today, sorted(wards), today=today, stored=stored):
        point = points.get(figures.ward_code)
        rows.append(
            WardRow(
                ward=wards[figures.ward_code],
                today=figures,
                latitude=point.latitude if point else None,
                longitude=point.longitude if point else None,
            )
        )
    rows.sort(key=lambda r: (-(r.today.level or 0), -(r.today.rate_7d or 0), r.ward.name))
    computed = [row.computed_at for row in stored.values() if isinstance(row, WardDay)]
    return rows, (max(computed) if len(stored) >= len(wards) and computed else None)


@dataclass
class FacilityState:
    facility: MedicalFacility
    latest: ResourceReport | None


def facility_states(qs: QuerySet[MedicalFacility] | None = None) -> list[FacilityState]:
    """Each active facility with its latest resource report (one query for the reports)."""
    facilities = list(
        (qs if qs is not None else MedicalFacility.objects.select_related("agency", "ward"))
        .filter(is_active=True)
        .order_by("name")
    )
    latest_ids = ResourceReport.objects.filter(facility=OuterRef("pk")).order_by("-reported_at", "-pk").values("pk")[:1]
    ids = [
        pk
        for pk in MedicalFacility.objects.filter(pk__in=[f.pk for f in facilities])
        .annotate(latest=Subquery(latest_ids))
        .values_list("latest", flat=True)
        if pk
    ]
    reports = {r.facility_id: r for r in ResourceReport.objects.filter(pk__in=ids)}
    return [FacilityState(facility=f, latest=reports.get(f.pk)) for f in facilities]


def facility_history(facility: MedicalFacility, *, limit: int = 60) -> list[ResourceReport]:
    return list(facility.reports.select_related("entered_by").order_by("-reported_at", "-pk")[:limit])


@dataclass
class PlaceState:
    place: QuarantinePlace
    latest: OccupancyReport | None

    @property
    def free(self) -> int | None:
        return max(self.latest.capacity - self.latest.occupied, 0) if self.latest else None


def place_states(qs: QuerySet[QuarantinePlace] | None = None) -> list[PlaceState]:
    places = list(
        (qs if qs is not None else QuarantinePlace.objects.select_related("agency", "ward"))
        .filter(is_active=True)
        .order_by("kind", "name")
    )
    latest_ids = OccupancyReport.objects.filter(place=OuterRef("pk")).order_by("-reported_at", "-pk").values("pk")[:1]
    ids = [
        pk
        for pk in QuarantinePlace.objects.filter(pk__in=[p.pk for p in places])
        .annotate(latest=Subquery(latest_ids))
        .values_list("latest", flat=True)
        if pk
    ]
    reports = {r.place_id: r for r in OccupancyReport.objects.filter(pk__in=ids)}
    return [PlaceState(place=p, latest=reports.get(p.pk)) for p in places]


def place_history(place: QuarantinePlace, *, limit: int = 60) -> list[OccupancyReport]:
    return list(place.reports.select_related("entered_by").order_by("-reported_at", "-pk")[:limit])


def consultation_directory() -> list[ConsultationEntry]:
    """Active hotlines and on-call doctors: the province-wide ones first, then by area."""
    entries = ConsultationEntry.objects.filter(is_active=True).select_related("ward")
    return sorted(entries, key=lambda e: (e.ward is not None, e.ward.name if e.ward else "", e.kind, e.name))


def reports_recent(*, limit: int = 60) -> list[DailyReport]:
    return list(DailyReport.objects.order_by("-day")[:limit])


def days_shown(today: date) -> tuple[date, date]:
    """The first and last stored day the page shows (yesterday back)."""
    last = today - timedelta(days=1)
    return last - timedelta(days=settings.OPERATIONS_DAYS_SHOWN - 1), last
