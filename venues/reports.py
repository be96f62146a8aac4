"""Check-in reports for health staff (a required report of seed 002), and the only page
where visitors' identities are shown: to health staff of the venue's ward, audit-logged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from declarations.staff_forms import StatsForm
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.jurisdiction import get_object_for
from truyvet.accounts.permissions import health_staff_required
from truyvet.lib.audit import audit_log, audit_log_many
from truyvet.lib.export import csv_response, xlsx_response
from venues.models import Category, Venue
from venues.selectors import checkins_per_day_and_ward, idle_venues, venues_per_ward_and_category, visitors_of

TABLES = {
    "venues": ["ward_code", "ward", "category", "venues", "active"],
    "checkins": ["day", "ward_code", "ward", "checkins", "venues_with_checkins"],
    "idle": ["venue_id", "code", "name", "category", "ward", "registered"],
}


def _tables(request: AuthenticatedRequest) -> dict[str, Any]:
    form = StatsForm(request.GET or None)
    date_from, date_to = form.period()
    return {
        "form": form,
        "date_from": date_from,
        "date_to": date_to,
        "venues": venues_per_ward_and_category(request.user),
        "checkins": checkins_per_day_and_ward(request.user, date_from=date_from, date_to=date_to),
        "idle": list(idle_venues(request.user)[:1000]),
    }


@health_staff_required
def reports(request: AuthenticatedRequest) -> HttpResponse:
    context = _tables(request)
    context["categories"] = dict(Category.choices)
    return render(request, "venues/reports.html", context)


def _rows(tables: dict[str, Any], name: str) -> Iterator[list[Any]]:
    categories = dict(Category.choices)
    if name == "venues":
        for r in tables["venues"]:
            yield [
                r["ward__code"],
                r["ward__name"],
                str(categories.get(r["category"], r["category"])),
                r["total"],
                r["active"],
            ]
    elif name == "checkins":
        for r in tables["checkins"]:
            yield [r["day"], r["venue__ward__code"], r["venue__ward__name"], r["checkins"], r["venues"]]
    else:
        for v in tables["idle"]:
            yield [
                v.pk,
                v.code,
                v.name,
                str(categories.get(v.category, v.category)),
                v.ward.name,
                timezone.localtime(v.created_at).date(),
            ]


@health_staff_required
def reports_export(request: AuthenticatedRequest, fmt: str) -> HttpResponseBase:
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    tables = _tables(request)
    stamp = f"{tables['date_from']:%Y%m%d}-{tables['date_to']:%Y%m%d}"
    if fmt == "csv":
        name = request.GET.get("table", "checkins")
        if name not in TABLES:
            raise Http404
        return csv_response(f"bao-cao-{name}-{stamp}", TABLES[name], _rows(tables, name))
    return xlsx_response(
        f"bao-cao-dia-diem-{stamp}", [(name, header, _rows(tables, name)) for name, header in TABLES.items()]
    )


@health_staff_required
def visitors(request: AuthenticatedRequest, venue_id: int) -> HttpResponse:
    venue = get_object_for(request.user, Venue.objects.select_related("ward"), pk=venue_id)
    page = Paginator(visitors_of(venue, days=settings.CHECKIN_RETENTION_DAYS), 100).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    audit_log(actor=request.user, action="venue.visitors", obj=venue, request=request, detail={"rows": len(rows)})
    audit_log_many(
        actor=request.user,
        action="venue.visitors",
        object_type="venues.checkin",
        rows=[(str(c.pk), c.person_id) for c in rows],
        request=request,
    )
    return render(
        request,
        "venues/visitors.html",
        {
            "venue": venue,
            "page": page,
            "rows": rows,
            "since": timezone.now() - timedelta(days=settings.CHECKIN_RETENTION_DAYS),
        },
    )
