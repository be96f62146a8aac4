"""Citizen pages: declare for oneself and the household, see the personal QR, print a card."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from declarations.forms import DeclarationForm
from declarations.identity import (
    HOUSEHOLD,
    Declarant,
    declarant_message,
    made_here,
    remember_made_here,
    remembered_on_this_device,
    shown_reasons,
)
from declarations.models import Declaration, Kind
from declarations.risk import REASON_LABELS
from declarations.selectors import (
    declaration_get_for_declarant,
    household_for,
    household_offered_to,
    latest_declarations_made_here,
)
from declarations.services import declaration_submit
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.credentials.card import render_card
from truyvet.credentials.selectors import qr_credential_for, qr_token_for
from truyvet.geo.selectors import ward_get
from truyvet.lib.errors import DomainError
from truyvet.lib.export import PRINT_TYPES, print_response
from truyvet.lib.qr import render_svg
from truyvet.people.device import remember_people
from truyvet.people.models import Household
from truyvet.people.selectors import household_get


def start(request: HttpRequest) -> HttpResponse:
    """Choose a declaration; below, the QR codes of everybody declared from this phone."""
    on_this_phone = [
        {"declaration": declaration, "credential": credential, "qr_svg": render_svg(qr_token_for(credential))}
        for declaration, credential in latest_declarations_made_here(made_here(request))
    ]
    return render(
        request,
        "declarations/start.html",
        {
            "household": request.session.get(HOUSEHOLD),
            "on_this_phone": on_this_phone,
            "now": timezone.now(),
            "offer_household": household_offered_to(request.user),
        },
    )


def declare(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in Kind.values:
        raise Http404
    household = request.session.get(HOUSEHOLD) if request.GET.get("member") or request.POST.get("member") else None
    initial = {}
    if household:
        initial = {k: household[k] for k in ("phone", "address", "province", "ward_code") if household.get(k)}
    at_checkpoint, preset = _checkpoint_preset(request, kind)
    initial.update(preset)
    form = DeclarationForm(request.POST or None, kind=kind, initial=initial)
    if request.method == "POST" and "change_province" not in request.POST and form.is_valid():
        try:
            submitted = declaration_submit(
                kind=kind,
                person=form.person_input(),
                answers=form.answers(),
                entry=form.entry_input(),
                domestic=form.domestic_input(),
                household=_household_for(household),
                declarant=Declarant.of(request),
                client_id=form.cleaned_data.get("client_id"),
            )
        except DomainError as error:
            field = next(iter(error.errors), None)
            form.add_error(field if field in form.fields else None, str(error.detail))
        else:
            remembered = remembered_on_this_device(request.user, at_checkpoint=bool(at_checkpoint))
            if remembered:
                remember_made_here(
                    request,
                    submitted.declaration,
                    phone=form.cleaned_data.get("phone", ""),
                    province=form.cleaned_data.get("province"),
                )
            next_url = request.POST.get("next", "")
            if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                next_url = reverse("declarations:result", args=[submitted.declaration.pk])
            response = redirect(next_url)
            if remembered:
                remember_people(request, response, [submitted.declaration.person.ref], proven=submitted.proven)
            message = declarant_message(submitted)
            if message:
                messages.warning(request, message)
            return response
    return render(
        request,
        "declarations/form.html",
        {
            "form": form,
            "kind": kind,
            "kind_label": Kind(kind).label,
            "member": bool(household),
            "next": request.POST.get("next") or request.GET.get("next", ""),
            "at_checkpoint": at_checkpoint,
        },
    )


CHECKPOINT_PRESET_FIELDS = ("vehicle_plate", "vehicle_type", "origin_ward_code", "destination_ward_code")


def _checkpoint_preset(request: HttpRequest, kind: str) -> tuple[str, dict[str, Any]]:
    """A domestic declaration opened from a checkpoint's scanner (``?checkpoint=<id>``, the
    QR code staff show): the page says so, and the trip fields staff typed are filled in."""
    checkpoint = request.POST.get("checkpoint") or request.GET.get("checkpoint", "")
    if kind != Kind.DOMESTIC or not (checkpoint.isascii() and checkpoint.isdigit() and len(checkpoint) <= 9):
        return "", {}
    initial: dict[str, Any] = {
        name: request.GET[name][:20] for name in CHECKPOINT_PRESET_FIELDS if request.GET.get(name)
    }
    origin = initial.get("origin_ward_code", "")
    ward = ward_get(int(origin)) if origin.isascii() and origin.isdigit() and len(origin) <= 9 else None
    if ward is not None:
        initial["origin_province"] = ward.province_id
    return checkpoint, initial


def _household_for(household: dict | None) -> Household | None:
    if household and household.get("id"):
        return household_get(household["id"])
    return None


def _declarant_view(request: HttpRequest, declaration_id: int) -> tuple[Declaration, bool]:
    seen = declaration_get_for_declarant(request.user, declaration_id, made_here=made_here(request))
    return seen.declaration, seen.proven


def result(request: HttpRequest, declaration_id: int) -> HttpResponse:
    declaration, proven = _declarant_view(request, declaration_id)
    credential = qr_credential_for(declaration.person_id)
    if credential is None:
        raise Http404
    token = qr_token_for(credential)
    reasons = shown_reasons(declaration.risk_reasons, proven=proven)
    return render(
        request,
        "declarations/result.html",
        {
            "declaration": declaration,
            "credential": credential,
            "qr_svg": render_svg(token),
            "reasons": [REASON_LABELS.get(r, r) for r in reasons],
            "reasons_hidden": len(reasons) < len(declaration.risk_reasons),
            "expired": credential.expires_at <= timezone.now(),
        },
    )


def card(request: HttpRequest, declaration_id: int, fmt: str) -> HttpResponse:
    if fmt not in PRINT_TYPES:
        raise Http404
    declaration, _proven = _declarant_view(request, declaration_id)
    credential = qr_credential_for(declaration.person_id)
    if credential is None:
        raise Http404
    # The name and birth date as declared: a card never shows the record to whoever typed an id.
    body = render_card(
        token=qr_token_for(credential),
        full_name=declaration.full_name,
        date_of_birth=declaration.date_of_birth.strftime("%d/%m/%Y") if declaration.date_of_birth else "",
        risk_level=credential.risk_level,
        expires_at=credential.expires_at,
        fmt=fmt,
    )
    return print_response(body, fmt=fmt, filename=f"the-qr-{declaration.pk}", cache_control="private, no-store")


@login_required
def household(request: AuthenticatedRequest) -> HttpResponse:
    """A signed-in citizen's household: each member, their current QR and their history."""
    household = household_for(request.user)
    members = [
        {
            "person": member.person,
            "latest": member.latest,
            "credential": member.credential,
            "qr_svg": render_svg(qr_token_for(member.credential)) if member.credential is not None else "",
        }
        for member in household.members
    ]
    return render(
        request,
        "declarations/household.html",
        {"members": members, "history": household.history, "now": timezone.now()},
    )
