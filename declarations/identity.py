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

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.translation import gettext as _

from declarations.risk import SERVER_REASONS
from truyvet.accounts.jurisdiction import sees_health_of
from truyvet.accounts.models import Role
from truyvet.people.device import proven_refs
from truyvet.people.models import ChangeSource, Person

if TYPE_CHECKING:
    from declarations.services import Submitted


@dataclass(frozen=True)
class Declarant:
    """Who is declaring: the signed-in user, if any, and the people this phone is proven for."""

    user: object = None
    proven_refs: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, request: HttpRequest) -> Declarant:
        user = getattr(request, "user", None)
        return cls(user=user if getattr(user, "is_authenticated", False) else None, proven_refs=proven_refs(request))


def proof_for(declarant: Declarant, person: Person) -> str:
    """How the declarant proved to be ``person`` (a ChangeSource), or "" when they did not."""
    user = declarant.user
    if user is not None:
        if getattr(user, "role", None) == Role.CITIZEN:
            if person.phone and getattr(user, "phone", None) == person.phone:
                return ChangeSource.SMS
        elif sees_health_of(user, person.ward_id):
            return ChangeSource.STAFF
    if person.ref in declarant.proven_refs:
        return ChangeSource.DEVICE
    return ""


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
