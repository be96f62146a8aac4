"""Likely duplicate people, and merging them (health staff, within their wards)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.jurisdiction import ward_filter
from truyvet.accounts.permissions import health_staff_required
from truyvet.lib.errors import DomainError
from truyvet.people.selectors import likely_duplicates_for, person_get_for, related_counts
from truyvet.people.services import person_merge


@health_staff_required
def duplicates(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "people/duplicates.html", {"groups": likely_duplicates_for(ward_filter(request.user))})


@health_staff_required
@require_http_methods(["GET", "POST"])
def merge(request: AuthenticatedRequest, first_id: int, second_id: int) -> HttpResponse:
    wards = ward_filter(request.user)
    first = person_get_for(wards, first_id)
    second = person_get_for(wards, second_id)
    if request.method == "POST":
        keep = request.POST.get("keep", "")
        if keep not in {str(first.pk), str(second.pk)}:
            messages.error(request, _("Choose the record to keep."))
            return redirect("people:merge", first_id=first.pk, second_id=second.pk)
        survivor, duplicate = (first, second) if keep == str(first.pk) else (second, first)
        try:
            person_merge(user=request.user, survivor=survivor, duplicate=duplicate)
        except DomainError as error:
            messages.error(request, str(error.detail))
        else:
            messages.success(request, _("Merged into %(name)s.") % {"name": survivor.full_name})
            return redirect("people:duplicates")
    counts = related_counts([first.pk, second.pk])
    return render(
        request,
        "people/merge.html",
        {"people": [(first, counts.get(first.pk, {})), (second, counts.get(second.pk, {}))]},
    )
