"""Assisted check-in: venue staff scan the personal QR of a visitor without a smartphone."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from truyvet.accounts.http import AuthenticatedRequest
from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError
from truyvet.lib.schema import Refused, decode
from truyvet.people.normalize import mask_name
from venues.schemas import VisitorToken
from venues.selectors import venue_get_for
from venues.services import checkin_with_token


@login_required
def assist(request: AuthenticatedRequest, venue_id: int) -> HttpResponse:
    venue = venue_get_for(request.user, venue_id)
    return render(request, "venues/assist.html", {"venue": venue})


@login_required
@require_POST
def assist_checkin(request: AuthenticatedRequest, venue_id: int) -> JsonResponse:
    venue = venue_get_for(request.user, venue_id)
    try:
        visitor = decode(request.body or b"{}", VisitorToken)
    except (Refused, ValueError):
        return JsonResponse(
            {"ok": False, "code": CoreError.MALFORMED_REQUEST, "detail": "qr_token and client_id are required."},
            status=400,
        )
    try:
        checkin, _created = checkin_with_token(
            venue_code=venue.code, qr_token=visitor.qr_token, client_id=visitor.client_uuid, assisted_by=request.user
        )
    except DomainError as error:
        return JsonResponse({"ok": False, "code": error.code, "detail": str(error.detail)}, status=error.status)
    return JsonResponse(
        {
            "ok": True,
            "name": mask_name(checkin.person.full_name),
            "checked_in_at": checkin.checked_in_at,
            # Scanned again while still here: the same stay, counted once.
            "already_here": checkin.client_id != visitor.client_uuid,
        }
    )
