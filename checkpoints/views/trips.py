"""Bus trip pages.

- Operators (role bus_operator; administrators too): their trips, a new trip, the trip's
  code as a QR (and a printable sheet), its passengers with the checkpoint's verdict, and
  three ways to add passengers: scanning personal QR codes, a form, a CSV/XLSX upload.
- Checkpoint staff: type or scan a trip code, see every passenger's status, tick who is on
  board and record their passages in one go.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from checkpoints.forms.trips import (
    PassengerFileForm,
    PassengerForm,
    PassengerQrForm,
    TripCodeForm,
    TripForm,
    TripPassagesForm,
)
from checkpoints.models import Checkpoint, Verdict
from checkpoints.passenger_files import COLUMNS, passenger_file_read, template_header
from checkpoints.selectors.lookup import TravellerQuery, traveller_check
from checkpoints.selectors.scope import checkpoint_for_scanning
from checkpoints.selectors.trips import (
    trip_by_code,
    trip_code_clean,
    trip_get_for,
    trip_list_for,
    trip_passenger_statuses,
)
from checkpoints.services.trips import (
    trip_create,
    trip_passages_record,
    trip_passenger_add,
    trip_passenger_add_by_qr,
    trip_passenger_remove,
    trip_passengers_import,
    trip_passengers_link,
)
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.permissions import trip_operator_required
from truyvet.lib.errors import DomainError
from truyvet.lib.export import csv_response, xlsx_response
from truyvet.lib.qr import render_png

# The verdict colours are defined once, in static/css/truyvet.css.
VERDICT_BADGES = {v: f"verdict-{v.value}" for v in Verdict}


def _form_error(form: Any, error: DomainError) -> None:
    for name in error.errors or {"": [str(error.detail)]}:
        form.add_error(name if name in form.fields else None, str(error.detail))


def _declare_url(request: AuthenticatedRequest) -> str:
    return request.build_absolute_uri(reverse("declarations:declare", args=["domestic"]))


def _png(data: str, filename: str) -> HttpResponse:
    response = HttpResponse(render_png(data, box_size=12, error_correction="Q"), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="{filename}.png"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- Operators ---------------------------------------------------------------------------------


@trip_operator_required
def trip_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "checkpoints/trips/list.html", {"trips": trip_list_for(request.user)})


@trip_operator_required
def trip_new(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "POST" and "change_province" in request.POST:
        form = TripForm(initial=request.POST.dict())  # show the chosen province's communes, no errors yet
    else:
        form = TripForm(request.POST or None, initial={"operator_name": request.user.get_full_name()})
        if request.method == "POST" and form.is_valid():
            try:
                trip = trip_create(operator=request.user, data=form.trip_input())
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, _("Trip registered. Add its passengers, then print the trip code."))
                return redirect("checkpoints:trip_detail", code=trip.code)
    return render(request, "checkpoints/trips/new.html", {"form": form})


@trip_operator_required
def trip_detail(request: AuthenticatedRequest, code: str) -> HttpResponse:
    trip = trip_get_for(request.user, code)
    trip_passengers_link(trip=trip)
    rows = trip_passenger_statuses(trip=trip, user=request.user, request=request)
    missing = [row for row in rows if not row.has_declaration]
    return render(
        request,
        "checkpoints/trips/detail.html",
        {
            "trip": trip,
            "rows": [(row, VERDICT_BADGES[Verdict(row.verdict)]) for row in rows],
            "missing": len(missing),
            "declare_url": _declare_url(request),
        },
    )


@trip_operator_required
def trip_print(request: AuthenticatedRequest, code: str) -> HttpResponse:
    trip = trip_get_for(request.user, code)
    rows = trip_passenger_statuses(trip=trip, user=request.user, request=request)
    return render(request, "checkpoints/trips/print.html", {"trip": trip, "rows": rows})


@trip_operator_required
def trip_qr(request: AuthenticatedRequest, code: str) -> HttpResponse:
    trip = trip_get_for(request.user, code)
    return _png(trip.code, trip.code)


@trip_operator_required
def trip_declare_qr(request: AuthenticatedRequest) -> HttpResponse:
    return _png(_declare_url(request), "declare")


@trip_operator_required
def trip_passenger_new(request: AuthenticatedRequest, code: str) -> HttpResponse:
    trip = trip_get_for(request.user, code)
    if request.method == "POST" and "change_province" in request.POST:
        form = PassengerForm(initial=request.POST.dict())
    else:
        form = PassengerForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                passenger = trip_passenger_add(
                    trip=trip, user=request.user, data=form.passenger_input(), request=request
                )
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, _("Added: %(name)s.") % {"name": passenger.full_name})
                if "another" in request.POST:
                    return redirect("checkpoints:trip_passenger_new", code=trip.code)
                return redirect("checkpoints:trip_detail", code=trip.code)
    return render(request, "checkpoints/trips/passenger_form.html", {"trip": trip, "form": form})


@trip_operator_required
def trip_passenger_upload(request: AuthenticatedRequest, code: str) -> HttpResponse:
    trip = trip_get_for(request.user, code)
    form = PassengerFileForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = passenger_file_read(name=upload.name, content=upload.read())
            report = trip_passengers_import(trip=trip, user=request.user, rows=rows, request=request)
        except DomainError as error:
            _form_error(form, error)
    return render(
        request,
        "checkpoints/trips/upload.html",
        {"trip": trip, "form": form, "report": report, "columns": [str(label) for _key, label in COLUMNS]},
    )


@trip_operator_required
def trip_template(request: AuthenticatedRequest, fmt: str) -> HttpResponseBase:
    filename = "passengers-template"
    if fmt == "csv":
        return csv_response(filename, template_header(), [])
    if fmt != "xlsx":
        raise Http404
    notes = [
        [_("One passenger per row, under the headings of the first row (keep them).")],
        [_("Citizen id: 12 digits; or the passport number.")],
        [_("Mobile number (optional): a Vietnamese mobile number, e.g. 0912 345 678.")],
        [_("Destination (optional): the name of a commune or ward of the province, or its code.")],
        [_("Uploading the same list again adds only the passengers who are not on the trip yet.")],
    ]
    return xlsx_response(
        filename, [(_("Passengers"), template_header(), []), (_("Instructions"), [_("How to fill in")], notes)]
    )


@trip_operator_required
def trip_passenger_scan(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """The camera page (GET) and where a scanned or pasted code is sent (POST: a form, or
    JSON from trip-passenger-scan.js)."""
    trip = trip_get_for(request.user, code)
    wants_json = request.content_type == "application/json"
    if request.method == "POST":
        if wants_json:
            try:
                body = json.loads(request.body or b"{}")
                data = {"qr_token": str(body.get("qr_token", "")), "seat": str(body.get("seat", ""))}
            except (ValueError, AttributeError):
                data = {}
            form = PassengerQrForm(data)
        else:
            form = PassengerQrForm(request.POST)
        if form.is_valid():
            try:
                passenger, created = trip_passenger_add_by_qr(
                    trip=trip,
                    user=request.user,
                    qr_token=form.cleaned_data["qr_token"],
                    seat=form.cleaned_data.get("seat", ""),
                    request=request,
                )
            except DomainError as error:
                if wants_json:
                    return JsonResponse({"ok": False, "code": error.code, "detail": str(error.detail)}, status=400)
                form.add_error("qr_token", str(error.detail))
            else:
                text = (_("Added: %(name)s.") if created else _("Already on the list: %(name)s.")) % {
                    "name": passenger.full_name
                }
                if wants_json:
                    return JsonResponse({"ok": True, "created": created, "name": passenger.full_name, "detail": text})
                messages.success(request, text)
                return redirect("checkpoints:trip_passenger_scan", code=trip.code)
        elif wants_json:
            return JsonResponse(
                {"ok": False, "code": "invalid", "detail": _("Scan or paste a personal QR code.")}, status=400
            )
    else:
        form = PassengerQrForm()
    return render(request, "checkpoints/trips/scan.html", {"trip": trip, "form": form})


@trip_operator_required
@require_POST
def trip_passenger_delete(request: AuthenticatedRequest, code: str, passenger_id: int) -> HttpResponse:
    trip = trip_get_for(request.user, code)
    trip_passenger_remove(trip=trip, user=request.user, passenger_id=passenger_id)
    messages.success(request, _("Passenger removed."))
    return redirect("checkpoints:trip_detail", code=trip.code)


# --- Checkpoint staff ---------------------------------------------------------------------------


@login_required
def trip_lookup(request: AuthenticatedRequest, checkpoint_id: int) -> HttpResponse:
    checkpoint = checkpoint_for_scanning(request.user, checkpoint_id)
    form = TripCodeForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        trip = trip_by_code(form.cleaned_data["code"])
        if trip is not None:
            return redirect("checkpoints:trip_at_checkpoint", checkpoint_id=checkpoint.pk, code=trip.code)
        form.add_error("code", _("No bus trip has this code. Check it with the driver."))
    return render(request, "checkpoints/trips/lookup.html", {"checkpoint": checkpoint, "form": form})


def _checkpoint_trip_page(
    request: AuthenticatedRequest,
    checkpoint: Checkpoint,
    code: str,
    form: TripPassagesForm,
    *,
    ticked: set[int] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The passengers with their statuses and tick boxes (``ticked`` None: all ticked)."""
    try:
        found = traveller_check(
            checkpoint=checkpoint, user=request.user, query=TravellerQuery(trip_code=code), request=request
        )
    except DomainError as error:
        lookup = TripCodeForm({"code": code})
        lookup.is_valid()
        lookup.add_error("code", str(error.detail))
        return render(
            request,
            "checkpoints/trips/lookup.html",
            {"checkpoint": checkpoint, "form": lookup},
            status=error.status,
        )
    rows = []
    for row in found["passengers"]:
        verdict = Verdict(row["verdict"])
        rows.append(
            {
                **row,
                "verdict_label": verdict.label,
                "badge": VERDICT_BADGES[verdict],
                "ticked": ticked is None or row["passenger_id"] in ticked,
            }
        )
    counts = Counter(row["verdict"] for row in rows)
    return render(
        request,
        "checkpoints/trips/at_checkpoint.html",
        {
            "checkpoint": checkpoint,
            "trip": found["trip"],
            "code": trip_code_clean(code),
            "rows": rows,
            "counts": [(Verdict(v).label, VERDICT_BADGES[Verdict(v)], counts[v]) for v in Verdict.values if counts[v]],
            "form": form,
        },
        status=status,
    )


@login_required
def trip_at_checkpoint(request: AuthenticatedRequest, checkpoint_id: int, code: str) -> HttpResponse:
    checkpoint = checkpoint_for_scanning(request.user, checkpoint_id)
    if request.method != "POST":
        trip = trip_by_code(code)
        if trip is not None:
            trip_passengers_link(trip=trip)
        return _checkpoint_trip_page(request, checkpoint, code, TripPassagesForm())
    form = TripPassagesForm(request.POST)
    if not form.is_valid():
        ticked = set(form.cleaned_data.get("passengers", []))
        return _checkpoint_trip_page(request, checkpoint, code, form, ticked=ticked, status=400)
    try:
        recording = trip_passages_record(
            checkpoint=checkpoint,
            user=request.user,
            trip_code=code,
            passenger_ids=form.cleaned_data["passengers"],
            direction=form.cleaned_data["direction"],
            client_id=form.cleaned_data["client_id"],
            request=request,
        )
    except DomainError as error:
        # Nothing was written: a fresh form (a new client_id) to try again.
        messages.error(request, str(error.detail))
        fresh = TripPassagesForm(initial={"direction": form.cleaned_data["direction"]})
        ticked = set(form.cleaned_data["passengers"])
        return _checkpoint_trip_page(request, checkpoint, code, fresh, ticked=ticked, status=error.status)
    return render(
        request,
        "checkpoints/trips/recorded.html",
        {
            "checkpoint": checkpoint,
            "code": trip_code_clean(code),
            "recording": recording,
            "passages": [(p, VERDICT_BADGES[Verdict(p.verdict)]) for p in recording.passages],
            "direction": dict(form.fields["direction"].choices)[form.cleaned_data["direction"]],  # type: ignore[attr-defined]
        },
    )


urlpatterns: list[URLPattern] = [
    path("trips/", trip_list, name="trip_list"),
    path("trips/new/", trip_new, name="trip_new"),
    path("trips/template.<str:fmt>", trip_template, name="trip_template"),
    path("trips/declare-qr.png", trip_declare_qr, name="trip_declare_qr"),
    path("trips/<str:code>/", trip_detail, name="trip_detail"),
    path("trips/<str:code>/qr.png", trip_qr, name="trip_qr"),
    path("trips/<str:code>/print/", trip_print, name="trip_print"),
    path("trips/<str:code>/passengers/new/", trip_passenger_new, name="trip_passenger_new"),
    path("trips/<str:code>/passengers/upload/", trip_passenger_upload, name="trip_passenger_upload"),
    path("trips/<str:code>/passengers/scan/", trip_passenger_scan, name="trip_passenger_scan"),
    path(
        "trips/<str:code>/passengers/<int:passenger_id>/remove/",
        trip_passenger_delete,
        name="trip_passenger_remove",
    ),
    path("<int:checkpoint_id>/trips/", trip_lookup, name="trip_lookup"),
    path("<int:checkpoint_id>/trips/<str:code>/", trip_at_checkpoint, name="trip_at_checkpoint"),
]
