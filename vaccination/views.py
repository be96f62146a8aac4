"""Public and citizen pages: verifying a certificate (``/verify/``), and a citizen's doses
and certificates."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from truyvet.accounts.http import AuthenticatedRequest
from truyvet.lib.errors import DomainError
from truyvet.lib.qr import render_svg
from vaccination import valuesets
from vaccination.certificates import certificate_for, trust_list_for_browsers
from vaccination.errors import VaccinationError
from vaccination.reaction_selectors import reactions_of_people
from vaccination.selectors import doses_of, people_of_citizen, person_for_certificate


def verify_page(request: HttpRequest) -> HttpResponse:
    """Read a certificate's QR and check it in the browser, offline (public)."""
    words: dict[str, Any] = {
        "valid": _("Valid EU Digital COVID Certificate"),
        "invalid": _("Not a valid certificate"),
        "name": _("Name"),
        "dob": _("Date of birth"),
        "dose": _("Dose {dn} of {sd}"),
        "uvci": _("Certificate identifier"),
        "until": _("Valid until"),
        "noqr": _("No QR code found in the photo."),
        "nocamera": _("The camera is not available: choose a photo or paste the text."),
        "reasons": {code.value: str(code.label) for code in VaccinationError},
    }
    products = {code: value.display for code, value in valuesets.products().items()}
    return render(
        request,
        "vaccination/verify.html",
        {"trust": trust_list_for_browsers(), "words": words, "products": products},
    )


@login_required
def my_certificates(request: AuthenticatedRequest) -> HttpResponse:
    """A signed-in citizen's household: each person's doses and certificate."""
    people = people_of_citizen(request.user)
    if not people and request.user.role != "citizen":
        raise Http404
    products = valuesets.products()
    reactions = reactions_of_people([p.pk for p in people])
    members = []
    for listed in people:
        person = person_for_certificate(request.user, listed.pk, request=request)
        doses = doses_of(person.pk)
        entry: dict[str, Any] = {
            "person": person,
            "doses": [
                {
                    "dose": d,
                    "product": products[d.product].display if d.product in products else d.product,
                    "reactions": reactions.get(d.pk, []),
                }
                for d in doses
            ],
        }
        if doses:
            try:
                certificate = certificate_for(person)
            except DomainError:
                certificate = None
            if certificate is not None:
                entry["certificate"] = certificate
                entry["qr_svg"] = render_svg(certificate.hc1, error_correction="Q")
        members.append(entry)
    return render(request, "vaccination/my_certificates.html", {"members": members})
