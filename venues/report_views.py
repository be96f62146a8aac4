"""Check-in reports for health staff (a required report of the provincial steering
committee), and the only page where visitors' identities are shown: to health
staff of the venue's ward, each view audit-logged against every person on it.

Every read goes through the jurisdiction-scoped selectors in ``venues.selectors``; each
table is one query whatever the number of wards, venues or check-ins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.models import User
from truyvet.accounts.permissions import health_staff_required
from truyvet.lib.audit import audit_log, audit_log_many
from truyvet.lib.export import csv_response, xlsx_response
from truyvet.lib.periods import PeriodForm, period_slug
from truyvet.people.normalize import masked_phone
from venues.models import Category, CheckIn
from venues.selectors import (
    checkins_per_day_and_ward,
    idle_venues,
    venue_get_for,
    venues_per_ward_and_category,
    visitors_of,
)

IDLE_DAYS = 7
IDLE_ON_PAGE = 500  # the page lists this many; the export has them all
VISITORS_DAYS = 21  # the tracing window; check-ins older than the retention period are gone anyway
VISITORS_PER_PAGE = 100

HEADERS: dict[str, list[str]] = {
    "venues": ["ward_code", "ward", "category", "category_name", "venues", "active"],
    "checkins": ["day", "ward_code", "ward", "checkins", "venues_with_checkins"],
    "idle": ["venue_id", "code", "name", "category", "category_name", "ward_code", "ward", "registered"],
}


def _category_name(code: str) -> str:
    return str(dict(Category.choices).get(code, code))


def _venue_rows(user: User, period: tuple[date, date]) -> Iterator[list[Any]]:
    for r in venues_per_ward_and_category(user):
        yield [r["ward__code"], r["ward__name"], r["category"], _category_name(r["category"]), r["total"], r["active"]]


def _checkin_rows(user: User, period: tuple[date, date]) -> Iterator[list[Any]]:
    for r in checkins_per_day_and_ward(user, date_from=period[0], date_to=period[1]):
        yield [r["day"], r["venue__ward__code"], r["venue__ward__name"], r["checkins"], r["venues"]]


def _idle_rows(user: User, period: tuple[date, date]) -> Iterator[list[Any]]:
    for v in idle_venues(user, days=IDLE_DAYS).iterator(chunk_size=2000):
        yield [
            v.pk,
            v.code,
            v.name,
            v.category,
            _category_name(v.category),
            v.ward_id,
            v.ward.name,
            timezone.localtime(v.created_at).date(),
        ]


ROWS: dict[str, Callable[[User, tuple[date, date]], Iterator[list[Any]]]] = {
    "venues": _venue_rows,
    "checkins": _checkin_rows,
    "idle": _idle_rows,
}


@health_staff_required
def reports(request: AuthenticatedRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    date_from, date_to = form.period()
    return render(
        request,
        "venues/reports/index.html",
        {
            "form": form,
            "date_from": date_from,
            "date_to": date_to,
            "venues": venues_per_ward_and_category(request.user),
            "checkins": checkins_per_day_and_ward(request.user, date_from=date_from, date_to=date_to),
            "idle": list(idle_venues(request.user, days=IDLE_DAYS)[:IDLE_ON_PAGE]),
            "idle_days": IDLE_DAYS,
            "categories": dict(Category.choices),
        },
    )


@health_staff_required
def reports_export(request: AuthenticatedRequest, fmt: str) -> HttpResponseBase:
    """CSV (one table, ``?table=venues|checkins|idle``, streamed) or XLSX (one sheet each).
    Counts and venues only, no person, so nothing here is audit-logged."""
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    period = PeriodForm(request.GET or None).period()
    stamp = period_slug(period)
    if fmt == "csv":
        table = request.GET.get("table") or "checkins"
        if table not in ROWS:
            raise Http404
        return csv_response(f"bao-cao-dia-diem-{table}-{stamp}", HEADERS[table], ROWS[table](request.user, period))
    return xlsx_response(
        f"bao-cao-dia-diem-{stamp}", [(table, HEADERS[table], ROWS[table](request.user, period)) for table in ROWS]
    )


@dataclass(frozen=True)
class VisitorRow:
    checkin_id: int
    person_id: int
    full_name: str
    phone: str
    checked_in_at: datetime
    checked_out_at: datetime | None
    ends_at: datetime
    assisted: bool


def _visitor_row(c: CheckIn) -> VisitorRow:
    return VisitorRow(
        checkin_id=c.pk,
        person_id=c.person_id,
        full_name=c.person.full_name,
        phone=masked_phone(c.person.phone),
        checked_in_at=c.checked_in_at,
        checked_out_at=c.checked_out_at,
        ends_at=c.ends_at,
        assisted=c.assisted_by_id is not None,
    )


@health_staff_required
def visitors(request: AuthenticatedRequest, venue_id: int) -> HttpResponse:
    """Who checked in at one venue in the tracing window. Outside the user's wards: 404."""
    venue = venue_get_for(request.user, venue_id)
    page = Paginator(visitors_of(venue, days=VISITORS_DAYS), VISITORS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [_visitor_row(c) for c in page.object_list]
    # One event for the page, and one per person shown, so each person's trail says who saw them.
    audit_log(
        actor=request.user,
        action="venue.visitors",
        obj=venue,
        request=request,
        detail={"rows": len(rows), "page": page.number, "days": VISITORS_DAYS},
    )
    audit_log_many(
        actor=request.user,
        action="venue.visitors",
        object_type="venues.checkin",
        rows=[(str(r.checkin_id), r.person_id) for r in rows],
        request=request,
    )
    return render(
        request,
        "venues/reports/visitors.html",
        {"venue": venue, "page": page, "rows": rows, "since": timezone.now() - timedelta(days=VISITORS_DAYS)},
    )
