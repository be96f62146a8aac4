"""The vaccination site's pages (vaccinators): the day list with the observation timers,
scanning a person's QR, the screening and the dose."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.permissions import vaccinator_required
from truyvet.credentials.qr import qr_holder
from truyvet.lib.audit import audit_log_many
from truyvet.lib.errors import DomainError
from vaccination import valuesets
from vaccination.errors import VaccinationError
from vaccination.forms import ScanForm, VisitForm
from vaccination.selectors import (
    doses_of,
    next_dose_number,
    person_appointment,
    person_by_id_number,
    person_for_certificate,
    site_day_appointments,
    site_day_doses,
    site_get_for,
    site_list_for,
    under_observation,
)
from vaccination.services import visit_record


@vaccinator_required
def sites(request: AuthenticatedRequest) -> HttpResponse:
    """The vaccinator's home: their sites (straight to the day list when there is one)."""
    mine = list(site_list_for(request.user))
    if len(mine) == 1:
        return redirect("vaccination:site_day", mine[0].pk)
    return render(request, "vaccination/sites.html", {"sites": mine})


@vaccinator_required
def site_day(request: AuthenticatedRequest, site_id: int) -> HttpResponse:
    """Today at the site: who was vaccinated, who is still under observation, and a scan."""
    site = site_get_for(request.user, site_id)
    form = ScanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].strip()
        person = person_by_id_number(code) if code.isdigit() else None
        if person is None and not code.isdigit():
            try:
                person = qr_holder(code)
            except DomainError as error:
                form.add_error("code", str(error))
        if person is not None:
            return redirect("vaccination:visit", site.pk, person.pk)
        if not form.errors:
            form.add_error("code", str(VaccinationError.UNKNOWN_CODE.label))
    now = timezone.now()
    products = valuesets.products()
    doses = site_day_doses(site, timezone.localdate())
    appointments = site_day_appointments(site, timezone.localdate())
    audit_log_many(
        actor=request.user,
        action="vaccination.appointments_read",
        object_type="vaccination.appointment",
        rows=[(str(a.pk), a.person_id) for a, _status in appointments],
        request=request,
    )
    observed = under_observation(site, now=now)
    return render(
        request,
        "vaccination/site_day.html",
        {
            "site": site,
            "form": form,
            "doses": [(d, products[d.product].display if d.product in products else d.product) for d in doses],
            "observed": [
                (d, int((d.created_at - now).total_seconds()) + settings.VACCINATION_OBSERVATION_MINUTES * 60)
                for d in observed
            ],
            "now": now,
            "appointments": appointments,
        },
    )


@vaccinator_required
def visit(request: AuthenticatedRequest, site_id: int, person_id: int) -> HttpResponse:
    """A person at the site: their doses, the screening and the dose."""
    site = site_get_for(request.user, site_id)
    person = person_for_certificate(request.user, person_id, request=request)
    form = VisitForm(
        request.POST or None,
        site_id=site.pk,
        person_id=person.pk,
        initial={"dose_number": next_dose_number(person.pk)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            visit_record(user=request.user, data=form.visit())
        except DomainError as error:
            field = next(iter(error.errors), None)
            form.add_error(field if field in form.fields else None, str(error))
        else:
            return redirect("vaccination:site_day", site.pk)
    return render(
        request,
        "vaccination/visit.html",
        {
            "site": site,
            "person": person,
            "form": form,
            "doses": doses_of(person.pk),
            "appointment": person_appointment(person.pk),
            "today": timezone.localdate(),
        },
    )


urlpatterns = [
    path("sites/", sites, name="sites"),
    path("sites/<int:site_id>/", site_day, name="site_day"),
    path("sites/<int:site_id>/people/<int:person_id>/", visit, name="visit"),
]
