"""Staff pages for declarations: list, detail, export, daily statistics, QR revocation.

Every page is scoped to the user's wards by the selectors, and every page that shows
people is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from declarations.identity import reasons_shown_to_staff
from declarations.models import Declaration, Kind
from declarations.risk import REASON_LABELS
from declarations.selectors import (
    declaration_daily_stats_for,
    declaration_get_for,
    declaration_history_for,
    declaration_list_for,
    identity_mismatches_for,
)
from declarations.staff_forms import DeclarationFilterForm
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.jurisdiction import health_ward_check, jurisdiction_wards, ward_filter
from truyvet.accounts.permissions import health_staff_required
from truyvet.credentials.services import qr_revoke
from truyvet.geo.models import Ward
from truyvet.lib.audit import audit_log
from truyvet.lib.export import MAX_ROWS, csv_response, xlsx_response
from truyvet.lib.paging import keyset_page
from truyvet.lib.periods import PeriodForm, period_slug
from truyvet.people.models import Symptom
from truyvet.people.selectors import contact_history_for, person_get_for

PAGE_SIZE = 50
EXPORT_HEADER = [
    "id",
    "declared_at",
    "kind",
    "risk_level",
    "reasons",
    "full_name",
    "id_number",
    "passport",
    "phone",
    "ward",
]


def _filter_form(request: AuthenticatedRequest, wards: list[Ward] | None = None) -> DeclarationFilterForm:
    if wards is None:
        wards = list(jurisdiction_wards(request.user).order_by("sort_name", "name"))
    return DeclarationFilterForm(request.GET or None, wards=wards)


@health_staff_required
def declaration_list(request: AuthenticatedRequest) -> HttpResponse:
    wards = list(jurisdiction_wards(request.user).order_by("sort_name", "name"))
    form = _filter_form(request, wards)
    filters = form.filters()
    rows, cursor = keyset_page(
        declaration_list_for(request.user, filters), before=request.GET.get("before", ""), size=PAGE_SIZE
    )
    audit_log(
        actor=request.user,
        action="declaration.list",
        request=request,
        detail={"filters": filters.given(), "rows": len(rows)},
    )
    sees = health_ward_check(request.user, wards)
    for d in rows:
        d.shown_reasons = _labels(d, sees)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "declarations/staff_list.html",
        {"form": form, "rows": rows, "cursor": cursor, "query": query.urlencode()},
    )


def _labels(declaration: Declaration, sees: Callable[[int | None], bool]) -> list[str]:
    return [str(REASON_LABELS.get(r, r)) for r in reasons_shown_to_staff(declaration, sees)]


@health_staff_required
def declaration_detail(request: AuthenticatedRequest, declaration_id: int) -> HttpResponse:
    declaration = declaration_get_for(request.user, declaration_id)
    audit_log(
        actor=request.user, action="declaration.view", obj=declaration, person_id=declaration.person_id, request=request
    )
    symptoms = dict(Symptom.choices)
    sees = health_ward_check(request.user)
    # Staff of the ward a declaration was made in see it as declared; the record behind its
    # id number (details, earlier declarations, history) only if the record lies in their wards.
    sees_record = sees(declaration.person.ward_id)
    return render(
        request,
        "declarations/staff_detail.html",
        {
            "d": declaration,
            "symptoms": [symptoms.get(s, s) for s in declaration.symptoms],
            "reasons": _labels(declaration, sees),
            "sees_record": sees_record,
            "history": declaration_history_for(declaration.person_id) if sees_record else [],
            "contact_history": contact_history_for(declaration.person_id) if sees_record else [],
        },
    )


@health_staff_required
def identity_mismatches(request: AuthenticatedRequest) -> HttpResponse:
    """Declarations whose details differ from the record, for the station of the record's ward."""
    rows = identity_mismatches_for(request.user)
    audit_log(actor=request.user, action="declaration.mismatches", request=request, detail={"rows": len(rows)})
    return render(request, "declarations/staff_mismatches.html", {"rows": rows})


@health_staff_required
@require_POST
def revoke_qr(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = person_get_for(ward_filter(request.user), person_id)
    qr_revoke(user=request.user, person=person)
    messages.success(request, _("The personal QR code was revoked. A new declaration gives a new one."))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("declarations:staff_list")
    return redirect(next_url)


def _export_rows(qs: Any, sees: Callable[[int | None], bool]) -> Iterator[list[Any]]:
    for d in qs[:MAX_ROWS].iterator(chunk_size=2000):
        yield [
            d.pk,
            timezone.localtime(d.created_at).isoformat(timespec="seconds"),
            d.kind,
            d.risk_level,
            " ".join(reasons_shown_to_staff(d, sees)),
            d.full_name or d.person.full_name,
            d.person.id_number or "",
            d.person.passport_number or "",
            d.person.phone,
            d.ward.name if d.ward else "",
        ]


@health_staff_required
def declaration_export(request: AuthenticatedRequest, fmt: str) -> HttpResponseBase:
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    filters = _filter_form(request).filters()
    qs = declaration_list_for(request.user, filters)
    audit_log(
        actor=request.user,
        action="declaration.export",
        request=request,
        detail={"format": fmt, "filters": filters.given()},
    )
    name = f"to-khai-{timezone.localdate():%Y%m%d}"
    sees = health_ward_check(request.user)
    if fmt == "csv":
        return csv_response(name, EXPORT_HEADER, _export_rows(qs, sees))
    return xlsx_response(name, [("declarations", EXPORT_HEADER, _export_rows(qs, sees))])


@health_staff_required
def declaration_stats(request: AuthenticatedRequest) -> HttpResponseBase:
    form = PeriodForm(request.GET or None)
    date_from, date_to = form.period()
    rows = declaration_daily_stats_for(request.user, date_from=date_from, date_to=date_to)
    if request.GET.get("format") == "csv":
        header = ["day", "ward_code", "ward", "kind", "total", "yellow", "red"]
        body = (
            [r["day"], r["ward__code"], r["ward__name"], r["kind"], r["total"], r["yellow"], r["red"]] for r in rows
        )
        return csv_response(f"thong-ke-to-khai-{period_slug((date_from, date_to))}", header, body)
    totals = {key: sum(r[key] for r in rows) for key in ("total", "yellow", "red")}
    kinds = dict(Kind.choices)
    return render(
        request,
        "declarations/staff_stats.html",
        {"form": form, "rows": rows, "totals": totals, "kinds": kinds, "date_from": date_from, "date_to": date_to},
    )
