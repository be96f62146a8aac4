from __future__ import annotations

from base64 import b32encode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, QueryDict
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from truyvet.accounts import two_factor
from truyvet.accounts.forms import AlertGroupForm, CodeForm, PhoneForm, SignInCodeForm, TotpCodeForm
from truyvet.accounts.homes import home_url_name_for
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.permissions import is_citizen, is_portal_staff, portal_staff_required
from truyvet.accounts.selectors import (
    alert_get_for,
    alert_groups_open_for,
    alerts_open_for,
    two_factor_backup_codes_left,
    two_factor_device_for,
    two_factor_step_for,
)
from truyvet.accounts.services import (
    alert_acknowledge,
    alerts_acknowledge_group,
    login_code_request,
    login_code_verify,
    two_factor_backup_codes_issue,
    two_factor_enrolment_confirm,
    two_factor_enrolment_device,
    two_factor_verify,
)
from truyvet.lib.errors import DomainError
from truyvet.lib.notify import inbox_for
from truyvet.lib.qr import render_svg
from truyvet.people.selectors import people_sharing_phone


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Where the user starts (``homes.home_url_name_for``): a citizen's own page, each staff
    role's page of work (``settings.STAFF_HOME_PAGES``)."""
    return redirect(home_url_name_for(request.user))


@portal_staff_required
def alerts(request: AuthenticatedRequest) -> HttpResponse:
    """The open alerts of the user's unit."""
    page = Paginator(alerts_open_for(request.user), 50).get_page(request.GET.get("page"))
    groups = alert_groups_open_for(request.user)
    return render(request, "accounts/staff_home.html", {"page": page, "groups": groups})


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the page the alert was acknowledged on (``next``, on this site), else the
    alerts."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("accounts:alerts")


@login_required
@require_POST
def alert_ack(request: AuthenticatedRequest, alert_id: int) -> HttpResponse:
    alert = alert_get_for(request.user, alert_id)
    alert_acknowledge(user=request.user, alert=alert)
    messages.success(request, _("Alert acknowledged."))
    return _back(request)


@login_required
@require_POST
def alert_ack_group(request: AuthenticatedRequest) -> HttpResponse:
    """Acknowledge a group of alike alerts the staff home showed (its kind, page, severity
    and newest time come back from the form)."""
    form = AlertGroupForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("These alerts could not be acknowledged: reload the page and try again."))
        return _back(request)
    group = form.cleaned_data
    count = alerts_acknowledge_group(
        user=request.user,
        kind=group["kind"],
        url=group["url"],
        severity=group["severity"],
        until=group["until"],
        request=request,
    )
    messages.success(request, _("%(count)d alerts acknowledged.") % {"count": count})
    return _back(request)


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
    if not is_citizen(request.user):
        return HttpResponseForbidden()
    people = people_sharing_phone(request.user.phone or "")
    inbox = inbox_for(person_ids=[p.pk for p in people])
    return render(request, "accounts/me.html", {"people": people, "inbox": inbox})


def _next_url(request: HttpRequest) -> str:
    """Where to go once the second factor is done: ``next`` if it stays on this site."""
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _step_page(step: str, next_url: str) -> HttpResponse:
    page = "accounts:two_factor_setup" if step == two_factor.ENROL else "accounts:two_factor_verify"
    response = redirect(page)
    response["Location"] += "?" + QueryDict.fromkeys([REDIRECT_FIELD_NAME], next_url).urlencode()
    return response


@login_required
def two_factor_verify_page(request: AuthenticatedRequest) -> HttpResponse:
    """After the password: the code from the staff member's authenticator app."""
    next_url = _next_url(request)
    step = request.session.get(two_factor.STEP_SESSION_KEY)
    if step == two_factor.VERIFY and two_factor_device_for(request.user) is None:
        # The authenticator was removed (by an administrator) since the password was checked.
        step = request.session[two_factor.STEP_SESSION_KEY] = two_factor_step_for(request.user)
    if not step:
        return redirect(next_url)
    if step == two_factor.ENROL:
        return _step_page(step, next_url)
    form = SignInCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            two_factor_verify(request=request, user=request.user, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", str(error.detail))
            status = error.status
        else:
            return redirect(next_url)
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url}, status=status)


@login_required
def two_factor_setup_page(request: AuthenticatedRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR (or type the secret), then confirm with a code.
    Required after the password for the roles of ``OTP_REQUIRED_ROLES``; open to any staff."""
    user = request.user
    if not is_portal_staff(user):
        return redirect("accounts:me")
    next_url = _next_url(request)
    device = two_factor_device_for(user)
    if device is not None:
        if request.session.get(two_factor.STEP_SESSION_KEY):
            return _step_page(two_factor.VERIFY, next_url)
        context: dict[str, object] = {"enrolled": device}
        if request.method == "POST":
            # "New backup codes": the earlier set stops working; the new one is shown this once.
            context["backup_codes"] = two_factor_backup_codes_issue(request=request, user=user)
        context["backup_codes_left"] = two_factor_backup_codes_left(user)
        return render(request, "accounts/two_factor_setup.html", context)
    form = TotpCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = two_factor_enrolment_confirm(request=request, user=user, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", str(error.detail))
            status = error.status
        else:
            context = {"enrolled": enrolment.device, "backup_codes": enrolment.backup_codes, "next": next_url}
            return render(request, "accounts/two_factor_setup.html", context)
    device = two_factor_enrolment_device(user=user)
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": render_svg(device.config_url, border=2),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "required": bool(request.session.get(two_factor.STEP_SESSION_KEY)),
    }
    return render(request, "accounts/two_factor_setup.html", context, status=status)
