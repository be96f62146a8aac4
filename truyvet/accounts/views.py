from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from truyvet.accounts.forms import AlertGroupForm, CodeForm, PhoneForm
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.models import Role
from truyvet.accounts.selectors import alert_groups_open_for, alerts_open_for, get_alert_for
from truyvet.accounts.services import (
    alert_acknowledge,
    alerts_acknowledge_group,
    login_code_request,
    login_code_verify,
)
from truyvet.lib.errors import DomainError
from truyvet.lib.notify import inbox_for
from truyvet.people.selectors import people_sharing_phone


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """The staff home: the open alerts of the user's unit. Citizens go to their own page."""
    if request.user.role == Role.CITIZEN and not request.user.is_superuser:
        return redirect("accounts:me")
    page = Paginator(alerts_open_for(request.user), 50).get_page(request.GET.get("page"))
    groups = alert_groups_open_for(request.user)
    return render(request, "accounts/staff_home.html", {"page": page, "groups": groups})


@login_required
@require_POST
def alert_ack(request: AuthenticatedRequest, alert_id: int) -> HttpResponse:
    alert = get_alert_for(request.user, alert_id)
    alert_acknowledge(user=request.user, alert=alert)
    messages.success(request, _("Alert acknowledged."))
    return redirect("accounts:home")


@login_required
@require_POST
def alert_ack_group(request: AuthenticatedRequest) -> HttpResponse:
    """Acknowledge a group of alike alerts the staff home showed (its kind, page, severity
    and newest time come back from the form)."""
    form = AlertGroupForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("These alerts could not be acknowledged: reload the page and try again."))
        return redirect("accounts:home")
    count = alerts_acknowledge_group(user=request.user, request=request, **form.cleaned_data)
    messages.success(request, _("%(count)d alerts acknowledged.") % {"count": count})
    return redirect("accounts:home")


def citizen_signin(request: HttpRequest) -> HttpResponse:
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            phone = login_code_request(phone=form.cleaned_data["phone"])
        except DomainError as error:
            form.add_error("phone", str(error.detail))
        else:
            request.session["signin_phone"] = phone
            return redirect("accounts:citizen_code")
    return render(request, "accounts/citizen_signin.html", {"form": form})


def citizen_code(request: HttpRequest) -> HttpResponse:
    phone = request.session.get("signin_phone")
    if not phone:
        return redirect("accounts:citizen_signin")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = login_code_verify(phone=phone, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", str(error.detail))
        else:
            request.session.pop("signin_phone", None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("accounts:me")
    return render(request, "accounts/citizen_code.html", {"form": form, "phone": phone})


@login_required
def me(request: AuthenticatedRequest) -> HttpResponse:
    """A signed-in citizen's page: the people who share their phone, and their inbox."""
    if request.user.role != Role.CITIZEN:
        return HttpResponseForbidden()
    people = people_sharing_phone(request.user.phone or "")
    inbox = inbox_for(person_ids=[p.pk for p in people])
    return render(request, "accounts/me.html", {"people": people, "inbox": inbox})
