"""Reporting reactions after vaccination (AEFI): the writes, each one transaction with its
audit entry. A serious reaction alerts the province CDC and the site's health centre once
the report is committed (``tasks.serious_reaction_alert``).

The checks are the DHIS2 AEFI package's program rules, in this order, each with its code
(``vaccination.errors.ReactionError``):

- at least one reaction, every one of the list; "other" needs a description;
- the vaccination is not before the person's birth;
- the onset is not in the future and not before the day of vaccination;
- serious needs a reason of the list; a reason needs serious;
- the outcome is one of the list; "died" needs the date of death, serious for the reason
  death, and the reason death needs the outcome died; the date of death is not before the
  day of onset and not in the future, and is given only for a death.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from truyvet.accounts.models import User
from truyvet.accounts.permissions import is_citizen
from truyvet.lib.audit import audit_log
from truyvet.lib.errors import DomainError
from vaccination.errors import ReactionError
from vaccination.models import Dose, Reaction, ReactionKind, ReactionOutcome, ReporterKind, SeriousReason
from vaccination.reaction_selectors import dose_for_reaction
from vaccination.tasks import queue_serious_reaction_alert


@dataclass(frozen=True)
class ReactionIn:
    dose_id: int
    kinds: tuple[str, ...]
    onset_at: datetime
    description: str = ""
    serious: bool = False
    serious_reason: str = ""
    outcome: str = ReactionOutcome.UNKNOWN
    died_on: date | None = None
    client_id: uuid.UUID | None = None


def _refuse(code: ReactionError, field_name: str | None = None) -> DomainError:
    return DomainError(code.label, code, field=field_name)


def reaction_check(data: ReactionIn, dose: Dose, *, now: datetime | None = None) -> None:
    """Raise the first rule ``data`` breaks for this dose (``DomainError`` with its code)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    kinds = set(data.kinds)
    if not kinds:
        raise _refuse(ReactionError.NO_REACTION, "kinds")
    if not kinds <= set(ReactionKind.values):
        raise _refuse(ReactionError.UNKNOWN_REACTION, "kinds")
    if ReactionKind.OTHER in kinds and not data.description.strip():
        raise _refuse(ReactionError.OTHER_NEEDS_DESCRIPTION, "description")
    born = dose.person.date_of_birth
    if born is not None and dose.administered_on < born:
        raise _refuse(ReactionError.VACCINATION_BEFORE_BIRTH)
    if data.onset_at > now:
        raise _refuse(ReactionError.ONSET_IN_FUTURE, "onset_at")
    onset_day = timezone.localdate(data.onset_at) if timezone.is_aware(data.onset_at) else data.onset_at.date()
    if onset_day < dose.administered_on:
        raise _refuse(ReactionError.ONSET_BEFORE_VACCINATION, "onset_at")
    if data.serious_reason and data.serious_reason not in SeriousReason.values:
        raise _refuse(ReactionError.UNKNOWN_SERIOUS_REASON, "serious_reason")
    if data.serious and not data.serious_reason:
        raise _refuse(ReactionError.SERIOUS_REASON_REQUIRED, "serious_reason")
    if data.serious_reason and not data.serious:
        raise _refuse(ReactionError.REASON_WITHOUT_SERIOUS, "serious")
    if data.outcome not in ReactionOutcome.values:
        raise _refuse(ReactionError.UNKNOWN_REACTION_OUTCOME, "outcome")
    died = data.outcome == ReactionOutcome.DIED
    if died != (data.serious_reason == SeriousReason.DEATH):
        raise _refuse(ReactionError.DEATH_NOT_SERIOUS, "serious_reason")
    if died and data.died_on is None:
        raise _refuse(ReactionError.DEATH_DATE_REQUIRED, "died_on")
    if not died and data.died_on is not None:
        raise _refuse(ReactionError.DEATH_DATE_WITHOUT_DEATH, "died_on")
    if data.died_on is not None:
        if data.died_on < onset_day:
            raise _refuse(ReactionError.DEATH_BEFORE_ONSET, "died_on")
        if data.died_on > today:
            raise _refuse(ReactionError.DEATH_IN_FUTURE, "died_on")


def reaction_report(*, user: User | AnonymousUser, data: ReactionIn, request: HttpRequest | None = None) -> Reaction:
    """Record a reaction about a dose the user may report on (``dose_for_reaction``: 404
    outside). The same ``client_id`` again answers the reaction already recorded."""
    dose = dose_for_reaction(user, data.dose_id)
    if data.client_id is not None:
        known = Reaction.objects.filter(client_id=data.client_id).first()
        if known is not None:
            if known.dose_id != dose.pk:
                raise DomainError(ReactionError.CLIENT_ID_REUSED.label, ReactionError.CLIENT_ID_REUSED, status=409)
            return known
    reaction_check(data, dose)
    with transaction.atomic():
        reaction = Reaction.objects.create(
            dose=dose,
            person_id=dose.person_id,
            ward_id=dose.person.ward_id or dose.site.ward_id,
            kinds=sorted(set(data.kinds), key=ReactionKind.values.index),
            onset_at=data.onset_at,
            description=data.description.strip(),
            serious=data.serious,
            serious_reason=data.serious_reason,
            outcome=data.outcome,
            died_on=data.died_on,
            reporter_kind=ReporterKind.CITIZEN if is_citizen(user) else ReporterKind.STAFF,
            reported_by=user if user.is_authenticated else None,
            client_id=data.client_id,
        )
        audit_log(
            actor=user,
            action="vaccination.reaction_report",
            obj=reaction,
            person_id=reaction.person_id,
            request=request,
            detail={"serious": reaction.serious, "outcome": reaction.outcome},
        )
        if reaction.serious:
            queue_serious_reaction_alert(reaction.pk)
    return reaction


def reaction_follow_up(
    *,
    user: User,
    reaction: Reaction,
    outcome: str,
    serious: bool,
    serious_reason: str = "",
    died_on: date | None = None,
    request: HttpRequest | None = None,
) -> Reaction:
    """Staff update the outcome (and seriousness) of a reaction they may read; the same
    rules apply. A reaction that becomes serious alerts then (once: the alert's key is the
    reaction's)."""
    data = ReactionIn(
        dose_id=reaction.dose_id,
        kinds=tuple(reaction.kinds),
        onset_at=reaction.onset_at,
        description=reaction.description,
        serious=serious,
        serious_reason=serious_reason,
        outcome=outcome,
        died_on=died_on,
    )
    reaction_check(data, reaction.dose)
    with transaction.atomic():
        before = {"serious": reaction.serious, "outcome": reaction.outcome}
        reaction.serious, reaction.serious_reason = serious, serious_reason
        reaction.outcome, reaction.died_on = outcome, died_on
        reaction.save(update_fields=["serious", "serious_reason", "outcome", "died_on", "updated_at"])
        audit_log(
            actor=user,
            action="vaccination.reaction_follow_up",
            obj=reaction,
            person_id=reaction.person_id,
            request=request,
            detail={"before": before, "serious": serious, "outcome": outcome},
        )
        if serious:
            queue_serious_reaction_alert(reaction.pk)
    return reaction
