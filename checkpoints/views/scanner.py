"""The scanner: a tablet at the roadside, an installable offline PWA.

``/checkpoints/scan/`` lists the checkpoints the user scans at (and their duty shift);
``/checkpoints/<id>/scan/`` is the scanner itself. Its JavaScript (static/js/
checkpoint-scanner.js) asks the server about each traveller while online, verifies
personal QR tokens with the cached keys while offline, and queues passages in IndexedDB
(static/js/checkpoint-queue.js) for the batch API. The service worker, served from
``/checkpoints/sw.js`` so that its scope covers the scanner pages, keeps the page, its
files and the keys for offline use. Without JavaScript the type-in box still records a
passage with a plain form post.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST

from checkpoints.errors import ScanRejection
from checkpoints.forms.scanner import ManualScanForm
from checkpoints.models import TRIP_CODE_PREFIX, Checkpoint, Direction, VehicleType, Verdict
from checkpoints.selectors.duty import duty_board_for
from checkpoints.selectors.places import province_options, ward_options
from checkpoints.selectors.scope import checkpoint_for_scanning
from checkpoints.services.scans import scans_ingest
from checkpoints.services.shifts import shift_end, shift_start
from checkpoints.verdicts import FINDING_LABELS
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.permissions import portal_staff_required
from truyvet.credentials.models import RiskLevel
from truyvet.lib.errors import DomainError
from truyvet.lib.offline import OfflinePages
from truyvet.lib.qr import render_svg

# The files the scanner page loads: the service worker keeps them for offline use. A test
# checks that every file the page links is in this list.
SHELL_STATIC = [
    "vendor/bootstrap-5.3.8/css/bootstrap.min.css",
    "css/truyvet.css",
    "img/favicon.svg",
    "checkpoints/scanner.css",
    "checkpoints/icon-192.png",
    "checkpoints/icon-512.png",
    "js/qrscan.js",
    "js/qrverify.js",
    "js/offline-queue.js",
    "js/checkpoint-queue.js",
    "js/checkpoint-scanner.js",
]
# Files only some tablets need, by a name the worker remembers: the QR decoder for browsers
# without a BarcodeDetector. The page fetches it when it needs it (static/js/qrscan.js), and
# the worker keeps it from then on (static/js/offline-sw.js).
QR_FALLBACK = "vendor/jsqr-1.4.0/jsQR.min.js"
SHELL_OPTIONAL = {"qr_decoder": QR_FALLBACK}
SCOPE = "/checkpoints/"
# Only the scanner's own pages are kept (the other checkpoint pages, monitoring and trips,
# show people's data), and the declaration QR code.
OFFLINE = OfflinePages(
    scope=SCOPE,
    cache="truyvet-scanner",
    shell=SHELL_STATIC,
    optional=SHELL_OPTIONAL,
    page_pattern=rf"^{SCOPE}(\d+/)?scan/$",
    kept_pattern=rf"^{SCOPE}\d+/scan/declare\.svg$",
)

VERDICT_HINTS = {
    Verdict.ALLOW: _("Let them pass."),
    Verdict.DECLARE: _("Ask them to make a health declaration (QR code below), then check again."),
    Verdict.REFER: _("Send them to the health desk."),
    Verdict.DENY: _("Do not let them through; call the health desk."),
}

# Why the server refused a queued passage (the ``reason`` of a rejected batch item).
REJECTION_LABELS = {code.value: code.label for code in ScanRejection}

# Words the page's JavaScript shows; {n}, {code}… are filled in there.
SCRIPT_TEXTS = {
    "online": _("Online"),
    "offline": _("Offline"),
    "waiting": _("{n} waiting"),
    "syncing": _("Sending…"),
    "synced": _("Sent at {time}"),
    "sync_failed": _("Could not send: will try again."),
    "signed_out": _("Signed out: sign in again to send the waiting passages."),
    "checking": _("Checking…"),
    "camera_off": _("The camera is not available: type the id number, phone or code below."),
    "from_code_only": _("Offline: from the code only"),
    "server_check": _("Checked with the server"),
    "code_expired": _("The personal QR code has expired."),
    "code_not_genuine": _("This QR code is not genuine: refused."),
    "code_not_ours": _("Not a personal QR code or a bus trip code."),
    "type_instead": _("Type their id number to record the passage."),
    "not_found": _("Not found on the system: ask them to declare."),
    "several": _("Several people match: choose one."),
    "unchecked": _("Not checked (offline): the server will judge it when the passage is sent."),
    "trip_offline": _("Offline: the passenger list is not available. Recording the trip records every passenger."),
    "trip_unknown": _("No bus trip has this code."),
    "queued": _("Recorded: waiting to send."),
    "queued_trip": _("{n} passengers recorded: waiting to send."),
    "declared": _("Declared {age}"),
    "no_declaration": _("No valid declaration"),
    "doses": _("Vaccine doses: {n}"),
    "last_dose": _("Vaccine doses: {n}, the last on {day}"),
    "f_level": _("Status: F{n}"),
    "passengers_ticked": _("Record on-board passengers ({n})"),
    "record_trip_all": _("Record every passenger of the trip"),
    "rejected": _("Refused by the server"),
    "error": _("Something went wrong: {detail}"),
    "fever": str(FINDING_LABELS["fever"]),
}

# Portal staff (else 403); which checkpoints they may scan at is the selector's business.


@portal_staff_required
@require_GET
@gzip_page
def scanner_home(request: AuthenticatedRequest) -> HttpResponse:
    board = duty_board_for(request.user)
    return render(request, "checkpoints/scanner_home.html", {"rows": board.rows, "my_shift": board.my_shift})


@portal_staff_required
@require_GET
def my_scanner(request: AuthenticatedRequest) -> HttpResponse:
    """Checkpoint staff's home: the scanner of the checkpoint where their shift is open, or
    the list of checkpoints to start one at."""
    shift = duty_board_for(request.user).my_shift
    if shift is not None:
        return redirect("checkpoints:scanner", checkpoint_id=shift.checkpoint_id)
    return redirect("checkpoints:scanner_home")


def _bilingual(label: Any) -> dict[str, str]:
    words = {}
    for code in ("vi", "en"):
        with translation.override(code):
            words[code] = str(label)
    return words


def _offline_proof_words() -> dict[str, Any]:
    """What a personal QR code proves offline, in both languages: the token names nobody,
    so the page shows its level, until when it is valid and that this tablet checked its
    signature ("{time}" is filled in by the page)."""
    valid_until = _bilingual(_("Valid until %(when)s"))
    return {
        "verified": _bilingual(_("Verified offline on this tablet")),
        "valid_until": {code: words % {"when": "{time}"} for code, words in valid_until.items()},
        "levels": {
            **{level.value: _bilingual(level.label) for level in RiskLevel},
            "": _bilingual(FINDING_LABELS["no_declaration"]),
        },
    }


def _page_config(checkpoint: Checkpoint) -> dict[str, Any]:
    """What the page's JavaScript needs: addresses, labels, the verdict rules."""
    declare_url = reverse("declarations:declare", args=["domestic"])
    return {
        "checkpoint": checkpoint.pk,
        "urls": {
            "check": reverse("api:checkpoint-check", args=[checkpoint.pk]),
            "scans": reverse("api:checkpoint-scans", args=[0]).replace("/0/", "/{id}/"),
            "heartbeat": reverse("api:checkpoint-heartbeat", args=[checkpoint.pk]),
            "keys": reverse("api:keys"),
            "wards": reverse("api:wards"),
            "worker": reverse("checkpoints:scanner_sw"),
            "scope": SCOPE,
            "page": reverse("checkpoints:scanner", args=[checkpoint.pk]),
            "home": reverse("checkpoints:scanner_home"),
            "declare_qr": reverse("checkpoints:scanner_declare_qr", args=[checkpoint.pk]),
            "declare": declare_url,
            "login": reverse(settings.LOGIN_URL),
        },
        "verdicts": {v.value: {**_bilingual(v.label), "hint": _bilingual(VERDICT_HINTS[v])} for v in Verdict},
        "findings": {code: str(label) for code, label in FINDING_LABELS.items()},
        "rules": settings.CHECKPOINT_VERDICTS,
        "fever_c": settings.CHECKPOINT_FEVER_C,
        "batch_max": min(500, settings.CHECKPOINT_BATCH_MAX),
        "trip_prefix": TRIP_CODE_PREFIX,
        "rejections": {code: str(label) for code, label in REJECTION_LABELS.items()},
        "texts": {key: str(text) for key, text in SCRIPT_TEXTS.items()},
        "proof": _offline_proof_words(),
    }


@portal_staff_required
@require_GET
@gzip_page  # a tablet on a roadside 3G link: ~25 KiB of HTML (the provinces and wards) is ~5 KiB
def scanner(request: AuthenticatedRequest, checkpoint_id: int) -> HttpResponse:
    checkpoint = checkpoint_for_scanning(request.user, checkpoint_id)
    provinces = province_options()
    home_wards = ward_options(settings.PROVINCE_CODE)
    # A message from the last page (a declaration just made on this tablet) is about a
    # traveller: the service worker must not keep the page that carries it.
    one_off = len(messages.get_messages(request)) > 0
    response = render(
        request,
        "checkpoints/scanner.html",
        {
            "checkpoint": checkpoint,
            "config": _page_config(checkpoint),
            "directions": Direction.choices,
            "vehicle_types": VehicleType.choices,
            "provinces": provinces,
            "home_province": settings.PROVINCE_CODE,
            "home_wards": home_wards,
            "form": ManualScanForm(),
            "verdict_labels": {v.value: _bilingual(v.label) for v in Verdict},
            "qr_fallback": QR_FALLBACK,
        },
    )
    if one_off:
        add_never_cache_headers(response)
    return response


# --- Duty shifts ------------------------------------------------------------------------


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = default
    return redirect(target)


@portal_staff_required
@require_POST
def scanner_shift_start(request: AuthenticatedRequest, checkpoint_id: int) -> HttpResponse:
    checkpoint = checkpoint_for_scanning(request.user, checkpoint_id)
    shift_start(user=request.user, checkpoint=checkpoint)
    messages.success(request, _("On duty at %(name)s.") % {"name": checkpoint.name})
    return _back(request, reverse("checkpoints:scanner", args=[checkpoint.pk]))


@portal_staff_required
@require_POST
def scanner_shift_end(request: AuthenticatedRequest) -> HttpResponse:
    try:
        shift_end(user=request.user)
    except DomainError as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(request, _("Your duty shift has ended."))
    return _back(request, reverse("checkpoints:scanner_home"))


# --- The declaration QR code ------------------------------------------------------------


@portal_staff_required
@require_GET
@cache_control(private=True, max_age=86400)
@gzip_page
def scanner_declare_qr(request: AuthenticatedRequest, checkpoint_id: int) -> HttpResponse:
    """A QR code that opens the domestic declaration on the traveller's phone, with the
    checkpoint noted; the service worker keeps it, so it shows offline too."""
    checkpoint = checkpoint_for_scanning(request.user, checkpoint_id)
    address = reverse("declarations:declare", args=["domestic"]) + "?" + urlencode({"checkpoint": checkpoint.pk})
    svg = render_svg(request.build_absolute_uri(address), border=2)
    return HttpResponse(svg, content_type="image/svg+xml")


# --- Without JavaScript: the type-in box records a passage with a form post -------------
# (checkpoints.forms.scanner.ManualScanForm)


@portal_staff_required
@require_POST
def scanner_record(request: AuthenticatedRequest, checkpoint_id: int) -> HttpResponse:
    checkpoint = checkpoint_for_scanning(request.user, checkpoint_id)
    form = ManualScanForm(request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
        return redirect("checkpoints:scanner", checkpoint.pk)
    [result] = scans_ingest(checkpoint=checkpoint, user=request.user, items=[form.scan_item()], request=request)
    verdict = Verdict(result.verdict).label if result.verdict else ""
    if result.status == "rejected":
        reason = REJECTION_LABELS.get(result.reason, result.reason)
        messages.error(request, _("Not recorded: %(reason)s. %(verdict)s") % {"reason": reason, "verdict": verdict})
    else:
        level = messages.SUCCESS if result.verdict == Verdict.ALLOW else messages.WARNING
        messages.add_message(
            request,
            level,
            _("Passage recorded (%(count)s). Verdict: %(verdict)s")
            % {"count": len(result.passage_ids), "verdict": verdict},
        )
    return redirect("checkpoints:scanner", checkpoint.pk)


# --- Service worker and manifest ---------------------------------------------------------


@require_GET
def scanner_service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, from /checkpoints/ so that it may control the scanner pages."""
    return OFFLINE.worker(
        data=[
            reverse("api:keys"),
            reverse("api:provinces"),
            reverse("api:wards") + "?" + urlencode({"province": settings.PROVINCE_CODE}),
        ],
        pages=[reverse("checkpoints:scanner_home")],
        offline_text=_("Offline: open the scanner once while online, then it works without a network."),
        banner="truyvet checkpoint scanner",
    )


@require_GET
@cache_control(public=True, max_age=3600)
def scanner_manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: the scanner installs on a tablet's home screen, in landscape."""
    manifest = {
        "id": reverse("checkpoints:scanner_home"),
        "name": str(_("Checkpoint scanner")),
        "short_name": str(_("Checkpoint")),
        "description": str(_("Scan travellers' QR codes at a checkpoint, online or offline.")),
        "lang": translation.get_language() or settings.LANGUAGE_CODE,
        "start_url": reverse("checkpoints:scanner_home"),
        "scope": SCOPE,
        "display": "standalone",
        "orientation": "landscape",
        "background_color": "#ffffff",
        "theme_color": "#0d6efd",
        "icons": [
            {"src": static("checkpoints/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("checkpoints/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {
                "src": static("checkpoints/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return JsonResponse(manifest, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


urlpatterns: list[URLPattern] = [
    path("scan/", scanner_home, name="scanner_home"),
    path("scan/mine/", my_scanner, name="my_scanner"),
    path("scan/shift/end/", scanner_shift_end, name="scanner_shift_end"),
    path("<int:checkpoint_id>/scan/", scanner, name="scanner"),
    path("<int:checkpoint_id>/scan/shift/", scanner_shift_start, name="scanner_shift_start"),
    path("<int:checkpoint_id>/scan/record/", scanner_record, name="scanner_record"),
    path("<int:checkpoint_id>/scan/declare.svg", scanner_declare_qr, name="scanner_declare_qr"),
    path("sw.js", scanner_service_worker, name="scanner_sw"),
    path("manifest.webmanifest", scanner_manifest, name="scanner_manifest"),
]
