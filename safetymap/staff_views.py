"""Staff pages of the COVID-safe map: the facilities of one's wards (register, edit, bulk
import), a facility's history, the moderation queue of citizens' reports, statistics by
ward and type (CSV, XLSX), and the CDC's checklist editing.

Who: health staff (commune stations, health centres, the CDC) and administrators, each for
the facilities of their wards (404 outside); the CDC edits checklists. A facility's
manager may also open its history.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safetymap.facility_files import facility_file_read, template_header
from safetymap.forms import ChecklistForm, FacilityForm, ImportForm, ModerationForm, StatisticsFilter
from safetymap.models import FacilityType, ReportState
from safetymap.selectors import (
    assessment_failed_labels,
    checkins_today_of,
    checklist_current,
    checklist_versions,
    checklists_current,
    facility_get_for,
    facility_history,
    facility_list_for,
    may_edit_checklists,
    may_register_facilities,
    report_get_for,
    report_queue_for,
    shown_status_of,
    statistics_by_ward_and_type,
)
from safetymap.services import (
    ImportRefused,
    checklist_edit,
    facilities_import,
    facility_create,
    facility_update,
    report_moderate,
    report_steps_allowed,
)
from safetymap.views import COLOURS, form_errors
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.jurisdiction import jurisdiction_wards
from truyvet.accounts.permissions import user_passes
from truyvet.lib.audit import audit_log
from truyvet.lib.errors import DomainError
from truyvet.lib.export import csv_response, xlsx_response
from truyvet.lib.paging import ascending_page

staff_required = user_passes(may_register_facilities)
cdc_required = user_passes(may_edit_checklists)
signed_in = user_passes(lambda user: user.is_authenticated)
PAGE_SIZE = 100


def _wards(request: AuthenticatedRequest) -> list[tuple[int, str]]:
    return list(jurisdiction_wards(request.user).order_by("sort_name").values_list("code", "name"))


# --- Facilities ------------------------------------------------------------------------------


@staff_required
def facility_list(request: AuthenticatedRequest) -> HttpResponse:
    search = request.GET.get("q", "")[:100]
    kind = request.GET.get("type", "")
    kind = kind if kind in FacilityType.values else ""
    qs = facility_list_for(request.user, search=search, type=kind)
    total = qs.count()
    rows, cursor = ascending_page(qs, after=request.GET.get("after", "")[:300], size=PAGE_SIZE, field="name_key")
    now = timezone.now()
    shown = [(f, shown_status_of(f, now=now)) for f in rows]
    query = urlencode({k: v for k, v in (("q", search), ("type", kind)) if v})
    return render(
        request,
        "safetymap/facility_list.html",
        {
            "rows": shown,
            "total": total,
            "q": search,
            "type": kind,
            "types": FacilityType.choices,
            "colours": COLOURS,
            "cursor": cursor,
            "query": query,
        },
    )


@staff_required
def facility_new(request: AuthenticatedRequest) -> HttpResponseBase:
    form = FacilityForm(request.POST or None, wards=_wards(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            facility = facility_create(user=request.user, data=form.to_input(), request=request)
        except DomainError as error:
            form_errors(form, error)
            status = error.status
        else:
            messages.success(request, _("The facility was registered."))
            return redirect("safetymap:history", facility.pk)
    elif request.method == "POST":
        status = 400
    return render(request, "safetymap/facility_form.html", {"form": form, "facility": None}, status=status)


@staff_required
def facility_edit(request: AuthenticatedRequest, facility_id: int) -> HttpResponseBase:
    facility = facility_get_for(request.user, facility_id)
    if not facility_list_for(request.user).filter(pk=facility.pk).exists():
        raise Http404
    form = FacilityForm(request.POST or None, wards=_wards(request), initial=FacilityForm.initial_of(facility))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            facility_update(user=request.user, facility=facility, data=form.to_input(), request=request)
        except DomainError as error:
            form_errors(form, error)
            status = error.status
        else:
            messages.success(request, _("The facility was saved."))
            return redirect("safetymap:history", facility.pk)
    elif request.method == "POST":
        status = 400
    return render(request, "safetymap/facility_form.html", {"form": form, "facility": facility}, status=status)


@staff_required
def facility_import(request: AuthenticatedRequest) -> HttpResponseBase:
    """Many facilities from a CSV or XLSX file: all rows are checked first; one refused row
    refuses the file, each refused row listed with its line and reasons."""
    form = ImportForm(request.POST or None, request.FILES or None)
    refused: list[tuple[int, dict[str, list[str]]]] = []
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = facility_file_read(name=upload.name or "", content=upload.read(5 * 1024 * 1024 + 1))
            made = facilities_import(user=request.user, rows=rows, request=request)
        except ImportRefused as error:
            refused = error.rows
            form.add_error(None, str(error))
            status = 400
        except DomainError as error:
            form_errors(form, error)
            status = error.status
        else:
            messages.success(request, _("%(count)s facilities were registered.") % {"count": len(made)})
            return redirect("safetymap:facilities")
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "safetymap/facility_import.html",
        {"form": form, "refused": refused, "header": template_header(), "types": FacilityType.choices},
        status=status,
    )


@staff_required
def import_template(request: AuthenticatedRequest, fmt: str) -> HttpResponseBase:
    example = ["Trường THCS Thử", "school", "", "1 Lê Lợi", "22.39", "103.46", "400", "", ""]
    if fmt == "csv":
        return csv_response("facilities-template", template_header(), [example])
    if fmt == "xlsx":
        return xlsx_response("facilities-template", [("facilities", template_header(), [example])])
    raise Http404


@signed_in
def history(request: AuthenticatedRequest, facility_id: int) -> HttpResponse:
    """A facility's assessments (each against its own checklist version) and reports."""
    facility = facility_get_for(request.user, facility_id)
    found = facility_history(facility)
    language = get_language() or "vi"
    assessments = [(a, assessment_failed_labels(a, language)) for a in found["assessments"]]
    is_staff = may_register_facilities(request.user)
    audit_log(actor=request.user, action="safetymap.facility_history", obj=facility, request=request)
    return render(
        request,
        "safetymap/history.html",
        {
            "facility": facility,
            "assessments": assessments,
            "reports": found["reports"]
            if is_staff
            else [r for r in found["reports"] if r.lowers_status or r.state == ReportState.RESOLVED],
            "status": shown_status_of(facility),
            "colours": COLOURS,
            "is_staff": is_staff,
            "checkins_today": checkins_today_of(facility),
            "managers": list(facility.managers.all()) if is_staff else [],
        },
    )


# --- Moderation ------------------------------------------------------------------------------


@staff_required
def moderation_queue(request: AuthenticatedRequest) -> HttpResponse:
    state = request.GET.get("state", ReportState.NEW)
    state = state if state in ReportState.values or state == "" else ReportState.NEW
    reports = list(report_queue_for(request.user, state=state)[:200])
    return render(
        request, "safetymap/moderation.html", {"reports": reports, "state": state, "states": ReportState.choices}
    )


@staff_required
def report_detail(request: AuthenticatedRequest, report_id: int) -> HttpResponse:
    report = report_get_for(request.user, report_id)
    audit_log(actor=request.user, action="safetymap.report_view", obj=report, request=request)
    return render(
        request,
        "safetymap/report_detail.html",
        {"report": report, "steps": report_steps_allowed(report.state), "form": ModerationForm()},
    )


@staff_required
@require_POST
def report_step(request: AuthenticatedRequest, report_id: int) -> HttpResponseBase:
    report = report_get_for(request.user, report_id)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a step."))
        return redirect("safetymap:report_detail", report.pk)
    try:
        report_moderate(
            user=request.user,
            report=report,
            step=form.cleaned_data["step"],
            note=form.cleaned_data.get("note") or "",
            request=request,
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The report was updated."))
    return redirect("safetymap:report_detail", report.pk)


@staff_required
def report_photo(request: AuthenticatedRequest, report_id: int) -> FileResponse:
    report = report_get_for(request.user, report_id)
    if not report.photo:
        raise Http404
    kind = "image/png" if (report.photo.name or "").endswith(".png") else "image/jpeg"
    response = FileResponse(report.photo.open("rb"), content_type=kind)
    response["Cache-Control"] = "private, no-store"
    return response


# --- Statistics ------------------------------------------------------------------------------

EXPORT_HEADER = [
    "ward_code",
    "ward",
    "type",
    "facilities",
    "safe",
    "safe_percent",
    "not_assessed",
    "not_assessed_percent",
    "reports_open",
]


@staff_required
def statistics(request: AuthenticatedRequest) -> HttpResponse:
    form = StatisticsFilter(request.GET or None)
    kind = form.cleaned_data.get("type", "") if form.is_valid() else ""
    rows = [r for r in statistics_by_ward_and_type(request.user) if not kind or r["type"] == kind]
    totals = {
        "total": sum(r["total"] for r in rows),
        "safe": sum(r["safe"] for r in rows),
        "not_assessed": sum(r["not_assessed"] for r in rows),
        "reports_open": sum(r["reports_open"] for r in rows),
    }
    return render(request, "safetymap/statistics.html", {"rows": rows, "totals": totals, "form": form, "type": kind})


@staff_required
def statistics_export(request: AuthenticatedRequest, fmt: str) -> HttpResponseBase:
    rows = [
        [
            r["ward_code"],
            r["ward_name"],
            r["type"],
            r["total"],
            r["safe"],
            r["safe_share"],
            r["not_assessed"],
            r["not_assessed_share"],
            r["reports_open"],
        ]
        for r in statistics_by_ward_and_type(request.user)
    ]
    name = f"safetymap-statistics-{timezone.localdate():%Y%m%d}"
    audit_log(actor=request.user, action="safetymap.statistics_export", request=request, detail={"format": fmt})
    if fmt == "csv":
        return csv_response(name, EXPORT_HEADER, rows)
    if fmt == "xlsx":
        return xlsx_response(name, [("statistics", EXPORT_HEADER, rows)])
    raise Http404


# --- Checklists ------------------------------------------------------------------------------


@staff_required
def checklists(request: AuthenticatedRequest) -> HttpResponse:
    """Every staff member who registers facilities reads the checklists; the CDC edits them."""
    context = {"checklists": checklists_current(), "may_edit": may_edit_checklists(request.user)}
    return render(request, "safetymap/checklists.html", context)


@cdc_required
def checklist_edit_view(request: AuthenticatedRequest, type: str) -> HttpResponseBase:
    if type not in FacilityType.values:
        raise Http404
    current = checklist_current(type)
    form = ChecklistForm(request.POST or None, checklist=current)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            made = checklist_edit(
                user=request.user,
                type=type,
                criteria=form.criteria(),
                note=form.cleaned_data.get("note") or "",
                request=request,
            )
        except DomainError as error:
            form_errors(form, error)
            status = error.status
        else:
            messages.success(
                request, _("Version %(version)s of the checklist is now in use.") % {"version": made.version}
            )
            return redirect("safetymap:checklists")
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "safetymap/checklist_edit.html",
        {
            "form": form,
            "type": type,
            "type_label": FacilityType(type).label,
            "current": current,
            "next_version": (current.version + 1) if current else 1,
            "versions": checklist_versions(type),
        },
        status=status,
    )
