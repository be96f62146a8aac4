"""The visitor's check-in page, /v/<code>: one tap for people this phone knows, and one
short screen for somebody new to it that declares and checks in at once."""

from __future__ import annotations

import re
import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from declarations.identity import Declarant, declarant_message, remember_made_here
from truyvet.lib.errors import DomainError
from truyvet.lib.qrdecode import decode_qr_image
from truyvet.people.device import remember_people, remembered_people
from truyvet.people.models import Person
from truyvet.people.normalize import mask_name
from venues.errors import VenueError
from venues.forms import FirstVisitForm, TokenCheckInForm
from venues.models import CheckIn, Venue
from venues.selectors import checkin_get_for, open_stays_for
from venues.services import (
    checkin_with_declaration,
    checkin_with_token,
    checkins_record_for_household,
    checkout,
    venue_for_checkin,
)


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
    first_visit: FirstVisitForm | None = None
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
        if action == "first_visit" and "change_province" in request.POST:
            # Without JavaScript: the chosen province's communes, nothing checked yet.
            first_visit = FirstVisitForm(initial=FirstVisitForm.initial_from(request.POST))
        elif action == "first_visit":
            first_visit = FirstVisitForm(request.POST)
            if first_visit.is_valid():
                response = _first_visit(request, venue, first_visit, fresh)
                if response is not None:
                    return response
    # Each person the phone knows, with their stay here if they are here (the latest).
    stays: dict[int, CheckIn] = {}
    for stay in open_stays_for(venue, people):
        stays.setdefault(stay.person_id, stay)
    rows = [(person, stays.get(person.pk)) for person in people]
    # Somebody new to this phone: the first visit's short form, unless the phone knows
    # people already (then it is a link away, for somebody else).
    if first_visit is None and (not people or request.GET.get("new")):
        first_visit = FirstVisitForm()
    return render(
        request,
        "venues/checkin.html",
        {
            "venue": venue,
            "people": people,
            "rows": rows,
            "to_check_in": [person for person, stay in rows if stay is None],
            "form": form,
            "first_visit": first_visit,
            "client_id": uuid.uuid4(),
            "token_client_id": uuid.uuid4(),
            "fresh": fresh,
            "page_url": _page_url(venue.code, fresh),
            "new_url": _page_url(venue.code, fresh) + ("&" if fresh else "?") + "new=1#first-visit",
            "declare_url": reverse("declarations:declare", args=["daily"]) + "?next=" + _page_url(venue.code, fresh),
        },
    )


def _first_visit(request: HttpRequest, venue: Venue, form: FirstVisitForm, fresh: str) -> HttpResponse | None:
    try:
        visit = checkin_with_declaration(venue=venue, visit=form.visit_input(), declarant=Declarant.of(request))
    except DomainError as error:
        field = next(iter(error.errors), None)
        form.add_error(field if field in form.fields else None, str(error.detail))
        return None
    declaration = visit.submitted.declaration
    remember_made_here(
        request, declaration, phone=form.cleaned_data["phone"], province=form.cleaned_data.get("province")
    )
    # The name as typed: it tells the visitor nothing they did not write.
    done = _("Checked in: %(names)s.") % {"names": declaration.full_name}
    messages.success(request, f"{_('Declaration sent.')} {done}")
    warning = declarant_message(visit.submitted)
    if warning:
        messages.warning(request, warning)
    response = redirect(_page_url(venue.code, fresh))
    remember_people(request, response, [declaration.person.ref], proven=visit.submitted.proven)
    return response


def _checkin_remembered(request: HttpRequest, venue: Venue, people: list[Person], fresh: str) -> HttpResponse:
    chosen = set(request.POST.getlist("person"))
    try:
        base = uuid.UUID(request.POST.get("client_id", ""))
    except ValueError:
        base = uuid.uuid4()
    chosen_people = [p for p in people if p.ref in chosen]
    if not chosen_people:
        messages.error(request, _("Choose who is checking in."))
        return redirect(_page_url(venue.code, fresh))
    result = checkins_record_for_household(venue=venue, people=chosen_people, base_client_id=base)
    shown = {p.pk: p.shown_name for p in chosen_people}  # type: ignore[attr-defined]
    if result.checked_in:
        names = ", ".join(shown[c.person_id] for c in result.checked_in)
        messages.success(request, _("Checked in: %(names)s.") % {"names": names})
    if result.already_here:
        names = ", ".join(shown[c.person_id] for c in result.already_here)
        messages.info(request, _("Already here, checked in before: %(names)s.") % {"names": names})
    return redirect(_page_url(venue.code, fresh))


def _checkout(request: HttpRequest, venue: Venue, people: list[Person], fresh: str) -> HttpResponse:
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
        messages.success(request, _("Checked out: %(name)s.") % {"name": known[stay.person_id].shown_name})  # type: ignore[attr-defined]
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
        checkin, created = checkin_with_token(
            venue_code=venue.code, qr_token=token.strip(), client_id=client_id, fresh_code=fresh
        )
    except DomainError as error:
        form.add_error(None, str(error.detail))
        return None
    name = mask_name(checkin.person.full_name)
    if created or checkin.client_id == client_id:
        messages.success(request, _("Checked in: %(names)s.") % {"names": name})
    else:
        messages.info(request, _("Already here, checked in before: %(names)s.") % {"names": name})
    response = redirect(_page_url(venue.code, fresh))
    remember_people(request, response, [checkin.person.ref], proven=False)  # a QR code proves no identity
    return response
