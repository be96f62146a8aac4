"""The coverage statistics page (health staff, their wards; the CDC the province): coverage
by ward against the target population, by age group, priority group, dose number and
product, with server-drawn SVG bars and CSV/XLSX exports. Aggregates only: no person is
named, so reads are not audit-logged."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.permissions import health_staff_required
from truyvet.lib.export import csv_response, xlsx_response
from vaccination import valuesets
from vaccination.coverage import AGE_GROUPS, UNKNOWN_AGE, Coverage, by_ward_rows, coverage_of, coverage_wards_for

BAR_WIDTH = 300  # the SVG's drawing width for 100 %


class CoverageFilterForm(forms.Form):
    day = forms.DateField(label=_("On"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ward = forms.IntegerField(label=_("Ward code"), required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control form-control-sm"


def _percent(value: Decimal | None) -> float | None:
    return None if value is None else float(value * 100)


def _bar(label: str, one: Decimal | None, full: Decimal | None, index: int) -> dict[str, Any]:
    one_pct, full_pct = _percent(one) or 0.0, _percent(full) or 0.0
    return {
        "label": label,
        "y": index * 22,
        "one": round(min(one_pct, 100.0) * BAR_WIDTH / 100, 1),
        "full": round(min(full_pct, 100.0) * BAR_WIDTH / 100, 1),
        "one_pct": round(one_pct, 1),
        "full_pct": round(full_pct, 1),
        "known": one is not None,
    }


def _share(part: int, whole: int) -> Decimal | None:
    return Decimal(part) / Decimal(whole) if whole else None


def _context(coverage: Coverage) -> dict[str, Any]:
    total = coverage.total
    ward_bars = [_bar(w.ward_name, w.coverage_one, w.coverage_full, i) for i, w in enumerate(coverage.wards)]
    age_bars = [
        _bar(label, _share(c.one_dose, c.people), _share(c.full_series, c.people), i)
        for i, (label, c) in enumerate(coverage.by_age())
    ]
    group_bars = [
        _bar(g.name, _share(c.one_dose, c.people), _share(c.full_series, c.people), i)
        for i, (g, c) in enumerate(coverage.groups)
        if c.people
    ]
    products = valuesets.products()
    doses = [(products[p].display if p in products else p, number, count) for p, number, count in coverage.doses]
    most = max((count for _p, _n, count in doses), default=0)
    dose_bars = [
        {"label": f"{name} · {number}", "y": i * 22, "w": round(count * BAR_WIDTH / most, 1) if most else 0,
         "count": count}
        for i, (name, number, count) in enumerate(doses)
    ]  # fmt: skip
    return {
        "coverage": coverage,
        "total": total,
        "ward_bars": ward_bars,
        "age_bars": age_bars,
        "group_bars": group_bars,
        "dose_bars": dose_bars,
        "bar_width": BAR_WIDTH,
        "heights": {
            "wards": len(ward_bars) * 22,
            "ages": len(age_bars) * 22,
            "groups": len(group_bars) * 22,
            "doses": len(dose_bars) * 22,
        },
    }


WARD_HEADER = ["ward_code", "ward", "target", "target_source", "people", "one_dose_in_target",
               "full_series_in_target", "booster_in_target", "coverage_one_dose", "coverage_full_series"]  # fmt: skip
AGE_HEADER = ["ward_code", "ward", "age_group", "people", "one_dose", "full_series", "booster", "target",
              "target_source"]  # fmt: skip


def _ward_rows(coverage: Coverage) -> list[list[Any]]:
    return [
        [w.ward_code, w.ward_name, w.target, w.target_source, w.people, w.in_target.one_dose,
         w.in_target.full_series, w.in_target.booster, w.coverage_one, w.coverage_full]
        for w in coverage.wards
    ]  # fmt: skip


@health_staff_required
def coverage_page(request: AuthenticatedRequest) -> HttpResponse | StreamingHttpResponse:
    """Coverage of the user's wards (one ward with ``?ward=``: 404 outside them) on a day;
    ``?format=csv`` (ward × age group) or ``xlsx`` (every table, a sheet each)."""
    form = CoverageFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    day: date = data.get("day") or timezone.localdate()
    codes = coverage_wards_for(request.user)
    if data.get("ward"):
        if data["ward"] not in codes:
            raise Http404
        codes = [data["ward"]]
    coverage = coverage_of(codes, day)
    fmt = request.GET.get("format", "")
    name = f"coverage-{day.isoformat()}"
    if fmt == "csv":
        return csv_response(name, AGE_HEADER, by_ward_rows(coverage))
    if fmt == "xlsx":
        products = valuesets.products()
        return xlsx_response(
            name,
            [
                ("wards", WARD_HEADER, _ward_rows(coverage)),
                ("age_groups", AGE_HEADER, by_ward_rows(coverage)),
                ("doses", ["product", "product_name", "dose_number", "doses"],
                 [[p, products[p].display if p in products else p, n, c] for p, n, c in coverage.doses]),
                ("priority_groups", ["group", "people", "one_dose", "full_series", "booster"],
                 [[g.name, c.people, c.one_dose, c.full_series, c.booster] for g, c in coverage.groups]),
            ],
        )  # fmt: skip
    query = request.GET.copy()
    query.pop("format", None)
    context = _context(coverage)
    context.update({"form": form, "query": query.urlencode(), "day": day, "age_labels": [a[0] for a in AGE_GROUPS],
                    "unknown_age": UNKNOWN_AGE})  # fmt: skip
    return render(request, "vaccination/coverage.html", context)


urlpatterns = [path("coverage/", coverage_page, name="coverage")]
