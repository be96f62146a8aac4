"""The visitor's check-in page, /v/<code>: one tap for people this phone knows."""

from __future__ import annotations

import re
import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from truyvet.lib.errors import DomainError
from truyvet.lib.qrdecode import decode_qr_image
from truyvet.people.device import remember_people, remembered_people
from truyvet.people.normalize import mask_name
from venues.errors import VenueError
from venues.forms import TokenCheckInForm
from venues.models import Venue
from venues.selectors import checkin_get_for, open_stays_for
from venues.services import checkin_with_token, checkins_record_for_household, checkout, venue_for_checkin


def _page_url(venue_code: str, fresh: str) -> str:
    url = reverse("venue_checkin", args=[venue_code])
    return f"{url}?t={fresh}" if fresh else url


def checkin_page(request: HttpRequest, code: str) -> HttpResponse:
    # The rotating code is "<window>.<hex>": keep only such characters, so it can go back
    # into a redirect URL as it is.
    fresh = re.sub(r"[^0-9a-f.]", "", request.POST.get("t") or request.GET.get("t") or "")[:40]
    try:
        venue = venue_for_checkin(code, fresh_code=fresh)
    except DomainError as error:
        status = 404 if error.code == VenueError.UNKNOWN_VENUE else 410
        return render(
            request, "venues/checkin_error.html", {"message": str(error.detail), "code": error.code}, status=status
        )
    people = remembered_people(request)
    form = TokenCheckInForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "checkin":
            return _checkin_remembered(request, venue, people, fresh)
        if action == "checkout":
            return _checkout(request, venue, people, fresh)
        if action == "token":
            form = TokenCheckInForm(request.POST, request.FILES)
            if form.is_valid():
                response = _checkin_token(request, venue, form, fresh)
                if response is not None:
                    return response
    open_stays = open_stays_for(venue, people)
    shown = {p.pk: p.shown_name for p in people}  # type: ignore[attr-defined]
    for stay in open_stays:
        stay.shown_name = shown.get(stay.person_id, "")  # type: ignore[attr-defined]
    return render(
        request,
        "venues/checkin.html",
        {
            "venue": venue,
            "people": people,
            "open_stays": open_stays,
            "form": form,
            "client_id": uuid.uuid4(),
            "token_client_id": uuid.uuid4(),
            "fresh": fresh,
            "declare_url": reverse("declarations:declare", args=["daily"]) + "?next=" + _page_url(venue.code, fresh),
        },
    )


def _checkin_remembered(request: HttpRequest, venue: Venue, people: list, fresh: str) -> HttpResponse:
    chosen = set(request.POST.getlist("person"))
    try:
        base = uuid.UUID(request.POST.get("client_id", ""))
    except ValueError:
        base = uuid.uuid4()
    chosen_people = [p for p in people if p.ref in chosen]
    checkins_record_for_household(venue=venue, people=chosen_people, base_client_id=base)
    done = [p.shown_name for p in chosen_people]
    if done:
        messages.success(request, _("Checked in: %(names)s.") % {"names": ", ".join(done)})
    else:
        messages.error(request, _("Choose who is checking in."))
    return redirect(_page_url(venue.code, fresh))


def _checkout(request: HttpRequest, venue: Venue, people: list, fresh: str) -> HttpResponse:
    raw = request.POST.get("checkin", "")
    stay = checkin_get_for(people, int(raw), venue=venue) if raw.isdecimal() else None
    if stay is None:
        messages.error(request, _("This check-in belongs to someone else."))
        return redirect(_page_url(venue.code, fresh))
    known = {p.pk: p for p in people}
    try:
        checkout(checkin=stay, person=known[stay.person_id])
    except DomainError as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(request, _("Checked out: %(name)s.") % {"name": known[stay.person_id].shown_name})
    return redirect(_page_url(venue.code, fresh))


def _checkin_token(request: HttpRequest, venue: Venue, form: TokenCheckInForm, fresh: str) -> HttpResponse | None:
    token = form.cleaned_data.get("qr_token") or ""
    photo = form.cleaned_data.get("qr_photo")
    if not token and photo is not None:
        token = decode_qr_image(photo.read()) or ""
        if not token:
            form.add_error("qr_photo", _("No QR code could be read in this photo. Try a sharper one."))
            return None
    try:
        client_id = uuid.UUID(request.POST.get("client_id", ""))
    except ValueError:
        client_id = uuid.uuid4()
    try:
        checkin, _created = checkin_with_token(
            venue_code=venue.code, qr_token=token.strip(), client_id=client_id, fresh_code=fresh
        )
    except DomainError as error:
        form.add_error(None, str(error.detail))
        return None
    messages.success(request, _("Checked in: %(names)s.") % {"names": mask_name(checkin.person.full_name)})
    response = redirect(_page_url(venue.code, fresh))
    remember_people(request, response, [checkin.person.ref], proven=False)  # a QR code proves no identity
    return response
