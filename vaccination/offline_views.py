"""The site's offline recording (vaccinators): a page that opens with no network, reads the
personal QR with the camera (or takes a typed citizen id number), records the screening and
the dose into a queue on the tablet (IndexedDB, static/js/vaccination-offline.js), and sends
the queue through the batch endpoint (``POST /api/v1/vaccination/sites/{id}/doses/``) when
the network is there.

``/vaccination/offline/<site>/`` is the page; ``/vaccination/offline/sw.js`` the service worker
(the shared one, truyvet/lib/offline.py) that keeps it, its files and the value sets it
carries (the products, the marketing authorisation holders and the site's lots in stock).
Nothing about a person is in the page: the queue holds what the tablet recorded."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.permissions import vaccinator_required
from truyvet.lib.error_codes import CoreError
from truyvet.lib.offline import OfflinePages
from vaccination import valuesets
from vaccination.dose_batches import DOSE_BATCH_MAX
from vaccination.errors import VaccinationError
from vaccination.models import ScreeningOutcome, Site
from vaccination.registration_errors import RegistrationError
from vaccination.screening import QUESTIONS
from vaccination.selectors import site_get_for, site_lots_in_stock

SCOPE = "/vaccination/offline/"
# The files the page loads: the service worker keeps them. A test checks that every file
# the page links is in this list.
SHELL_STATIC = [
    "vendor/bootstrap-5.3.8/css/bootstrap.min.css",
    "css/truyvet.css",
    "img/favicon.svg",
    "css/vaccination-offline.css",
    "js/qrscan.js",
    "js/offline-queue.js",
    "js/vaccination-offline.js",
]
QR_FALLBACK = "vendor/jsqr-1.4.0/jsQR.min.js"
OFFLINE = OfflinePages(
    scope=SCOPE,
    cache="truyvet-vaccination",
    shell=SHELL_STATIC,
    optional={"qr_decoder": QR_FALLBACK},
    page_pattern=rf"^{SCOPE}\d+/$",
)

# Why the server refused a queued visit (a rejected item's ``reason``), beyond the error
# codes' own words: the fields a tablet can get wrong.
FIELD_REASONS = {
    "screening_answers_invalid": _("the screening checklist is not complete"),
    "screening_screened_at_invalid": _("the screening's time is not on the day of the visit"),
    "screening_note_invalid": _("the note contains characters that are not valid"),
    "administered_on_invalid": _("the date is not valid"),
    "id_number_invalid": _("a citizen id number has 12 digits"),
    "person_id_invalid": _("the person is not identified"),
}

# Words the page's JavaScript shows, in both languages ({n}, {time}… are filled in there).
SCRIPT_TEXTS = {
    "online": _("Online"),
    "offline": _("Offline"),
    "waiting": _("{n} waiting"),
    "synced_at": _("Sent at {time}"),
    "sync_failed": _("Could not send: will try again."),
    "signed_out": _("Signed out: sign in again to send the waiting visits."),
    "camera_off": _("The camera is not available: type the citizen id number."),
    "not_a_code": _("Not a personal QR code: type the citizen id number."),
    "by_code": _("Personal QR code …{end}"),
    "by_id_number": _("Citizen id number {id}"),
    "pending": _("Waiting to send"),
    "created": _("Recorded"),
    "duplicate": _("Already recorded"),
    "rejected": _("Refused"),
    "postponed": _("Screening only (no dose)"),
    "fix": _("Fix"),
    "drop": _("Drop"),
    "drop_confirm": _("Drop this visit from the queue? It will not be recorded."),
    "queued": _("Queued: {label}"),
    "choose_product": _("Choose the vaccine for this session first."),
    "dose_over": _("The dose number is above the series: a booster."),
    "suggested": _("Suggested by the answers: {outcome}"),
    "lot_info": _("Expires {day} · {n} doses left"),
    "unknown_reason": _("refused ({code})"),
    "error": _("Something went wrong: {detail}"),
}


def _bilingual(label: Any) -> dict[str, str]:
    """Vietnamese first, English second: the page shows both for what the server said."""
    words = {}
    for code in ("vi", "en"):
        with translation.override(code):
            words[code] = str(label)
    return words


def _rejections() -> dict[str, dict[str, str]]:
    codes = [*VaccinationError, RegistrationError.UNKNOWN_CAMPAIGN]
    codes += [c for c in CoreError if c.value.startswith("token_")]
    words = {code.value: _bilingual(code.label) for code in codes}
    words.update({code: _bilingual(label) for code, label in FIELD_REASONS.items()})
    return words


def _value_sets(site: Site) -> dict[str, Any]:
    """What the form offers, kept with the page for offline use: the products (the site's
    lots' first) with their holder, the holders, and the site's lots in stock."""
    lots = site_lots_in_stock(site, timezone.localdate())
    stocked = {lot.product for lot in lots}
    holders = valuesets.encoding_instructions()
    products = [
        {"code": code, "name": name, "manufacturer": holders.get(code, ("", ""))[0]}
        for code, name in valuesets.product_choices()
    ]
    products.sort(key=lambda p: p["code"] not in stocked)
    return {
        "products": products,
        "manufacturers": [{"code": code, "name": name} for code, name in valuesets.manufacturer_choices()],
        "lots": [
            {
                "product": lot.product,
                "manufacturer": lot.manufacturer,
                "lot": lot.lot,
                "expires_on": lot.expires_on.isoformat(),
                "doses_left": lot.doses_left,
            }
            for lot in lots
        ],
    }


def _page_config(site: Site) -> dict[str, Any]:
    return {
        "site": {"id": site.pk, "name": site.name},
        "urls": {
            "doses": reverse("api:vaccination-site-doses", args=[site.pk]),
            "worker": reverse("vaccination:offline_sw"),
            "scope": SCOPE,
            "page": reverse("vaccination:offline", args=[site.pk]),
            "login": reverse("accounts:login"),
        },
        "batch_max": DOSE_BATCH_MAX,
        # The screening's rule has two copies: vaccination.screening.suggested_outcome and
        # suggestedOutcome in static/js/vaccination-offline.js (each question's outcome).
        "questions": [{"key": key, "suggests": str(outcome), **_bilingual(q)} for key, q, outcome in QUESTIONS],
        "outcomes": {value: _bilingual(label) for value, label in ScreeningOutcome.choices},
        "rejections": _rejections(),
        "texts": {key: _bilingual(text) for key, text in SCRIPT_TEXTS.items()},
        **_value_sets(site),
    }


@vaccinator_required
@require_GET
def offline_page(request: AuthenticatedRequest, site_id: int) -> HttpResponse:
    """The offline recording page of one of the vaccinator's sites (404 for another)."""
    site = site_get_for(request.user, site_id)
    return render(
        request,
        "vaccination/offline.html",
        {
            "site": site,
            "config": _page_config(site),
            "outcomes": ScreeningOutcome.choices,
            "qr_fallback": QR_FALLBACK,
        },
    )


@require_GET
def offline_service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, from /vaccination/offline/ so that it may control the pages."""
    return OFFLINE.worker(
        data=[],
        pages=[],
        offline_text=_(
            "Offline: open the site's offline recording once while online, then it works without a network."
        ),
        banner="truyvet vaccination offline recording",
    )


urlpatterns: list[URLPattern] = [
    path("offline/sw.js", offline_service_worker, name="offline_sw"),
    path("offline/<int:site_id>/", offline_page, name="offline"),
]
