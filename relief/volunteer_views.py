"""The volunteer's pages: the public sign-up (with its consent), the sign-in by an SMS code
(the citizens' sign-in: ``truyvet.accounts.services.login_code_request`` and
``login_code_verify``), the volunteer's own assignments and withdrawing.

A volunteer is whoever is signed in with the phone of an active registration. They see the
requests assigned to them now: the requester's words, exact place and phone while the
request is open, the type and the commune once it is done. Nobody else's.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from relief.consent import CONSENT_TEXT, CONSENT_VERSION
from relief.forms import StepForm, VolunteerForm
from relief.limits import signin_over_limit, signup_over_limit
from relief.models import OPEN_STATUSES, Volunteer
from relief.selectors import assignment_get, assignments_of, volunteer_for_phone
from relief.services import (
    VOLUNTEER_STEPS,
    sos_volunteer_step,
    steps_allowed,
    volunteer_phone_confirm,
    volunteer_register,
    volunteer_withdraw,
)
from relief.views import form_errors, map_settings
from truyvet.accounts.forms import CodeForm, PhoneForm
from truyvet.accounts.models import Role, User
from truyvet.accounts.services import login_code_request, login_code_verify
from truyvet.lib.audit import audit_log
from truyvet.lib.errors import DomainError
from truyvet.lib.ratelimit import remember_browser
from truyvet.people.normalize import display_phone, normalize_phone

SESSION_PHONE = "relief_signin_phone"


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


# --- Sign-up -----------------------------------------------------------------------------


def volunteer_signup(request: HttpRequest) -> HttpResponse:
    form = VolunteerForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid() and form.body is not None:
        if signup_over_limit(request):
            form.add_error(None, _("Too many sign-ups from this phone or network in the last hour; try again later."))
            status = 429
        else:
            try:
                volunteer_register(
                    body=form.body,
                    language=_language(),
                    consent_version=CONSENT_VERSION,
                    consent_text=str(CONSENT_TEXT),
                    request=request,
                )
            except DomainError as error:
                form_errors(form, error)
                status = error.status
            else:
                return remember_browser(request, redirect("relief:volunteer_thanks"))
    elif request.method == "POST":
        status = 400
    response = render(request, "relief/volunteer_signup.html", {"form": form}, status=status)
    if status == 429:
        response["Retry-After"] = "3600"
    return remember_browser(request, response)


@require_GET
def volunteer_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "relief/volunteer_thanks.html")


# --- Sign-in by SMS code ---------------------------------------------------------------------


def volunteer_signin(request: HttpRequest) -> HttpResponse:
    """The phone of a registration gets a sign-in code (the citizens' codes and limits)."""
    form = PhoneForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        phone = normalize_phone(form.cleaned_data["phone"])
        if phone is None:
            form.add_error("phone", _("Enter a Vietnamese mobile number, e.g. 0912 345 678."))
            status = 400
        elif volunteer_for_phone(phone) is None:
            form.add_error("phone", _("No volunteer is registered with this phone. Sign up first."))
            status = 404
        elif signin_over_limit(request):
            form.add_error("phone", _("Too many codes asked from this phone or network; wait a while."))
            status = 429
        else:
            try:
                login_code_request(phone=phone)
            except DomainError as error:
                form.add_error("phone", str(error.detail))
                status = error.status
            else:
                request.session[SESSION_PHONE] = phone
                return remember_browser(request, redirect("relief:volunteer_code"))
    response = render(request, "relief/volunteer_signin.html", {"form": form}, status=status)
    return remember_browser(request, response)


def volunteer_code(request: HttpRequest) -> HttpResponse:
    phone = request.session.get(SESSION_PHONE)
    if not phone:
        return redirect("relief:volunteer_signin")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = login_code_verify(phone=phone, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", str(error.detail))
            status = error.status
        else:
            if user.role != Role.CITIZEN or user.is_staff or user.is_superuser:
                # A staff account with this phone signs in with its password (and its second step).
                form.add_error("code", _("This phone belongs to a staff account: sign in with your password."))
                status = 403
            else:
                request.session.pop(SESSION_PHONE, None)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                volunteer = volunteer_for_phone(user.phone)
                if volunteer is not None:
                    volunteer_phone_confirm(volunteer=volunteer, user=user, request=request)
                return redirect("relief:volunteer_home")
    return render(request, "relief/volunteer_code.html", {"form": form, "phone": display_phone(phone)}, status=status)


# --- The volunteer's own pages ---------------------------------------------------------------

VolunteerView = Callable[..., HttpResponseBase]


def volunteer_required(view: VolunteerView) -> VolunteerView:
    """Signed in with the phone of an active registration: the view gets the volunteer.
    Not signed in: the sign-in page. Signed in without one: a page that says so."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user: Any = request.user
        if not user.is_authenticated:
            return redirect(reverse("relief:volunteer_signin"))
        volunteer = volunteer_for_phone(getattr(user, "phone", None))
        if volunteer is None:
            return render(request, "relief/volunteer_none.html", status=404)
        return view(request, volunteer, *args, **kwargs)

    return wrapped


@volunteer_required
@require_GET
def volunteer_home(request: HttpRequest, volunteer: Volunteer) -> HttpResponse:
    rows = list(assignments_of(volunteer))
    return render(
        request,
        "relief/volunteer_home.html",
        {
            "volunteer": volunteer,
            "open": [s for s in rows if s.status in OPEN_STATUSES],
            "closed": [s for s in rows if s.status not in OPEN_STATUSES][:50],
        },
    )


def _signed_in(request: HttpRequest) -> User:
    """The volunteer's account (``volunteer_required`` let only a signed-in volunteer in)."""
    user = request.user
    assert isinstance(user, User)
    return user


@volunteer_required
def volunteer_assignment(request: HttpRequest, volunteer: Volunteer, sos_id: int) -> HttpResponse:
    """One request assigned to the volunteer: details while it is open, and its steps."""
    sos = assignment_get(volunteer, sos_id)
    form = StepForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            sos_volunteer_step(
                user=_signed_in(request),
                volunteer=volunteer,
                sos=sos,
                action=form.cleaned_data["action"],
                note=form.cleaned_data.get("note", ""),
                site=request.build_absolute_uri("/"),
                request=request,
            )
        except DomainError as error:
            form_errors(form, error)
            status = error.status
        else:
            return redirect("relief:volunteer_assignment", sos.pk)
    elif request.method == "POST":
        status = 400
    is_open = sos.status in OPEN_STATUSES
    if is_open:
        audit_log(actor=request.user, action="relief.assignment_view", obj=sos, request=request)
    return render(
        request,
        "relief/volunteer_assignment.html",
        {
            "volunteer": volunteer,
            "sos": sos,
            "is_open": is_open,
            "phone": display_phone(sos.phone) if is_open else "",
            "steps": [s for s in steps_allowed(sos.status) if s in VOLUNTEER_STEPS],
            "form": form,
            "config": map_settings(),
        },
        status=status,
    )


@volunteer_required
def volunteer_withdraw_view(request: HttpRequest, volunteer: Volunteer) -> HttpResponse:
    """Withdraw from the register (asked to confirm first)."""
    if request.method == "POST":
        volunteer_withdraw(volunteer=volunteer, user=_signed_in(request), request=request)
        return render(request, "relief/volunteer_withdrawn.html")
    return render(
        request,
        "relief/volunteer_withdraw.html",
        {"volunteer": volunteer, "open": assignments_of(volunteer).filter(status__in=OPEN_STATUSES).count()},
    )
