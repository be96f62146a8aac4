"""The registration pages: a citizen registers their household, books, moves or cancels
appointments and waits for a full site; an employer's representative uploads the employees'
file, downloads the report of a refused one, and lists its employees with their doses."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.permissions import is_citizen, user_passes
from truyvet.lib.audit import audit_log_many
from truyvet.lib.errors import DomainError
from truyvet.lib.export import MAX_ROWS as EXPORT_MAX_ROWS
from truyvet.lib.export import csv_response
from vaccination.appointments import appointment_book, appointment_cancel, offered_days
from vaccination.employee_files import employee_file_read, template_header
from vaccination.models import EmployeeUpload, Session, Site
from vaccination.registration import (
    EmployeesRefused,
    RegistrationIn,
    employees_import,
    registration_cancel,
    registration_create,
    registration_get_for_citizen,
)
from vaccination.registration_forms import BookForm, EmployeeUploadForm, RegistrationForm, WaitForm
from vaccination.selectors import (
    campaign_sites,
    campaigns_open,
    employer_campaigns,
    employer_employees,
    employer_get_for,
    employer_registrations,
    employers_of,
    household_registrations,
    people_of_citizen,
    sites_of_campaigns,
)
from vaccination.waitlist import (
    WaitIn,
    full_days,
    household_waits,
    site_waiting_by_day,
    waitlist_join,
    waitlist_leave,
)

citizen_required = user_passes(is_citizen)


def _form_error(form: Any, error: DomainError) -> None:
    field = next(iter(error.errors), None)
    form.add_error(field if field in form.fields else None, str(error))


@citizen_required
def register(request: AuthenticatedRequest) -> HttpResponse:
    """The household's registrations and appointments, and registering one more."""
    today = timezone.localdate()
    people = people_of_citizen(request.user)
    campaigns = campaigns_open(today=today)
    sites = sites_of_campaigns(campaigns)
    form = RegistrationForm(request.POST or None, people=people, campaigns=campaigns, sites=sites)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        group = data["priority_group"]
        try:
            registration = registration_create(
                user=request.user,
                data=RegistrationIn(
                    person_id=data["person"],
                    campaign_id=data["campaign"].pk,
                    priority_group_id=group.pk if group else None,
                    site_id=data["site"].pk,
                    preferred_on=data["preferred_on"],
                ),
                request=request,
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Registered. Now choose a day."))
            return redirect("vaccination:book", registration.pk)
    return render(
        request,
        "vaccination/register.html",
        {
            "form": form,
            "people": people,
            "registrations": household_registrations(request.user),
            "campaigns": campaigns,
            "employers": list(employers_of(request.user)),
        },
    )


def _registration_or_404(request: AuthenticatedRequest, registration_id: int) -> Any:
    try:
        return registration_get_for_citizen(request.user, registration_id)
    except DomainError:
        raise Http404 from None


@citizen_required
def book(request: AuthenticatedRequest, registration_id: int) -> HttpResponse:
    """The days and sessions with places at a site of the campaign; booking one (or moving
    the booked appointment there)."""
    registration = _registration_or_404(request, registration_id)
    sites = campaign_sites(registration.campaign)
    wanted = request.POST.get("site") or request.GET.get("site") or registration.site_id
    site: Site | None = next((s for s in sites if str(s.pk) == str(wanted)), None) or (sites[0] if sites else None)
    form = BookForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and site is not None:
        slot = form.slot_value()
        try:
            day = date.fromisoformat(slot[0]) if slot else None
        except ValueError:
            day = None
        if slot is None or day is None:
            form.add_error("slot", _("Choose a day and a session."))
        else:
            try:
                appointment = appointment_book(
                    user=request.user,
                    registration_id=registration.pk,
                    site_id=site.pk,
                    day=day,
                    session=slot[1],
                    request=request,
                )
            except DomainError as error:
                form.add_error("slot", str(error))
            else:
                messages.success(
                    request,
                    _("Appointment booked: %(day)s, %(session)s, %(site)s.")
                    % {"day": appointment.day.strftime("%d/%m/%Y"), "session": appointment.get_session_display(),
                       "site": site.name},
                )  # fmt: skip
                return redirect("vaccination:register")
    window, days = offered_days(registration, site) if site is not None else (None, [])
    full = full_days(window, days) if window is not None else []
    wait_form = WaitForm(
        initial={"day": full[0] if full else None, "days": 1},
        first=window.first if window is not None else None,
        last=window.last if window is not None else None,
    )
    waiting = site_waiting_by_day(site, full[0], full[-1]) if site is not None and full else {}
    return render(
        request,
        "vaccination/book.html",
        {
            "registration": registration,
            "site": site,
            "sites": sites,
            "window": window,
            "days": days,
            "form": form,
            "wait_form": wait_form,
            "full_days": [(day, waiting.get(day, 0)) for day in full],
            "waits": [w for w in household_waits([registration.person_id]) if w.registration_id == registration.pk],
        },
    )


@require_POST
@citizen_required
def wait(request: AuthenticatedRequest, registration_id: int) -> HttpResponse:
    """Join the waiting list of the booking page's site for a day or any day of the next N."""
    registration = _registration_or_404(request, registration_id)
    form = WaitForm(request.POST)
    site_id = request.POST.get("site", "")
    if form.is_valid() and site_id.isdigit():
        try:
            entry = waitlist_join(
                user=request.user,
                data=WaitIn(
                    registration_id=registration.pk,
                    site_id=int(site_id),
                    first_day=form.cleaned_data["day"],
                    days=form.cleaned_data["days"],
                ),
                request=request,
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("On the waiting list of %(site)s from %(first)s to %(last)s. If a place frees, it is booked for "
                  "you and you get an SMS.")
                % {"site": entry.site.name, "first": entry.first_day.strftime("%d/%m/%Y"),
                   "last": entry.last_day.strftime("%d/%m/%Y")},
            )  # fmt: skip
    else:
        messages.error(request, _("Choose a day and how many days you can come."))
    target = reverse("vaccination:book", args=[registration.pk])
    return redirect(f"{target}?site={site_id}" if site_id.isdigit() else target)


@require_POST
@citizen_required
def leave_waitlist(request: AuthenticatedRequest, entry_id: int) -> HttpResponse:
    try:
        waitlist_leave(user=request.user, entry_id=entry_id, request=request)
    except DomainError:
        raise Http404 from None
    messages.success(request, _("You left the waiting list."))
    return redirect("vaccination:register")


@require_POST
@citizen_required
def cancel_registration(request: AuthenticatedRequest, registration_id: int) -> HttpResponse:
    try:
        registration_cancel(user=request.user, registration_id=registration_id, request=request)
    except DomainError:
        raise Http404 from None
    messages.success(request, _("The registration is cancelled."))
    return redirect("vaccination:register")


@require_POST
@citizen_required
def cancel_appointment(request: AuthenticatedRequest, appointment_id: int) -> HttpResponse:
    try:
        appointment_cancel(user=request.user, appointment_id=appointment_id, request=request)
    except DomainError:
        raise Http404 from None
    messages.success(request, _("The appointment is cancelled."))
    return redirect("vaccination:register")


# --- Employers -------------------------------------------------------------------------------


@login_required
def employers(request: AuthenticatedRequest) -> HttpResponse:
    """The employers the user represents (straight to the one when there is one)."""
    mine = list(employers_of(request.user))
    if len(mine) == 1:
        return redirect("vaccination:employer", mine[0].pk)
    return render(request, "vaccination/employers.html", {"employers": mine})


@login_required
def employer(request: AuthenticatedRequest, employer_id: int) -> HttpResponse:
    """Upload the employees' file for a campaign; the files uploaded before."""
    company = employer_get_for(request.user, employer_id)
    campaigns = campaigns_open(today=timezone.localdate())
    form = EmployeeUploadForm(request.POST or None, request.FILES or None, campaigns=campaigns)
    refused: EmployeesRefused | None = None
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        content = uploaded.read()
        try:
            rows = employee_file_read(name=uploaded.name or "", content=content)
            upload = employees_import(
                user=request.user,
                employer=company,
                campaign=form.cleaned_data["campaign"],
                rows=rows,
                file_name=uploaded.name or "",
                sha256=hashlib.sha256(content).hexdigest(),
                request=request,
            )
        except EmployeesRefused as error:
            refused = error
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("%(added)s employees registered; %(already)s were registered already.")
                % {"added": upload.added, "already": upload.already},
            )
            return redirect("vaccination:employer", company.pk)
    return render(
        request,
        "vaccination/employer.html",
        {
            "employer": company,
            "form": form,
            "refused": refused,
            "refused_rows": refused.rows[:50] if refused else [],
            "uploads": list(EmployeeUpload.objects.filter(employer=company).select_related("campaign")[:20]),
            "registered": employer_registrations(company).count(),
            "columns": template_header(),
        },
    )


@login_required
def employer_report(request: AuthenticatedRequest, employer_id: int, upload_id: int) -> HttpResponse:
    """The row-by-row report of a refused file, as CSV."""
    company = employer_get_for(request.user, employer_id)
    upload = EmployeeUpload.objects.filter(employer=company, pk=upload_id).exclude(report="").first()
    if upload is None:
        raise Http404
    response = HttpResponse(upload.report, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="loi-{upload.pk}.csv"'
    return response


@login_required
def employer_template(request: AuthenticatedRequest, employer_id: int) -> HttpResponse:
    """An empty file with the template's headings (CSV, UTF-8 with its mark for Excel)."""
    employer_get_for(request.user, employer_id)
    response = HttpResponse("\ufeff" + ",".join(template_header()) + "\r\n", content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="nhan-vien.csv"'
    return response


EMPLOYEES_PER_PAGE = 50


def _employee_header() -> list[str]:
    return [
        _("Full name"), _("Citizen id"), _("Date of birth"), _("Campaign"), _("Registration"),
        _("Latest dose"), _("Latest dose on"), _("Appointment"), _("Session"), _("Site"),
    ]  # fmt: skip


def _employee_row(r: Any) -> list[Any]:
    return [
        r.person.full_name, r.person.id_number,
        r.person.date_of_birth.strftime("%d/%m/%Y") if r.person.date_of_birth else "",
        r.campaign.name, r.get_status_display(), r.last_dose_number or "",
        r.last_dose_on.strftime("%d/%m/%Y") if r.last_dose_on else "",
        r.appointment_day.strftime("%d/%m/%Y") if r.appointment_day else "",
        str(Session(r.appointment_session).label) if r.appointment_session in Session.values else "",
        r.appointment_site or "",
    ]  # fmt: skip


@login_required
def employee_list(request: AuthenticatedRequest, employer_id: int) -> HttpResponse | StreamingHttpResponse:
    """The people the employer registered, with their latest dose and appointment; paginated,
    ``?format=csv`` exports them all. Only the employer's representatives (404 otherwise);
    every row shown or exported is audit-logged as a read of health data."""
    company = employer_get_for(request.user, employer_id)
    campaigns = employer_campaigns(company)
    wanted = request.GET.get("campaign", "")
    campaign = next((c for c in campaigns if str(c.pk) == wanted), None)
    rows = employer_employees(company, campaign.pk if campaign else None)
    if request.GET.get("format") == "csv":
        read = list(rows.values_list("pk", "person_id")[:EXPORT_MAX_ROWS])
        audit_log_many(
            actor=request.user,
            action="vaccination.employee_doses_read",
            object_type="vaccination.registration",
            rows=[(str(pk), person_id) for pk, person_id in read],
            request=request,
        )
        name = f"nhan-vien-tiem-chung-{company.pk}-{timezone.localdate().isoformat()}"
        return csv_response(name, _employee_header(), (_employee_row(r) for r in rows.iterator(chunk_size=2000)))
    page = Paginator(rows, EMPLOYEES_PER_PAGE).get_page(request.GET.get("page"))
    audit_log_many(
        actor=request.user,
        action="vaccination.employee_doses_read",
        object_type="vaccination.registration",
        rows=[(str(r.pk), r.person_id) for r in page.object_list],
        request=request,
    )
    return render(
        request,
        "vaccination/employer_employees.html",
        {"employer": company, "page": page, "campaigns": campaigns, "campaign": campaign},
    )


urlpatterns = [
    path("register/", register, name="register"),
    path("register/<int:registration_id>/book/", book, name="book"),
    path("register/<int:registration_id>/cancel/", cancel_registration, name="cancel_registration"),
    path("appointments/<int:appointment_id>/cancel/", cancel_appointment, name="cancel_appointment"),
    path("register/<int:registration_id>/wait/", wait, name="wait"),
    path("waiting/<int:entry_id>/leave/", leave_waitlist, name="leave_waitlist"),
    path("employers/", employers, name="employers"),
    path("employers/<int:employer_id>/", employer, name="employer"),
    path("employers/<int:employer_id>/template.csv", employer_template, name="employer_template"),
    path("employers/<int:employer_id>/employees/", employee_list, name="employer_employees"),
    path("employers/<int:employer_id>/uploads/<int:upload_id>/report.csv", employer_report, name="employer_report"),
]
