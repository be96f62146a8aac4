"""Staff pages of the SOS map: the list of help requests of one's wards (filters, CSV and
XLSX), one request (its details, history and steps), and the steps themselves.

Who: health staff (the CDC, health centres, commune stations) and administrators, each for
the requests of their wards (``relief.selectors.sos_list_for``; 404 outside). A request's
page shows the requester's phone and words, so each view is written to the audit log, as
each export and each step is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relief.forms import AssignForm, DuplicateForm, HelpRequestFilterForm, NoteForm, StepForm
from relief.models import OPEN_STATUSES, HelpRequest
from relief.selectors import (
    sos_duplicates_of,
    sos_get_for,
    sos_history,
    sos_list_for,
    teams_for,
    volunteers_for_request,
)
from relief.services import sos_assign, sos_mark_duplicate, sos_note, sos_step, steps_allowed
from relief.views import form_errors
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.jurisdiction import jurisdiction_wards
from truyvet.accounts.permissions import health_staff_required
from truyvet.lib.audit import audit_log
from truyvet.lib.errors import DomainError
from truyvet.lib.export import MAX_ROWS, csv_response, xlsx_response
from truyvet.lib.paging import keyset_page
from truyvet.people.normalize import display_phone

PAGE_SIZE = 50
EXPORT_HEADER = [
    "id",
    "received_at",
    "type",
    "status",
    "ward_code",
    "ward",
    "latitude",
    "longitude",
    "phone",
    "name",
    "address",
    "text",
    "volunteer",
    "team",
    "duplicate_of",
    "taken_up_at",
    "done_at",
]


def _site(request: AuthenticatedRequest) -> str:
    """This site's address, for the links in SMS."""
    return request.build_absolute_uri("/")


def _filtered(request: AuthenticatedRequest) -> tuple[HelpRequestFilterForm, Any]:
    wards = list(jurisdiction_wards(request.user).order_by("sort_name", "name"))
    form = HelpRequestFilterForm(request.GET or None, wards=wards)
    filters = form.filters()
    status = filters["status"]
    statuses = OPEN_STATUSES if status == "" else None if status == "all" else [status]
    qs = sos_list_for(request.user, statuses=statuses, kind=filters["kind"], ward_code=filters["ward_code"])
    return form, qs


@health_staff_required
def sos_list(request: AuthenticatedRequest) -> HttpResponse:
    form, qs = _filtered(request)
    rows, cursor = keyset_page(qs, before=request.GET.get("before", ""), size=PAGE_SIZE)
    audit_log(
        actor=request.user,
        action="relief.sos_list",
        request=request,
        detail={"filters": {k: str(v) for k, v in form.filters().items() if v}, "rows": len(rows)},
    )
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request, "relief/staff_list.html", {"form": form, "rows": rows, "cursor": cursor, "query": query.urlencode()}
    )


def _export_rows(rows: list[HelpRequest]) -> Iterator[list[Any]]:
    for sos in rows:
        yield [
            sos.pk,
            timezone.localtime(sos.created_at).isoformat(timespec="seconds"),
            sos.kind,
            sos.status,
            sos.ward_id,
            sos.ward.name,
            str(sos.latitude),
            str(sos.longitude),
            display_phone(sos.phone),
            sos.name,
            sos.address,
            sos.text,
            sos.volunteer.full_name if sos.volunteer else "",
            sos.team.name if sos.team else "",
            sos.duplicate_of_id or "",
            timezone.localtime(sos.taken_up_at).isoformat(timespec="seconds") if sos.taken_up_at else "",
            timezone.localtime(sos.done_at).isoformat(timespec="seconds") if sos.done_at else "",
        ]


@health_staff_required
def sos_export(request: AuthenticatedRequest, fmt: str) -> HttpResponseBase:
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    form, qs = _filtered(request)
    rows = list(qs[:MAX_ROWS])
    audit_log(
        actor=request.user,
        action="relief.sos_export",
        request=request,
        detail={"format": fmt, "filters": {k: str(v) for k, v in form.filters().items() if v}, "rows": len(rows)},
    )
    name = f"help-requests-{timezone.localdate().isoformat()}"
    if fmt == "csv":
        return csv_response(name, EXPORT_HEADER, _export_rows(rows))
    return xlsx_response(name, [("help requests", EXPORT_HEADER, _export_rows(rows))])


def _detail(request: AuthenticatedRequest, sos: HelpRequest, *, status: int = 200, **forms: Any) -> HttpResponse:
    volunteers = volunteers_for_request(request.user, sos)
    teams = teams_for(request.user)
    context = {
        "sos": sos,
        "history": sos_history(sos),
        "duplicates": sos_duplicates_of(sos),
        "steps": steps_allowed(sos.status),
        "phone": display_phone(sos.phone),
        "assign_form": forms.get("assign_form")
        or AssignForm(volunteers=volunteers, teams=teams, ward_code=sos.ward_id, initial=_current(sos)),
        "step_form": forms.get("step_form") or StepForm(),
        "duplicate_form": forms.get("duplicate_form") or DuplicateForm(),
        "note_form": forms.get("note_form") or NoteForm(),
        "tiles": settings.LEAFLET_CONFIG["TILES"],
        "find_volunteer": find_volunteer_url(sos),
    }
    return render(request, "relief/staff_detail.html", context, status=status)


def _current(sos: HelpRequest) -> dict[str, Any]:
    return {"volunteer": sos.volunteer_id, "team": sos.team_id}


@health_staff_required
def sos_detail(request: AuthenticatedRequest, sos_id: int) -> HttpResponse:
    sos = sos_get_for(request.user, sos_id)
    audit_log(actor=request.user, action="relief.sos_view", obj=sos, request=request)
    return _detail(request, sos)


def _done(request: AuthenticatedRequest, sos: HelpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("relief:staff_detail", sos.pk)


@health_staff_required
@require_POST
def sos_assign_view(request: AuthenticatedRequest, sos_id: int) -> HttpResponse:
    sos = sos_get_for(request.user, sos_id)
    form = AssignForm(
        request.POST,
        volunteers=volunteers_for_request(request.user, sos),
        teams=teams_for(request.user),
        ward_code=sos.ward_id,
    )
    if form.is_valid():
        try:
            sos_assign(
                actor=request.user,
                sos=sos,
                volunteer_id=form.cleaned_data.get("volunteer"),
                team_id=form.cleaned_data.get("team"),
                note=form.cleaned_data.get("note", ""),
                site=_site(request),
                request=request,
            )
        except DomainError as error:
            form_errors(form, error)
            return _detail(request, sos_get_for(request.user, sos_id), status=error.status, assign_form=form)
        return _done(request, sos, _("Request #%(number)s assigned.") % {"number": sos.pk})
    return _detail(request, sos, status=400, assign_form=form)


@health_staff_required
@require_POST
def sos_step_view(request: AuthenticatedRequest, sos_id: int) -> HttpResponse:
    sos = sos_get_for(request.user, sos_id)
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            sos_step(
                actor=request.user,
                sos=sos,
                action=form.cleaned_data["action"],
                note=form.cleaned_data.get("note", ""),
                site=_site(request),
                request=request,
            )
        except DomainError as error:
            form_errors(form, error)
            return _detail(request, sos_get_for(request.user, sos_id), status=error.status, step_form=form)
        fresh = sos_get_for(request.user, sos_id)
        return _done(
            request,
            fresh,
            _("Request #%(number)s is now “%(status)s”.") % {"number": fresh.pk, "status": fresh.get_status_display()},
        )
    return _detail(request, sos, status=400, step_form=form)


@health_staff_required
@require_POST
def sos_duplicate_view(request: AuthenticatedRequest, sos_id: int) -> HttpResponse:
    sos = sos_get_for(request.user, sos_id)
    form = DuplicateForm(request.POST)
    if form.is_valid():
        try:
            sos_mark_duplicate(
                actor=request.user,
                sos=sos,
                original_id=form.cleaned_data["original"],
                note=form.cleaned_data.get("note", ""),
                request=request,
            )
        except DomainError as error:
            form_errors(form, error)
            return _detail(request, sos_get_for(request.user, sos_id), status=error.status, duplicate_form=form)
        return _done(
            request,
            sos,
            _("Request #%(number)s marked as a duplicate of #%(original)s.")
            % {"number": sos.pk, "original": form.cleaned_data["original"]},
        )
    return _detail(request, sos, status=400, duplicate_form=form)


@health_staff_required
@require_POST
def sos_note_view(request: AuthenticatedRequest, sos_id: int) -> HttpResponse:
    sos = sos_get_for(request.user, sos_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            sos_note(actor=request.user, sos=sos, note=form.cleaned_data["note"], request=request)
        except DomainError as error:
            form_errors(form, error)
            return _detail(request, sos, status=error.status, note_form=form)
        return _done(request, sos, _("Note added."))
    return _detail(request, sos, status=400, note_form=form)


def find_volunteer_url(sos: HelpRequest) -> str:
    return reverse("relief:roster") + f"?for={sos.pk}&ward={sos.ward_id}"
