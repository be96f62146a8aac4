"""Every read of the COVID-safe map that pages, the API and the demo share.

Staff reads are scoped by jurisdiction (``truyvet.accounts.jurisdiction``; 404 outside);
a facility manager reads the facilities they manage. The public map reads one table
(``map_geojson``): on PostgreSQL the whole FeatureCollection is built by one statement
(``json_build_object`` / ``json_agg``), elsewhere in Python with the same output.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Case, CharField, Count, Max, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from safetymap.models import (
    OPEN_REPORT_STATES,
    Assessment,
    Checklist,
    Facility,
    FacilityType,
    Report,
    ReportState,
    SafetyStatus,
)
from safetymap.status import stale_before
from truyvet.accounts.jurisdiction import scope_to_jurisdiction, sees_everywhere
from truyvet.accounts.models import HEALTH_ROLES, Role, User
from truyvet.people.normalize import search_key
from venues.selectors import checkins_today_by_venue

Viewer = User | AnonymousUser

# --- Who may do what with a facility -------------------------------------------------------


def may_register_facilities(user: Viewer) -> bool:
    """Health staff of the ward's units, the CDC and administrators."""
    return bool(user.is_authenticated and user.is_active and (sees_everywhere(user) or user.role in HEALTH_ROLES))


def is_facility_manager(user: Viewer) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.FACILITY_MANAGER)


def may_edit_checklists(user: Viewer) -> bool:
    """The province CDC and administrators."""
    return bool(user.is_authenticated and user.is_active and (sees_everywhere(user) or user.role == Role.PROVINCE_CDC))


# --- Facilities ------------------------------------------------------------------------------


def facility_list_for(
    user: Viewer, *, search: str = "", type: str = "", ward_code: int | None = None
) -> QuerySet[Facility]:
    """The facilities of the user's wards (staff), by name."""
    qs = scope_to_jurisdiction(Facility.objects.select_related("ward"), user)
    if search.strip():
        qs = qs.filter(name_key__contains=search_key(search))
    if type:
        qs = qs.filter(type=type)
    if ward_code is not None:
        qs = qs.filter(ward_id=ward_code)
    return qs.order_by("name_key", "pk")


def facility_get_for(user: Viewer, facility_id: int) -> Facility:
    """A facility of the user's wards, or one they manage; 404 otherwise."""
    base = Facility.objects.select_related("ward", "venue")
    found = scope_to_jurisdiction(base, user).filter(pk=facility_id).first() if may_register_facilities(user) else None
    if found is None and user.is_authenticated:
        found = base.filter(pk=facility_id, managers=user).first()
    if found is None:
        raise Http404
    return found


def facility_managed_get_for(user: Viewer, facility_id: int) -> Facility:
    """A facility the user manages (administrators: any), or 404: who may assess it."""
    base = Facility.objects.select_related("ward", "venue").filter(pk=facility_id, is_active=True)
    found = (
        base.first() if sees_everywhere(user) else base.filter(managers=user).first() if user.is_authenticated else None
    )
    if found is None:
        raise Http404
    return found


def facility_public_get(facility_id: int) -> Facility:
    """An active facility, for the public report form; 404 otherwise."""
    found = Facility.objects.select_related("ward").filter(pk=facility_id, is_active=True).first()
    if found is None:
        raise Http404
    return found


@dataclass(frozen=True)
class ManagedFacility:
    facility: Facility
    shown_status: str
    assessed_today: bool
    reports_to_answer: int
    checkins_today: int | None


def facilities_managed_by(user: User, *, now: datetime | None = None) -> list[ManagedFacility]:
    """The manager's facilities with what they need to see first: today's assessment, the
    verified reports not yet answered, the check-ins of the linked venue today."""
    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    facilities = list(
        Facility.objects.filter(managers=user, is_active=True)
        .select_related("ward", "venue")
        .annotate(
            to_answer=Count("reports", filter=Q(reports__state=ReportState.VERIFIED, reports__answered_at__isnull=True))
        )
        .order_by("name_key", "pk")
    )
    counts = checkins_today_by_venue([f.venue_id for f in facilities if f.venue_id])
    cutoff = stale_before(now)
    return [
        ManagedFacility(
            facility=f,
            shown_status=SafetyStatus.NOT_ASSESSED if f.assessed_at is None or f.assessed_at < cutoff else f.status,
            assessed_today=f.assessed_at is not None and f.assessed_at >= today,
            reports_to_answer=f.to_answer,
            checkins_today=counts.get(f.venue_id, 0) if f.venue_id else None,
        )
        for f in facilities
    ]


def shown_status_of(facility: Facility, *, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if facility.assessed_at is None or facility.assessed_at < stale_before(now):
        return SafetyStatus.NOT_ASSESSED
    return facility.status


def checkins_today_of(facility: Facility) -> int | None:
    if not facility.venue_id:
        return None
    return checkins_today_by_venue([facility.venue_id]).get(facility.venue_id, 0)


# --- Checklists ------------------------------------------------------------------------------


def checklist_current(type: str) -> Checklist | None:
    """The newest version of the type's checklist, with its criteria."""
    return Checklist.objects.filter(type=type).prefetch_related("criteria").order_by("-version").first()


def checklists_current() -> list[Checklist]:
    """The current checklist of each type that has one, by type."""
    newest = Checklist.objects.values("type").annotate(v=Max("version"))
    wanted = Q()
    for row in newest:
        wanted |= Q(type=row["type"], version=row["v"])
    if not newest:
        return []
    return list(Checklist.objects.filter(wanted).prefetch_related("criteria").order_by("type"))


def checklist_versions(type: str) -> list[Checklist]:
    return list(Checklist.objects.filter(type=type).select_related("created_by").order_by("-version"))


# --- History ---------------------------------------------------------------------------------


def facility_history(facility: Facility, *, limit: int = 200) -> dict[str, Any]:
    """A facility's assessments (with their checklist versions) and reports, newest first."""
    assessments = list(
        Assessment.objects.filter(facility=facility).select_related("checklist", "by").order_by("-at", "-pk")[:limit]
    )
    reports = list(Report.objects.filter(facility=facility).order_by("-created_at", "-pk")[:limit])
    return {"assessments": assessments, "reports": reports}


def assessment_failed_labels(assessment: Assessment, language: str) -> list[str]:
    """The words of the criteria an assessment failed, in its own checklist version."""
    failed = set(assessment.failed or [])
    return [c.label(language) for c in assessment.checklist.criteria.all() if c.pk in failed]


# --- Reports ---------------------------------------------------------------------------------


def report_queue_for(user: Viewer, *, state: str = ReportState.NEW) -> QuerySet[Report]:
    """The reports about facilities of the user's wards in ``state`` ("" : open ones), oldest
    first: the moderation queue of the station of the facility's ward."""
    if not may_register_facilities(user):
        return Report.objects.none()
    qs = scope_to_jurisdiction(
        Report.objects.select_related("facility", "facility__ward"), user, ward_field="facility__ward"
    )
    qs = qs.filter(state__in=OPEN_REPORT_STATES) if not state else qs.filter(state=state)
    return qs.order_by("created_at", "pk")


def report_get_for(user: Viewer, report_id: int) -> Report:
    """A report about a facility of the user's wards (moderators), or 404."""
    if not may_register_facilities(user):
        raise Http404
    found = (
        scope_to_jurisdiction(
            Report.objects.select_related("facility", "facility__ward"), user, ward_field="facility__ward"
        )
        .filter(pk=report_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def reports_for_manager(user: User, facility: Facility) -> list[Report]:
    """The verified and resolved reports about a facility the user manages (never the new or
    rejected ones, never who sent them)."""
    return list(
        Report.objects.filter(
            facility=facility, facility__managers=user, state__in=[ReportState.VERIFIED, ReportState.RESOLVED]
        ).order_by("-created_at", "-pk")
    )


def report_for_manager_get(user: User, report_id: int) -> Report:
    found = (
        Report.objects.select_related("facility")
        .filter(pk=report_id, facility__managers=user, state__in=[ReportState.VERIFIED, ReportState.RESOLVED])
        .first()
    )
    if found is None:
        raise Http404
    return found


def report_by_ref(ref: str) -> Report:
    """The report behind a reporter's follow link, or 404."""
    if not (0 < len(ref) <= 32 and ref.isascii()):
        raise Http404
    found = Report.objects.select_related("facility").filter(ref=ref).first()
    if found is None:
        raise Http404
    return found


# --- Statistics ------------------------------------------------------------------------------


def statistics_by_ward_and_type(user: Viewer, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per ward and type of the user's wards: facilities, how many safe, how many not
    assessed, open reports; by ward name then type."""
    now = now or timezone.now()
    cutoff = stale_before(now)
    qs = scope_to_jurisdiction(Facility.objects.filter(is_active=True), user).order_by()
    rows = list(
        qs.values("ward_id", "ward__name", "type").annotate(
            total=Count("pk"),
            safe=Count("pk", filter=Q(status=SafetyStatus.SAFE, assessed_at__gte=cutoff)),
            not_assessed=Count("pk", filter=Q(assessed_at__isnull=True) | Q(assessed_at__lt=cutoff)),
        )
    )
    open_rows = (
        scope_to_jurisdiction(Report.objects.filter(state__in=OPEN_REPORT_STATES), user, ward_field="facility__ward")
        .order_by()
        .values("facility__ward_id", "facility__type")
        .annotate(n=Count("pk"))
    )
    open_reports = {(r["facility__ward_id"], r["facility__type"]): r["n"] for r in open_rows}
    types = dict(FacilityType.choices)
    found = [
        {
            "ward_code": r["ward_id"],
            "ward_name": r["ward__name"],
            "type": r["type"],
            "type_label": str(types.get(r["type"], r["type"])),
            "total": r["total"],
            "safe": r["safe"],
            "safe_share": round(100 * r["safe"] / r["total"], 1) if r["total"] else 0.0,
            "not_assessed": r["not_assessed"],
            "not_assessed_share": round(100 * r["not_assessed"] / r["total"], 1) if r["total"] else 0.0,
            "reports_open": open_reports.get((r["ward_id"], r["type"]), 0),
        }
        for r in rows
    ]
    return sorted(found, key=lambda e: (search_key(e["ward_name"]), e["ward_code"], e["type"]))


# --- The public map --------------------------------------------------------------------------


@dataclass(frozen=True)
class MapFilter:
    types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    ward_code: int | None = None


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def _map_rows(filters: MapFilter, now: datetime) -> QuerySet[Any]:
    """The facilities on the map with the status shown (stale: not assessed), as of the
    minute of ``now`` (so one minute's answers are the same and its ETag holds)."""
    cutoff = stale_before(_minute(now))
    qs = Facility.objects.filter(is_active=True)
    if filters.types:
        qs = qs.filter(type__in=list(filters.types))
    if filters.ward_code is not None:
        qs = qs.filter(ward_id=filters.ward_code)
    fresh = Q(assessed_at__gte=cutoff)
    if filters.statuses:
        wanted = Q(pk__in=[])
        assessed = [s for s in filters.statuses if s != SafetyStatus.NOT_ASSESSED]
        if assessed:
            wanted |= fresh & Q(status__in=assessed)
        if SafetyStatus.NOT_ASSESSED in filters.statuses:
            wanted |= ~fresh | Q(assessed_at__isnull=True)
        qs = qs.filter(wanted)
    return qs.annotate(
        shown=Case(
            When(fresh, then="status"),
            default=Value(SafetyStatus.NOT_ASSESSED),
            output_field=CharField(),
        )
    ).order_by("pk")


def map_version(filters: MapFilter, *, now: datetime | None = None) -> str:
    """A short tag that changes whenever the answer of ``map_geojson`` (at the same
    ``now``) may change: the facilities' count, their newest change (every write of a status
    touches ``updated_at``) and how many are stale by then (a facility that goes stale
    changes the answer with no write). One indexed aggregate over the table."""
    now = now or timezone.now()
    cutoff = stale_before(_minute(now))
    qs = Facility.objects.order_by()
    if filters.ward_code is not None:
        qs = qs.filter(ward_id=filters.ward_code)
    state = qs.aggregate(
        n=Count("pk"),
        last=Max("updated_at"),
        stale=Count("pk", filter=Q(assessed_at__isnull=True) | Q(assessed_at__lt=cutoff)),
    )
    raw = f"{state['n']}|{state['last']}|{state['stale']}|{filters}"
    return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()


# One statement builds the whole answer as text: each feature by ``format`` (to_json quotes
# and escapes the strings), joined by string_agg. It costs what a bare json_agg of the same
# rows costs, where nested json_build_object calls cost twice that (docs/BENCHMARKS.md).
_FEATURES_SQL = """
SELECT '{"type":"FeatureCollection","features":[' || coalesce(string_agg(format(
  '{"type":"Feature","geometry":{"type":"Point","coordinates":[%%s,%%s]},'
  '"properties":{"id":%%s,"name":%%s,"type":%%s,"status":%%s,"assessed_at":%%s,"score":%%s}}',
  round(t.longitude, 5), round(t.latitude, 5), t.id, to_json(t.name), to_json(t.type), to_json(t.shown),
  coalesce(to_json(to_char(t.assessed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))::text, 'null'),
  coalesce(t.score::text, 'null')
), ',' ORDER BY t.id), '') || ']}'
FROM ({inner}) t
"""


def _five(value: Decimal) -> float:
    """Five decimals, half away from zero as PostgreSQL's round() does."""
    return float(value.quantize(Decimal("0.00001"), rounding=ROUND_HALF_UP))


def _time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def map_geojson(filters: MapFilter, *, now: datetime | None = None) -> str:
    """The public map's GeoJSON FeatureCollection as text (API.md, Safety map): each
    facility's id, name, type, shown status, last assessment (UTC) and its score."""
    now = now or timezone.now()
    rows = _map_rows(filters, now).values_list(
        "id", "name", "type", "shown", "assessed_at", "score", "latitude", "longitude"
    )
    if connection.vendor == "postgresql":
        inner, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(_FEATURES_SQL.replace("{inner}", inner), params)
            (text,) = cursor.fetchone()
        return str(text)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [_five(lng), _five(lat)]},
            "properties": {
                "id": pk,
                "name": name,
                "type": kind,
                "status": shown,
                "assessed_at": _time(assessed_at),
                "score": score,
            },
        }
        for pk, name, kind, shown, assessed_at, score, lat, lng in rows
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))


def map_counts(*, now: datetime | None = None) -> dict[str, int]:
    """How many facilities show each status (the legend, and the page without JavaScript)."""
    now = now or timezone.now()
    counted = dict(
        _map_rows(MapFilter(), now).order_by().values_list("shown").annotate(n=Count("pk")).values_list("shown", "n")
    )
    return {status: counted.get(status, 0) for status in SafetyStatus.values}


def wards_with_facilities() -> list[tuple[int, str]]:
    """The wards that have an active facility, by name: the map's ward filter."""
    rows = Facility.objects.filter(is_active=True).order_by().values_list("ward_id", "ward__name").distinct()
    return sorted(rows, key=lambda r: (search_key(r[1]), r[0]))


def types_present(values: Iterable[str]) -> list[str]:
    return [v for v in values if v in FacilityType.values]
