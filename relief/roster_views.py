"""Staff pages of the volunteer register: search volunteers (by name without accents, phone,
skill, ward, availability), export them, open one; from a help request's page, the search
offers to assign the volunteers it finds.

Who: health staff and administrators, for the volunteers whose area meets their wards (404
outside). The pages show phones, so each list, view and export is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from relief.forms import VolunteerFilterForm
from relief.models import Volunteer
from relief.selectors import sos_get_for, volunteer_get_for, volunteer_history_for, volunteer_list_for
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.jurisdiction import jurisdiction_wards
from truyvet.accounts.permissions import health_staff_required
from truyvet.lib.audit import audit_log
from truyvet.lib.bounds import parse_int
from truyvet.lib.errors import DomainError
from truyvet.lib.export import MAX_ROWS, csv_response, xlsx_response
from truyvet.people.normalize import display_phone

PAGE_SIZE = 100
EXPORT_HEADER = [
    "id",
    "full_name",
    "phone",
    "phone_confirmed",
    "skills",
    "other_skills",
    "availability",
    "wards",
    "active",
    "registered_at",
    "consent_version",
]


def _filtered(request: AuthenticatedRequest) -> tuple[VolunteerFilterForm, Any]:
    wards = list(jurisdiction_wards(request.user).order_by("sort_name", "name"))
    form = VolunteerFilterForm(request.GET or None, wards=wards)
    return form, volunteer_list_for(request.user, **form.filters())


@health_staff_required
def volunteer_list(request: AuthenticatedRequest) -> HttpResponse:
    """The search; with ``?for=<request number>``, each volunteer found can be assigned to it."""
    sos = None
    if request.GET.get("for"):
        try:
            sos = sos_get_for(request.user, parse_int(request.GET.get("for"), "for"))
        except DomainError:
            raise Http404 from None
    form, qs = _filtered(request)
    rows = list(qs[:PAGE_SIZE])
    audit_log(
        actor=request.user,
        action="relief.volunteer_list",
        request=request,
        detail={"filters": {k: str(v) for k, v in form.filters().items() if v}, "rows": len(rows)},
    )
    for volunteer in rows:
        volunteer.phone_shown = display_phone(volunteer.phone)
    query = request.GET.urlencode()
    return render(
        request,
        "relief/roster_list.html",
        {"form": form, "rows": rows, "more": len(rows) == PAGE_SIZE, "sos": sos, "query": query},
    )


def _export_rows(rows: list[Volunteer]) -> Iterator[list[Any]]:
    for v in rows:
        yield [
            v.pk,
            v.full_name,
            display_phone(v.phone),
            "yes" if v.phone_confirmed_at else "no",
            ", ".join(v.skill_list),
            v.skills_other,
            v.availability,
            ", ".join(w.name for w in v.wards.all()),
            "yes" if v.is_active else "no",
            timezone.localtime(v.created_at).isoformat(timespec="seconds"),
            v.consent_version,
        ]


@health_staff_required
def volunteer_export(request: AuthenticatedRequest, fmt: str) -> HttpResponseBase:
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    form, qs = _filtered(request)
    rows = list(qs[:MAX_ROWS])
    audit_log(
        actor=request.user,
        action="relief.volunteer_export",
        request=request,
        detail={"format": fmt, "filters": {k: str(v) for k, v in form.filters().items() if v}, "rows": len(rows)},
    )
    name = f"volunteers-{timezone.localdate().isoformat()}"
    if fmt == "csv":
        return csv_response(name, EXPORT_HEADER, _export_rows(rows))
    return xlsx_response(name, [("volunteers", EXPORT_HEADER, _export_rows(rows))])


@health_staff_required
def volunteer_detail(request: AuthenticatedRequest, volunteer_id: int) -> HttpResponse:
    volunteer = volunteer_get_for(request.user, volunteer_id)
    audit_log(actor=request.user, action="relief.volunteer_view", obj=volunteer, request=request)
    return render(
        request,
        "relief/roster_detail.html",
        {
            "volunteer": volunteer,
            "phone": display_phone(volunteer.phone),
            "requests": list(volunteer_history_for(request.user, volunteer)[:100]),
        },
    )
