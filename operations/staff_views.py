"""The staff side of the operations map: each agency enters its own part.

Signed-in users only (else the sign-in page); a user whose agencies do not enter a topic,
or who opens another agency's record, gets a 404, as for records outside a jurisdiction."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from operations.forms import (
    REPORT_FIELDS,
    ConsultationForm,
    DirectiveForm,
    FacilityForm,
    LabCountForm,
    OccupancyForm,
    PlaceForm,
    ResourceReportForm,
)
from operations.models import PlaceKind
from operations.selectors import (
    PLACE_KINDS,
    Topic,
    agencies_for,
    consultation_get_for,
    consultations_for,
    directive_get_for,
    directives_for,
    facilities_for,
    facility_get_for,
    facility_history,
    facility_states,
    lab_counts_for,
    may_read_reports,
    place_get_for,
    place_history,
    place_states,
    places_for,
    report_get_for,
    reports_for,
    topics_for,
)
from operations.services import (
    agency_record_save,
    directive_save,
    lab_count_record,
    occupancy_report,
    resources_report,
)
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.lib.errors import DomainError


def _require_topic(request: AuthenticatedRequest, topic: str) -> None:
    if not agencies_for(request.user, topic).exists():
        raise Http404


def _form_error(form: Any, error: DomainError) -> None:
    for field, texts in error.errors.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)
    if not error.errors:
        form.add_error(None, str(error.detail))


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    topics = topics_for(request.user)
    reader = may_read_reports(request.user)
    if not topics and not reader:
        raise Http404
    return render(request, "operations/staff/home.html", {"topics": topics, "reader": reader})


# --- Directives ----------------------------------------------------------------------------


@login_required
def directives(request: AuthenticatedRequest) -> HttpResponse:
    _require_topic(request, Topic.DIRECTIVES)
    rows = directives_for(request.user).order_by("-issued_on", "-pk")[:200]
    return render(request, "operations/staff/directives.html", {"rows": rows})


@login_required
def directive_edit(request: AuthenticatedRequest, directive_id: int | None = None) -> HttpResponse:
    _require_topic(request, Topic.DIRECTIVES)
    directive = directive_get_for(request.user, directive_id) if directive_id is not None else None
    agencies = agencies_for(request.user, Topic.DIRECTIVES)
    initial = (
        {k: getattr(directive, k) for k in ("number", "issued_on", "issuer", "title", "summary")}
        | {"agency": directive.agency_id}
        if directive
        else {}
    )
    form = DirectiveForm(
        request.POST or None, request.FILES or None, agencies=agencies, initial=initial, new=directive is None
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = directive_save(
                user=request.user,
                agency=data["agency"],
                number=data["number"],
                issued_on=data["issued_on"],
                issuer=data["issuer"],
                title=data["title"],
                summary=data["summary"],
                pdf=data.get("pdf") or None,
                directive=directive,
                request=request,
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Directive %(number)s saved.") % {"number": saved.number})
            return redirect("operations:staff_directives")
    return render(request, "operations/staff/directive_form.html", {"form": form, "directive": directive})


# --- Laboratories --------------------------------------------------------------------------


@login_required
def lab_counts(request: AuthenticatedRequest) -> HttpResponse:
    _require_topic(request, Topic.LAB_COUNTS)
    agencies = agencies_for(request.user, Topic.LAB_COUNTS)
    form = LabCountForm(request.POST or None, agencies=agencies, initial={"day": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lab_count_record(
                user=request.user,
                agency=data["agency"],
                day=data["day"],
                tests=data["tests"],
                positives=data["positives"],
                note=data["note"],
                request=request,
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The count is saved."))
            return redirect("operations:staff_lab_counts")
    rows = lab_counts_for(request.user).order_by("-day", "agency__name")[:120]
    return render(request, "operations/staff/lab_counts.html", {"form": form, "rows": rows})


# --- Medical facilities ---------------------------------------------------------------------


@login_required
def facilities(request: AuthenticatedRequest) -> HttpResponse:
    _require_topic(request, Topic.FACILITIES)
    states = facility_states(facilities_for(request.user))
    inactive = facilities_for(request.user).filter(is_active=False)
    return render(request, "operations/staff/facilities.html", {"states": states, "inactive": inactive})


@login_required
def facility_edit(request: AuthenticatedRequest, facility_id: int | None = None) -> HttpResponse:
    _require_topic(request, Topic.FACILITIES)
    facility = facility_get_for(request.user, facility_id) if facility_id is not None else None
    previous = facility.agency if facility else None
    form = FacilityForm(request.POST or None, instance=facility, agencies=agencies_for(request.user, Topic.FACILITIES))
    if request.method == "POST" and form.is_valid():
        try:
            agency_record_save(user=request.user, record=form.instance, previous_agency=previous, request=request)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("operations:staff_facilities")
    return render(request, "operations/staff/record_form.html", _record_context(form, facility, "facilities"))


@login_required
def facility_report(request: AuthenticatedRequest, facility_id: int) -> HttpResponse:
    facility = facility_get_for(request.user, facility_id)
    history = facility_history(facility)
    initial = {name: getattr(history[0], name) for name in REPORT_FIELDS} if history else {}
    form = ResourceReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        figures = {name: form.cleaned_data[name] for name in REPORT_FIELDS}
        try:
            resources_report(
                user=request.user, facility=facility, figures=figures, note=form.cleaned_data["note"], request=request
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The resources of %(name)s are updated.") % {"name": facility.name})
            return redirect("operations:staff_facility_report", facility_id=facility.pk)
    return render(
        request, "operations/staff/facility_report.html", {"facility": facility, "form": form, "history": history}
    )


# --- Quarantine places ----------------------------------------------------------------------


@login_required
def places(request: AuthenticatedRequest) -> HttpResponse:
    _require_topic(request, Topic.PLACES)
    states = place_states(places_for(request.user))
    inactive = places_for(request.user).filter(is_active=False)
    return render(request, "operations/staff/places.html", {"states": states, "inactive": inactive})


@login_required
def place_edit(request: AuthenticatedRequest, place_id: int | None = None) -> HttpResponse:
    _require_topic(request, Topic.PLACES)
    place = place_get_for(request.user, place_id) if place_id is not None else None
    previous = place.agency if place else None
    agencies = agencies_for(request.user, Topic.PLACES)
    kinds = frozenset().union(*(PLACE_KINDS.get(a.kind, frozenset()) for a in agencies)) or frozenset(PlaceKind)
    form = PlaceForm(request.POST or None, instance=place, agencies=agencies, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            agency_record_save(user=request.user, record=form.instance, previous_agency=previous, request=request)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("operations:staff_places")
    return render(request, "operations/staff/record_form.html", _record_context(form, place, "places"))


@login_required
def place_occupancy(request: AuthenticatedRequest, place_id: int) -> HttpResponse:
    place = place_get_for(request.user, place_id)
    history = place_history(place)
    initial = {"capacity": history[0].capacity, "occupied": history[0].occupied} if history else {}
    form = OccupancyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        occupancy_report(
            user=request.user,
            place=place,
            capacity=form.cleaned_data["capacity"],
            occupied=form.cleaned_data["occupied"],
            request=request,
        )
        messages.success(request, _("The occupancy of %(name)s is updated.") % {"name": place.name})
        return redirect("operations:staff_place_occupancy", place_id=place.pk)
    return render(request, "operations/staff/place_occupancy.html", {"place": place, "form": form, "history": history})


# --- Remote consultation directory ----------------------------------------------------------


@login_required
def consultations(request: AuthenticatedRequest) -> HttpResponse:
    _require_topic(request, Topic.CONSULTATIONS)
    rows = consultations_for(request.user).order_by("kind", "name")
    return render(request, "operations/staff/consultations.html", {"rows": rows})


@login_required
def consultation_edit(request: AuthenticatedRequest, entry_id: int | None = None) -> HttpResponse:
    _require_topic(request, Topic.CONSULTATIONS)
    entry = consultation_get_for(request.user, entry_id) if entry_id is not None else None
    previous = entry.agency if entry else None
    form = ConsultationForm(
        request.POST or None, instance=entry, agencies=agencies_for(request.user, Topic.CONSULTATIONS)
    )
    if request.method == "POST" and form.is_valid():
        try:
            agency_record_save(user=request.user, record=form.instance, previous_agency=previous, request=request)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("operations:staff_consultations")
    return render(request, "operations/staff/record_form.html", _record_context(form, entry, "consultations"))


def _record_context(form: Any, record: Any, topic: str) -> dict[str, Any]:
    titles = {
        "facilities": (_("Medical facilities"), "operations:staff_facilities", _("New facility")),
        "places": (_("Quarantine and isolation places"), "operations:staff_places", _("New place")),
        "consultations": (_("Remote consultation"), "operations:staff_consultations", _("New entry")),
    }
    back_label, back_url, new_title = titles[topic]
    return {
        "form": form,
        "record": record,
        "back_label": back_label,
        "back_url": back_url,
        "title": str(record) if record and topic != "consultations" else (record.name if record else new_title),
    }


# --- The steering committee's reports --------------------------------------------------------


@login_required
def reports(request: AuthenticatedRequest) -> HttpResponse:
    if not may_read_reports(request.user):
        raise Http404
    return render(request, "operations/staff/reports.html", {"rows": reports_for(request.user)[:90]})


@login_required
def report_file(request: AuthenticatedRequest, report_id: int, fmt: str) -> FileResponse:
    if fmt not in {"pdf", "xlsx"}:
        raise Http404
    report = report_get_for(request.user, report_id)
    stored, mime = (
        (report.pdf, "application/pdf")
        if fmt == "pdf"
        else (report.xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )
    return FileResponse(
        stored.open("rb"), content_type=mime, as_attachment=True, filename=f"bao-cao-{report.day.isoformat()}.{fmt}"
    )
