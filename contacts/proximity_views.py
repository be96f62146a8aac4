"""Staff pages of the Bluetooth app: issuing a single-use upload code.

The code is shown once, on the answer to the POST that made it: it is never stored in
clear, so it cannot be shown again (issue a new one instead, which retires the old).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from contacts.selectors import case_get_for, follow_up_get_for
from contacts.services.proximity import IssuedCode, upload_code_issue
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.permissions import health_staff_required
from truyvet.lib.errors import DomainError
from truyvet.people.models import Person


def _back_url(name: str, pk: int) -> str | None:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:  # the page that links here is optional
        return None


def _show(request: AuthenticatedRequest, issued: IssuedCode, person: Person, back_url: str | None) -> HttpResponse:
    response = render(
        request,
        "contacts/upload_code.html",
        {"issued": issued, "person": person, "back_url": back_url},
    )
    add_never_cache_headers(response)  # the code in clear must not stay in a cache
    return response


@health_staff_required
@require_POST
def case_upload_code(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = case_get_for(request.user, case_id)
    try:
        issued = upload_code_issue(user=request.user, person=case.person, case=case, request=request)
    except DomainError as error:
        messages.error(request, str(error.detail))
        return redirect("contacts:case_detail", case.pk)
    return _show(request, issued, case.person, _back_url("contacts:case_detail", case.pk))


@health_staff_required
@require_POST
def follow_up_upload_code(request: AuthenticatedRequest, follow_up_id: int) -> HttpResponse:
    follow_up = follow_up_get_for(request.user, follow_up_id, active_only=True)
    issued = upload_code_issue(user=request.user, person=follow_up.person, request=request)
    return _show(request, issued, follow_up.person, _back_url("contacts:follow_up_detail", follow_up.pk))


urlpatterns: list[URLPattern] = [
    path("cases/<int:case_id>/upload-code/", case_upload_code, name="upload_code"),
    path("follow-ups/<int:follow_up_id>/upload-code/", follow_up_upload_code, name="follow_up_upload_code"),
]
