"""Who may rewrite a person, and who may learn their health status.

Knowing somebody's id number proves nothing. A declaration changes the person record, and
its answer shows the health reasons that come from the server (a case, an F-level, a
zone), only when the declarant has proven to be that person:

- signed in by an SMS code sent to the phone already on file (``sms``);
- on the phone that declared for them before, the signed people cookie (``device``);
- health staff whose wards include the person's (``staff``).

Anybody else still gets the declaration stored as typed and the QR code the checkpoint
needs, but the record stays as it was and the answer shows only the colour.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _

from declarations.risk import SERVER_REASONS
from truyvet.accounts.jurisdiction import sees_health_of
from truyvet.accounts.models import Role, User
from truyvet.accounts.permissions import is_portal_staff
from truyvet.people.device import proven_refs
from truyvet.people.models import ChangeSource, Person

if TYPE_CHECKING:
    from declarations.models import Declaration
    from declarations.services import Submitted


@dataclass(frozen=True)
class Declarant:
    """Who is declaring: the signed-in user, if any, and the people this phone is proven for."""

    user: User | None = None
    proven_refs: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, request: HttpRequest) -> Declarant:
        user = getattr(request, "user", None)
        return cls(user=user if getattr(user, "is_authenticated", False) else None, proven_refs=proven_refs(request))


def _citizen_phone(user: User | AnonymousUser | None) -> str | None:
    """The phone a signed-in citizen proved with an SMS code; None for anybody else."""
    return getattr(user, "phone", None) if getattr(user, "role", None) == Role.CITIZEN else None


def proof_for(declarant: Declarant, person: Person) -> str:
    """How the declarant proved to be ``person`` (a ChangeSource), or "" when they did not."""
    user = declarant.user
    if user is not None:
        if getattr(user, "role", None) == Role.CITIZEN:
            if person.phone and _citizen_phone(user) == person.phone:
                return ChangeSource.SMS
        elif sees_health_of(user, person.ward_id):
            return ChangeSource.STAFF
    if person.ref in declarant.proven_refs:
        return ChangeSource.DEVICE
    return ""


def declarant_proof_of(
    declaration: Declaration, *, user: User | AnonymousUser, made_here: Collection[int]
) -> bool | None:
    """Whether the viewer of a declaration's own pages (its answer, its QR, its printed
    card) may see it, and with the server's reasons: ``None`` when they may not (a 404);
    else whether they proved to be the person.

    The browser that made it sees it, with the reasons when the declarant had proved to
    be the person then (``made_here``: the declarations this browser remembers); so does a
    citizen signed in with the phone on the person's record, with the reasons."""
    if declaration.pk in made_here:
        return bool(declaration.proof)
    phone = _citizen_phone(user)
    if phone and declaration.person.phone == phone:
        return True
    return None


def remembered_on_this_device(user: User | AnonymousUser, *, at_checkpoint: bool) -> bool:
    """Whether the browser keeps what was just declared (its declarations, the household's
    details for the next member, the people it may check in). Not on a checkpoint's tablet
    that staff hand to travellers: nothing of one traveller may stay there for the next."""
    return not (at_checkpoint and is_portal_staff(user))


MADE_HERE = "my_declarations"  # the declarations made in this browser, newest last (the session's key)
HOUSEHOLD = "household"  # what a family member's form is prefilled with
MAX_REMEMBERED = 20


def made_here(request: HttpRequest) -> list[int]:
    """The declarations this browser made (``declarant_proof_of``'s ``made_here``)."""
    return list(request.session.get(MADE_HERE, []))


def remember_made_here(
    request: HttpRequest, declaration: Declaration, *, phone: str = "", province: int | None = None
) -> None:
    """Keep in the browser's session that it made this declaration (so it shows its answer
    and QR code), and what a family member's form starts from."""
    mine = [pk for pk in made_here(request) if pk != declaration.pk]
    request.session[MADE_HERE] = [*mine, declaration.pk][-MAX_REMEMBERED:]
    request.session[HOUSEHOLD] = {
        # Only a household this phone proved to be its own: declaring a family member into
        # it moves nobody else's record.
        "id": declaration.household_id if declaration.proof else None,
        "phone": phone,
        "address": declaration.address,
        "province": province,
        "ward_code": declaration.ward_id,
    }


def shown_reasons(reasons: Iterable[str], *, proven: bool | Callable[[], bool]) -> list[str]:
    """The stored reasons this viewer may see: all of them for the proven person and health
    staff with jurisdiction; for anybody else only the answers they gave themselves.
    ``proven`` may be a callable, asked only when there is a server's reason to show."""
    reasons = list(reasons)
    if not SERVER_REASONS.intersection(reasons):
        return reasons
    if callable(proven):
        proven = proven()
    return [r for r in reasons if proven or r not in SERVER_REASONS]


def reasons_shown_to_staff(declaration: Declaration, sees: Callable[[int | None], bool]) -> list[str]:
    """The reasons a staff member may see (``sees``: ``accounts.jurisdiction.health_ward_check``
    for them): those from the server's knowledge of the person (a case, an F-level, a zone)
    only when the person's record lies in their wards; a declaration is also seen in the
    ward it was declared in, with the answers the declarant gave."""
    return shown_reasons(declaration.risk_reasons, proven=lambda: sees(declaration.person.ward_id))


def declarant_message(submitted: Submitted) -> str | None:
    """What the declarant is told besides the colour: that their details disagree with the
    record, or, when the server's reasons are hidden from them, whom to ask."""
    declaration = submitted.declaration
    if declaration.identity_mismatch:
        return _(
            "These details do not match the record for this id number; the commune health station will contact you."
        )
    if len(submitted.shown_reasons) < len(declaration.risk_reasons):
        return _("Contact your commune health station to learn more.")
    return None
