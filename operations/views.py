"""The public operations page (``/operations/``), the directives' list and their PDFs.

Everything here is public and aggregate: no person is named. Each figure says its date and
where it comes from."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from operations.forms import DirectiveSearchForm
from operations.selectors import (
    consultation_directory,
    days_shown,
    directive_public_get,
    directive_search,
    facility_states,
    lab_counts_on,
    place_states,
    province_days,
    ward_rows,
)
from vaccination.coverage import province_summary

LEVEL_CLASSES = {1: "level-1", 2: "level-2", 3: "level-3", 4: "level-4", None: "level-unknown"}


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def page_figures(today: Any) -> dict[str, Any]:
    """What the page shows, as data: the benchmark times this."""
    rows, computed_at = ward_rows(today)
    first, last = days_shown(today)
    days = province_days(first, last)
    facilities = facility_states()
    places = place_states()
    labs_today = lab_counts_on(today)
    labs_yesterday = lab_counts_on(today - timedelta(days=1))
    totals = {
        name: sum(getattr(r.today, name) or 0 for r in rows)
        for name in (
            "new_local", "new_imported", "new_unknown", "new_community", "new_in_follow_up", "f1_active",
            "f2_active", "under_treatment", "recovered", "died", "tests", "tests_positive",
        )
    }  # fmt: skip
    totals["new_cases"] = totals["new_local"] + totals["new_imported"] + totals["new_unknown"]
    levels = {level: sum(1 for r in rows if r.today.level == level) for level in (1, 2, 3, 4, None)}
    chart = {
        "days": [d.day.isoformat() for d in days] + [today.isoformat()],
        "community": [d.new_community for d in days] + [totals["new_community"]],
        "imported": [d.new_imported for d in days] + [totals["new_imported"]],
        "in_follow_up": [d.new_in_follow_up for d in days] + [totals["new_in_follow_up"]],
        "tests": [d.tests for d in days] + [totals["tests"]],
        # Today's laboratory counts are entered during the day: none yet is no point, not 0.
        "lab_tests": [d.lab_tests for d in days] + [sum(c.tests for c in labs_today) if labs_today else None],
        "positivity": [_percent(d.tests_positive + d.lab_positives, d.tests + d.lab_tests) for d in days]
        + [
            _percent(
                totals["tests_positive"] + sum(c.positives for c in labs_today),
                totals["tests"] + sum(c.tests for c in labs_today),
            )
        ],
    }
    beds = {
        "total": sum(s.latest.beds_total for s in facilities if s.latest),
        "occupied": sum(s.latest.beds_occupied for s in facilities if s.latest),
        "icu_total": sum(s.latest.icu_total for s in facilities if s.latest),
        "icu_occupied": sum(s.latest.icu_occupied for s in facilities if s.latest),
        "ventilators": sum(s.latest.ventilators_total for s in facilities if s.latest),
        "ventilators_in_use": sum(s.latest.ventilators_in_use for s in facilities if s.latest),
    }
    map_points = {
        "wards": [
            {"name": r.ward.name, "lat": float(r.latitude), "lng": float(r.longitude), "level": r.today.level,
             "rate": float(r.today.rate_7d) if r.today.rate_7d is not None else None}
            for r in rows
            if r.latitude is not None and r.longitude is not None
        ],
        "facilities": [
            {"name": s.facility.name, "lat": float(s.facility.latitude), "lng": float(s.facility.longitude),
             "beds": f"{s.latest.beds_occupied}/{s.latest.beds_total}" if s.latest else ""}
            for s in facilities
            if s.facility.latitude is not None and s.facility.longitude is not None
        ],
    }  # fmt: skip
    return {
        "today": today,
        "now": timezone.now(),
        "rows": rows,
        "computed_at": computed_at,
        "days": days,
        "totals": totals,
        "levels": levels,
        "chart": chart,
        "facilities": facilities,
        "beds": beds,
        "places": places,
        "labs_today": labs_today,
        "labs_yesterday": labs_yesterday,
        "map_points": map_points,
        "consultations": consultation_directory(),
        "vaccination": province_summary(today),
    }


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    context = page_figures(today)
    context.update(
        {
            "directives": list(directive_search("")[:5]),
            "level_classes": LEVEL_CLASSES,
            "tiles": settings.LEAFLET_CONFIG["TILES"],
            "risk_rates": settings.OPERATIONS_RISK_RATES,
            "days_shown": settings.OPERATIONS_DAYS_SHOWN,
        }
    )
    for row in context["rows"]:
        row.level_class = LEVEL_CLASSES.get(row.today.level, "level-unknown")
    return render(request, "operations/index.html", context)


@require_GET
def directive_list(request: HttpRequest) -> HttpResponse:
    form = DirectiveSearchForm(request.GET or None)
    text = form.cleaned_data.get("q", "") if form.is_valid() else ""
    page = Paginator(directive_search(text), 20).get_page(request.GET.get("page"))
    return render(request, "operations/directives.html", {"form": form, "page": page, "q": text})


@require_GET
def directive_pdf(request: HttpRequest, directive_id: int) -> FileResponse:
    directive = directive_public_get(directive_id)
    response = FileResponse(
        directive.pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"{directive.number.replace('/', '-')}.pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
