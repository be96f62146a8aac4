"""The printable PDF certificate: for the citizen (their household, from ``/vaccination/me/``)
and for staff who may read the person's doses (``person_for_certificate``: 404 outside,
audit-logged)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.urls import path

from truyvet.accounts.http import AuthenticatedRequest
from truyvet.lib.errors import DomainError
from truyvet.lib.export import print_response
from vaccination.certificate_pdf import certificate_pdf
from vaccination.certificates import certificate_for
from vaccination.selectors import doses_of, person_for_certificate


@login_required
def certificate_pdf_view(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = person_for_certificate(request.user, person_id, request=request)
    doses = doses_of(person.pk)
    if not doses:
        raise Http404
    try:
        certificate = certificate_for(person)
    except DomainError as error:
        raise Http404 from error
    body = certificate_pdf(person, doses, certificate)
    return print_response(
        body, fmt="pdf", filename=f"chung-nhan-tiem-chung-{person.pk}", cache_control="private, no-store"
    )


urlpatterns = [path("certificates/<int:person_id>.pdf", certificate_pdf_view, name="certificate_pdf")]
