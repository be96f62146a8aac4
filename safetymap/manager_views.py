"""The facility manager's pages, made for a phone: "my facilities" (their home), the daily
self-assessment (one tap per criterion, under a minute), and the verified reports about
their facilities with their answer. A manager sees what was reported, never who sent it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from safetymap.forms import AnswerForm
from safetymap.selectors import (
    checkins_today_of,
    checklist_current,
    facilities_managed_by,
    facility_managed_get_for,
    is_facility_manager,
    report_for_manager_get,
    reports_for_manager,
    shown_status_of,
)
from safetymap.services import assessment_submit, report_answer
from safetymap.views import COLOURS, form_errors
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.jurisdiction import sees_everywhere
from truyvet.accounts.models import User
from truyvet.accounts.permissions import user_passes
from truyvet.lib.errors import DomainError


def _manages_or_admin(user: User) -> bool:
    return is_facility_manager(user) or sees_everywhere(user)


manager_required = user_passes(_manages_or_admin)  # type: ignore[arg-type]


@manager_required
def my_facilities(request: AuthenticatedRequest) -> HttpResponse:
    """The facility manager's home: each facility, its colour, whether today's assessment
    is done, reports waiting for an answer, today's check-ins at its QR venue."""
    rows = facilities_managed_by(request.user)
    return render(request, "safetymap/my_facilities.html", {"rows": rows, "colours": COLOURS})


@manager_required
def assess(request: AuthenticatedRequest, facility_id: int) -> HttpResponseBase:
    """Today's self-assessment: every criterion of the current checklist is a switch, on
    when met; one button sends it."""
    facility = facility_managed_get_for(request.user, facility_id)
    checklist = checklist_current(facility.type)
    language = get_language() or "vi"
    error = ""
    if request.method == "POST" and checklist is not None:
        met = [int(v) for v in request.POST.getlist("met") if v.isdigit() and len(v) <= 18]
        raw_checklist = request.POST.get("checklist", "")
        try:
            assessment = assessment_submit(
                user=request.user,
                facility=facility,
                checklist_id=int(raw_checklist) if raw_checklist.isdigit() and len(raw_checklist) <= 18 else 0,
                met=met,
                note=request.POST.get("note", "")[:500],
                request=request,
            )
        except DomainError as refused:
            error = str(refused)
            checklist = checklist_current(facility.type)
        else:
            messages.success(
                request,
                _("Assessment saved: %(score)s points, %(status)s.")
                % {"score": assessment.score, "status": assessment.get_status_display()},
            )
            return redirect("safetymap:my_facilities")
    criteria = [
        {"id": c.pk, "label": c.label(language), "points": c.points, "critical": c.critical}
        for c in (checklist.criteria.all() if checklist else [])
    ]
    return render(
        request,
        "safetymap/assess.html",
        {
            "facility": facility,
            "checklist": checklist,
            "criteria": criteria,
            "error": error,
            "status": shown_status_of(facility),
            "colours": COLOURS,
            "checkins_today": checkins_today_of(facility),
        },
        status=409 if error else 200,
    )


@manager_required
def facility_reports(request: AuthenticatedRequest, facility_id: int) -> HttpResponse:
    """The verified reports about one of the manager's facilities, with an answer form each."""
    facility = facility_managed_get_for(request.user, facility_id)
    reports = reports_for_manager(request.user, facility)
    return render(request, "safetymap/manager_reports.html", {"facility": facility, "reports": reports})


@manager_required
def answer(request: AuthenticatedRequest, report_id: int) -> HttpResponseBase:
    report = report_for_manager_get(request.user, report_id)
    form = AnswerForm(request.POST or None, initial={"answer": report.answer})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            report_answer(user=request.user, report=report, answer=form.cleaned_data["answer"], request=request)
        except DomainError as error:
            form_errors(form, error)
            status = error.status
        else:
            messages.success(request, _("Your answer was saved; the person who reported sees it on their page."))
            return redirect("safetymap:manager_reports", report.facility_id)
    elif request.method == "POST":
        status = 400
    return render(request, "safetymap/answer.html", {"report": report, "form": form}, status=status)
