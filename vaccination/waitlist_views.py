"""The site's waiting list (vaccinators of the site and administrators): who waits for which
days, in the order their places will be offered."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.permissions import vaccinator_required
from truyvet.lib.audit import audit_log_many
from vaccination.selectors import site_get_for
from vaccination.waitlist import WAIT_MAX_DAYS, site_waiting, site_waiting_by_day

SHOWN = 500  # people listed (the count says when there are more)


@vaccinator_required
def site_waiting_list(request: AuthenticatedRequest, site_id: int) -> HttpResponse:
    """The people waiting for a place at the site (404 for another site's staff); each row
    read is audit-logged, as the day list's appointments are."""
    site = site_get_for(request.user, site_id)
    today = timezone.localdate()
    waiting = site_waiting(site, today=today)
    entries = list(waiting[:SHOWN])
    audit_log_many(
        actor=request.user,
        action="vaccination.waitlist_read",
        object_type="vaccination.waitlistentry",
        rows=[(str(e.pk), e.person_id) for e in entries],
        request=request,
    )
    first = today + timedelta(days=1)
    by_day = site_waiting_by_day(site, first, first + timedelta(days=WAIT_MAX_DAYS - 1))
    return render(
        request,
        "vaccination/site_waiting.html",
        {
            "site": site,
            "entries": entries,
            "total": len(entries) if len(entries) < SHOWN else waiting.count(),
            "by_day": [(day, n) for day, n in by_day.items() if n],
        },
    )


urlpatterns = [
    path("sites/<int:site_id>/waiting/", site_waiting_list, name="site_waiting"),
]
