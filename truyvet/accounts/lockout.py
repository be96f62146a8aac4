"""Staff sign-in lockout after repeated wrong passwords, on django-axes.

Axes counts failures against one limit for every lockout parameter; the portal wants a
small limit per account (guessing one person's password from many addresses) and a larger
one per client address (one address trying many accounts, or many people behind one
office router). The handler below keeps axes' database records and cool-off and only
changes how the two counts are compared.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Max, Q, Sum
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _


def _matching(request: HttpRequest, username: str | None) -> tuple[Q, Q]:
    ip_address = getattr(request, "axes_ip_address", None)
    by_account = Q(username=username) if username else Q(pk__in=[])
    by_address = Q(ip_address=ip_address) if ip_address else Q(pk__in=[])
    return by_account, by_address


def failures_within_cool_off(request: HttpRequest, username: str | None) -> tuple[int, int]:
    """Wrong passwords since the cool-off threshold: (for this account, from this address)."""
    by_account, by_address = _matching(request, username)
    counts = AccessAttempt.objects.filter(by_account | by_address, attempt_time__gte=get_cool_off_threshold(request))
    totals = counts.aggregate(
        account=Sum("failures_since_start", filter=by_account), address=Sum("failures_since_start", filter=by_address)
    )
    return totals["account"] or 0, totals["address"] or 0


class SigninLockoutHandler(AxesDatabaseHandler):
    """Locked when the account reaches ``AXES_FAILURE_LIMIT`` wrong passwords or the address
    reaches ``SIGNIN_FAILURES_PER_ADDRESS``, within ``AXES_COOLOFF_TIME``."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        by_account, by_address = failures_within_cool_off(request, get_client_username(request, credentials))
        if by_address >= settings.SIGNIN_FAILURES_PER_ADDRESS:
            # Expressed on the account's scale, which is the one limit axes compares with.
            return max(by_account, get_failure_limit(request, credentials))
        return by_account

    def reset_user_attempts(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        # A right password clears that account's failures only: axes would also clear the
        # address's, so anyone with an account could sign in to it between guesses at another.
        username = get_client_username(request, credentials)
        if not username:
            return 0
        deleted, _ = AccessAttempt.objects.filter(username=username).delete()
        return deleted


def lockout_minutes_left(request: HttpRequest, username: str | None) -> int:
    """Whole minutes until the cool-off has passed since the last counted failure (at most
    the cool-off: attempts during a lockout do not restart it)."""
    cool_off = get_cool_off(request) or timedelta(0)
    by_account, by_address = _matching(request, username)
    latest = AccessAttempt.objects.filter(by_account | by_address).aggregate(latest=Max("attempt_time"))["latest"]
    left = (latest + cool_off - timezone.now()) if latest else cool_off
    return max(1, -(-int(left.total_seconds()) // 60))


def lockout_message(minutes: int) -> str:
    return _(
        "Too many failed sign-in attempts. Sign-in is locked; try again in %(minutes)d minutes, "
        "or ask an administrator to unlock your account."
    ) % {"minutes": minutes}


def _form_showing(form: forms.Form, message: str) -> forms.Form:
    # An unbound form that shows the lockout as its error: validating a bound one would
    # authenticate again, and count one more failure.
    form._errors = ErrorDict({NON_FIELD_ERRORS: form.error_class([message], error_class="nonfield")})  # type: ignore[attr-defined]
    return form


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """The sign-in page it came from (staff or admin), with the lockout message; 429."""
    username = get_client_username(request, credentials) or ""
    minutes = lockout_minutes_left(request, username)
    message = lockout_message(minutes)
    next_url = request.POST.get(REDIRECT_FIELD_NAME, "")
    context: dict[str, Any]
    if request.path.startswith(reverse("admin:index")):
        form = _form_showing(AdminAuthenticationForm(request, initial={"username": username}), message)
        context = {
            **admin.site.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": "",
            "form": form,
            REDIRECT_FIELD_NAME: next_url,
        }
        template = "admin/login.html"
    else:
        form = _form_showing(AuthenticationForm(request, initial={"username": username}), message)
        context = {"form": form, REDIRECT_FIELD_NAME: next_url, "locked_out": True}
        template = "accounts/login.html"
    response = render(request, template, context, status=settings.AXES_HTTP_RESPONSE_CODE)
    response.headers["Retry-After"] = str(minutes * 60)
    return response
