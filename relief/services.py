"""Every write of help requests and volunteers. Each is one transaction with its audit entry;
each step of a request is a row of its history (who, when, from which status to which).

The workflow of a help request:

    new ──assign──> assigned ──start──> in progress ──finish──> done
     │                 │  └─────────────finish──────────────────┘
     └──duplicate──────┴──────duplicate (also from in progress)──> duplicate

Assigning again (another volunteer or team) is allowed until the request is done; from in
progress it goes back to assigned, since the new helper has not started. Done and
duplicate are final. The requester gets an SMS when the request is first taken up
(assigned or started) and when it is done; a volunteer gets one when a request is assigned
to them. Each SMS is a notification row keyed by request (and volunteer), written once
however often the step is repeated or retried, in the reader's language.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from relief.errors import ReliefError
from relief.messages import ASSIGNED, SOS_DONE, SOS_TAKEN
from relief.models import (
    OPEN_STATUSES,
    EventAction,
    HelpRequest,
    HelpRequestEvent,
    HelpStatus,
    Team,
    Volunteer,
    VolunteerSkill,
)
from relief.schemas import HelpRequestIn, VolunteerSignUp
from relief.selectors import teams_for, volunteer_list_for
from truyvet.accounts.jurisdiction import scope_to_jurisdiction
from truyvet.accounts.models import User
from truyvet.geo.models import Ward
from truyvet.lib.audit import audit_log
from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError
from truyvet.lib.models import Channel
from truyvet.lib.notify import Recipient, notification_send
from truyvet.people.normalize import search_key

NOTE_MAX = 1000

# Each step: the statuses it may start from, and the status it leads to.
STEPS: dict[str, tuple[frozenset[str], str]] = {
    EventAction.ASSIGNED: (frozenset(OPEN_STATUSES), HelpStatus.ASSIGNED),
    EventAction.STARTED: (frozenset({HelpStatus.ASSIGNED}), HelpStatus.IN_PROGRESS),
    EventAction.DONE: (frozenset({HelpStatus.ASSIGNED, HelpStatus.IN_PROGRESS}), HelpStatus.DONE),
    EventAction.DUPLICATE: (frozenset(OPEN_STATUSES), HelpStatus.DUPLICATE),
}
# What an assigned volunteer may do with their own request.
VOLUNTEER_STEPS = frozenset({EventAction.STARTED, EventAction.DONE})


def steps_allowed(status: str) -> list[str]:
    """The steps a request in ``status`` may take (the page offers only these)."""
    return [action for action, (sources, _target) in STEPS.items() if status in sources]


def _label(user: User | None) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return str(user.get_full_name() or user.get_username())[:150]


def _note(note: str) -> str:
    note = (note or "").replace("\x00", "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(
            _("A note has at most %(max)s characters.") % {"max": NOTE_MAX}, CoreError.INVALID, field="note"
        )
    return note


def _home_wards(codes: list[int], field: str) -> list[Ward]:
    wards = list(Ward.objects.filter(code__in=codes, province_id=settings.PROVINCE_CODE))
    if len(wards) != len(set(codes)):
        raise DomainError(_("Choose a commune or ward of the province."), ReliefError.UNKNOWN_WARD, field=field)
    return wards


# --- Help requests ---------------------------------------------------------------------------


def sos_submit(*, body: HelpRequestIn, language: str, request: HttpRequest | None = None) -> HelpRequest:
    """Record a help request from the public form. The audit entry names its type and ward,
    never the phone or the text."""
    (ward,) = _home_wards([body.ward_code], "ward_code")
    latitude, longitude = body.point
    with transaction.atomic():
        now = timezone.now()
        sos = HelpRequest.objects.create(
            kind=body.kind,
            latitude=latitude,
            longitude=longitude,
            ward=ward,
            phone=body.phone,
            name=body.name,
            address=body.address,
            text=body.text,
            language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
            status=HelpStatus.NEW,
            status_changed_at=now,
        )
        HelpRequestEvent.objects.create(sos=sos, action=EventAction.SUBMITTED, to_status=HelpStatus.NEW)
        audit_log(
            actor=None,
            action="relief.sos_submit",
            obj=sos,
            request=request,
            detail={"kind": sos.kind, "ward": ward.code},
        )
    return sos


def _locked(sos: HelpRequest) -> HelpRequest:
    return HelpRequest.objects.select_for_update().select_related("ward").get(pk=sos.pk)


def _refuse_step(fresh: HelpRequest, action: str) -> None:
    sources, _target = STEPS[action]
    if fresh.status not in sources:
        raise DomainError(
            _("This step is not possible: the request is now “%(status)s”.") % {"status": fresh.get_status_display()},
            ReliefError.STEP_NOT_ALLOWED,
            status=409,
        )


def _move(
    fresh: HelpRequest,
    *,
    action: str,
    actor: User,
    actor_label: str,
    note: str,
    site: str,
    volunteer: Volunteer | None = None,
    team: Team | None = None,
    duplicate_of: HelpRequest | None = None,
) -> HelpRequestEvent:
    """Take one step on a locked request: its new status, its history row, its SMS."""
    _sources, target = STEPS[action]
    now = timezone.now()
    before = fresh.status
    fresh.status = target
    fresh.status_changed_at = now
    fields = ["status", "status_changed_at"]
    taken_up = target in {HelpStatus.ASSIGNED, HelpStatus.IN_PROGRESS} and fresh.taken_up_at is None
    if taken_up:
        fresh.taken_up_at = now
        fields.append("taken_up_at")
    if target == HelpStatus.DONE:
        fresh.done_at = now
        fields.append("done_at")
    if action == EventAction.ASSIGNED:
        fresh.volunteer, fresh.team = volunteer, team
        fields += ["volunteer", "team"]
    if target == HelpStatus.DUPLICATE:
        # Whoever was sent goes to the original: they no longer see this one's details.
        fresh.duplicate_of, fresh.volunteer, fresh.team = duplicate_of, None, None
        fields += ["duplicate_of", "volunteer", "team"]
    fresh.save(update_fields=fields)
    event = HelpRequestEvent.objects.create(
        sos=fresh,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label,
        action=action,
        from_status=before,
        to_status=target,
        volunteer=volunteer if action == EventAction.ASSIGNED else fresh.volunteer,
        team=team if action == EventAction.ASSIGNED else fresh.team,
        duplicate_of=duplicate_of,
        note=note,
    )
    if taken_up:
        _tell_requester(fresh, "taken", site)
    if target == HelpStatus.DONE:
        _tell_requester(fresh, "done", site)
    if action == EventAction.ASSIGNED and volunteer is not None:
        _tell_volunteer(fresh, volunteer, site)
    return event


def _audit_step(actor: User, fresh: HelpRequest, event: HelpRequestEvent, request: HttpRequest | None) -> None:
    detail: dict[str, Any] = {"from": event.from_status, "to": event.to_status}
    if event.volunteer_id:
        detail["volunteer"] = event.volunteer_id
    if event.team_id:
        detail["team"] = event.team_id
    if event.duplicate_of_id:
        detail["duplicate_of"] = event.duplicate_of_id
    audit_log(actor=actor, action=f"relief.sos_{event.action}", obj=fresh, request=request, detail=detail)


def sos_assign(
    *,
    actor: User,
    sos: HelpRequest,
    volunteer_id: int | None = None,
    team_id: int | None = None,
    note: str = "",
    site: str = "",
    request: HttpRequest | None = None,
) -> HelpRequest:
    """Send a volunteer, a team or both, among those the actor may see (an active volunteer
    whose area meets the actor's wards, an active team serving them). The volunteer is told
    by SMS; the requester too, the first time their request is taken up."""
    note = _note(note)
    if volunteer_id is None and team_id is None:
        raise DomainError(_("Choose a volunteer or a team."), ReliefError.NOBODY_CHOSEN, field="volunteer")
    with transaction.atomic():
        fresh = _locked(sos)
        _refuse_step(fresh, EventAction.ASSIGNED)
        volunteer = None
        if volunteer_id is not None:
            volunteer = volunteer_list_for(actor).filter(pk=volunteer_id).first()
            if volunteer is None:
                raise DomainError(
                    _("This volunteer has withdrawn or is not in your communes."),
                    ReliefError.VOLUNTEER_WITHDRAWN,
                    field="volunteer",
                )
        team = None
        if team_id is not None:
            team = teams_for(actor).filter(pk=team_id).first()
            if team is None:
                raise DomainError(
                    _("This team is no longer active or does not serve your communes."),
                    ReliefError.TEAM_INACTIVE,
                    field="team",
                )
        event = _move(
            fresh,
            action=EventAction.ASSIGNED,
            actor=actor,
            actor_label=_label(actor),
            note=note,
            site=site,
            volunteer=volunteer,
            team=team,
        )
        _audit_step(actor, fresh, event, request)
    return fresh


def sos_step(
    *, actor: User, sos: HelpRequest, action: str, note: str = "", site: str = "", request: HttpRequest | None = None
) -> HelpRequest:
    """Staff start or finish a request (``EventAction.STARTED`` or ``DONE``)."""
    if action not in VOLUNTEER_STEPS:
        raise DomainError(_("This step is not possible."), ReliefError.STEP_NOT_ALLOWED, field="action")
    note = _note(note)
    with transaction.atomic():
        fresh = _locked(sos)
        _refuse_step(fresh, action)
        event = _move(fresh, action=action, actor=actor, actor_label=_label(actor), note=note, site=site)
        _audit_step(actor, fresh, event, request)
    return fresh


def sos_volunteer_step(
    *,
    user: User,
    volunteer: Volunteer,
    sos: HelpRequest,
    action: str,
    note: str = "",
    site: str = "",
    request: HttpRequest | None = None,
) -> HelpRequest:
    """The assigned volunteer starts or finishes their request."""
    if action not in VOLUNTEER_STEPS:
        raise DomainError(_("This step is not possible."), ReliefError.STEP_NOT_ALLOWED, field="action")
    note = _note(note)
    with transaction.atomic():
        fresh = _locked(sos)
        if fresh.volunteer_id != volunteer.pk or not volunteer.is_active:
            raise DomainError(_("This request is not assigned to you."), ReliefError.NOT_ASSIGNED_TO_YOU, status=403)
        _refuse_step(fresh, action)
        event = _move(fresh, action=action, actor=user, actor_label=volunteer.full_name[:150], note=note, site=site)
        _audit_step(user, fresh, event, request)
    return fresh


def sos_mark_duplicate(
    *, actor: User, sos: HelpRequest, original_id: int, note: str = "", request: HttpRequest | None = None
) -> HelpRequest:
    """Mark a request as a duplicate of another of the actor's communes (the original),
    which must not be a duplicate itself. Final; whoever was sent is taken off it."""
    note = _note(note)
    with transaction.atomic():
        fresh = _locked(sos)
        _refuse_step(fresh, EventAction.DUPLICATE)
        if original_id == fresh.pk:
            raise DomainError(
                _("A request cannot be a duplicate of itself."), ReliefError.DUPLICATE_OF_ITSELF, field="original"
            )
        original = scope_to_jurisdiction(HelpRequest.objects.all(), actor).filter(pk=original_id).first()
        if original is None:
            raise DomainError(
                _("No help request of your communes has the number %(number)s.") % {"number": original_id},
                ReliefError.UNKNOWN_REQUEST,
                field="original",
            )
        if original.status == HelpStatus.DUPLICATE:
            raise DomainError(
                _("Request #%(number)s is itself a duplicate of #%(original)s: choose that one.")
                % {"number": original.pk, "original": original.duplicate_of_id},
                ReliefError.DUPLICATE_OF_DUPLICATE,
                field="original",
            )
        event = _move(
            fresh,
            action=EventAction.DUPLICATE,
            actor=actor,
            actor_label=_label(actor),
            note=note,
            site="",
            duplicate_of=original,
        )
        _audit_step(actor, fresh, event, request)
    return fresh


def sos_note(*, actor: User, sos: HelpRequest, note: str, request: HttpRequest | None = None) -> HelpRequestEvent:
    """A note on the request's history, whatever its status."""
    note = _note(note)
    if not note:
        raise DomainError(_("This field may not be blank."), CoreError.INVALID, field="note")
    with transaction.atomic():
        fresh = _locked(sos)
        event = HelpRequestEvent.objects.create(
            sos=fresh,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_label=_label(actor),
            action=EventAction.NOTE,
            from_status=fresh.status,
            to_status=fresh.status,
            volunteer=fresh.volunteer,
            team=fresh.team,
            note=note,
        )
        audit_log(actor=actor, action="relief.sos_note", obj=fresh, request=request)
    return event


# --- SMS -------------------------------------------------------------------------------------


def _link(site: str, path: str) -> str:
    return f"{site.rstrip('/')}{path}" if site else path


def _tell_requester(sos: HelpRequest, moment: str, site: str) -> None:
    """One SMS per request and moment ("taken", "done"), in the requester's language."""
    url = _link(site, reverse("relief:sos_follow", args=[sos.ref]))
    notification_send(
        recipient=Recipient(phone=sos.phone, language=sos.language),
        code=SOS_TAKEN if moment == "taken" else SOS_DONE,
        params={"kind": sos.kind, "url": url},
        dedupe_key=f"relief:sos:{sos.pk}:{moment}",
        url=url,
        channels=(Channel.SMS,),
    )


def _tell_volunteer(sos: HelpRequest, volunteer: Volunteer, site: str) -> None:
    """One SMS per request and volunteer, in the volunteer's language."""
    url = _link(site, reverse("relief:volunteer_home"))
    notification_send(
        recipient=Recipient(phone=volunteer.phone, language=volunteer.language),
        code=ASSIGNED,
        params={"kind": sos.kind, "ward": sos.ward.name, "url": url},
        dedupe_key=f"relief:assign:{sos.pk}:{volunteer.pk}",
        url=url,
        channels=(Channel.SMS,),
    )


# --- Volunteers ------------------------------------------------------------------------------


def _already_registered() -> DomainError:
    return DomainError(
        _("This phone is already registered as a volunteer. Sign in with it to see or withdraw your registration."),
        ReliefError.ALREADY_REGISTERED,
        field="phone",
    )


def volunteer_register(
    *, body: VolunteerSignUp, language: str, consent_version: str, consent_text: str, request: HttpRequest | None = None
) -> Volunteer:
    """Register a volunteer from the public form, with the consent they gave (its version
    and the words shown). One active registration per phone."""
    wards = _home_wards(body.ward_codes, "ward_codes")
    if Volunteer.objects.filter(phone=body.phone, is_active=True).exists():
        raise _already_registered()
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(
                full_name=body.full_name,
                name_key=search_key(body.full_name)[:100],
                phone=body.phone,
                skills_other=body.skills_other,
                availability=body.availability,
                language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
                consent_version=consent_version,
                consent_text=consent_text,
                consented_at=timezone.now(),
            )
            volunteer.wards.set(wards)
            VolunteerSkill.objects.bulk_create([VolunteerSkill(volunteer=volunteer, skill=s) for s in body.skills])
            audit_log(
                actor=None,
                action="relief.volunteer_register",
                obj=volunteer,
                request=request,
                detail={"wards": body.ward_codes, "skills": list(body.skills), "consent": consent_version},
            )
    except IntegrityError:  # the same phone, registered a moment ago
        raise _already_registered() from None
    return volunteer


def volunteer_phone_confirm(*, volunteer: Volunteer, user: User, request: HttpRequest | None = None) -> Volunteer:
    """The volunteer signed in by a code sent to their phone: the phone is theirs."""
    with transaction.atomic():
        if volunteer.phone_confirmed_at is None:
            volunteer.phone_confirmed_at = timezone.now()
            volunteer.save(update_fields=["phone_confirmed_at"])
        audit_log(actor=user, action="relief.volunteer_signin", obj=volunteer, request=request)
    return volunteer


def volunteer_withdraw(*, volunteer: Volunteer, user: User, request: HttpRequest | None = None) -> Volunteer:
    """The volunteer leaves the register. Their open requests lose them: a request with no
    team left goes back to new, for staff to send someone else."""
    with transaction.atomic():
        fresh = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if not fresh.is_active:
            return fresh
        fresh.is_active = False
        fresh.withdrawn_at = timezone.now()
        fresh.save(update_fields=["is_active", "withdrawn_at"])
        released = []
        for sos in HelpRequest.objects.select_for_update().filter(volunteer=fresh, status__in=OPEN_STATUSES):
            before = sos.status
            sos.volunteer = None
            if sos.team_id is None:
                sos.status = HelpStatus.NEW
                sos.status_changed_at = timezone.now()
            sos.save(update_fields=["volunteer", "status", "status_changed_at"])
            HelpRequestEvent.objects.create(
                sos=sos,
                actor=user if getattr(user, "is_authenticated", False) else None,
                actor_label=fresh.full_name[:150],
                action=EventAction.UNASSIGNED,
                from_status=before,
                to_status=sos.status,
                volunteer=fresh,
                team=sos.team,
            )
            released.append(sos.pk)
        audit_log(
            actor=user, action="relief.volunteer_withdraw", obj=fresh, request=request, detail={"released": released}
        )
    return fresh
