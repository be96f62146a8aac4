"""Personal QR tokens: verifying them online (the contract's /api/v1/qr/verify/) and
resolving them to their holder for writes made with a token (check-ins, scans)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from declarations.models import Declaration, QrCredential
from declarations.risk import raise_to_status
from truyvet.accounts.jurisdiction import sees_health_of
from truyvet.lib import signing
from truyvet.lib.audit import audit_log
from truyvet.lib.errors import DomainError
from truyvet.people.models import Person
from truyvet.people.normalize import mask_name
from truyvet.people.status import status_for

_TOKEN_MESSAGES = {
    "malformed": _("This is not a personal QR code."),
    "bad_signature": _("This QR code was not issued by the health authority."),
    "expired": _("This personal QR code has expired: declare again to renew it."),
    "unknown": _("This personal QR code is not known."),
    "revoked": _("This personal QR code has been revoked: declare again for a new one."),
}


_PERSON_COLUMNS = ("person__id", "person__full_name", "person__ref", "person__phone", "person__ward_id")


def _resolve(token: str, *, with_declaration: bool = True) -> tuple[dict[str, Any], QrCredential]:
    """The token's payload and the holder's credential, or TokenError with the reason
    (malformed, bad_signature, expired, unknown, revoked)."""
    payload = signing.verify(token)
    # A hot path (every scan and check-in): only the columns it needs, no ORDER BY.
    if with_declaration:
        qs = QrCredential.objects.select_related("person", "declaration").only(
            "revoked_at", "risk_level", *_PERSON_COLUMNS, "declaration__created_at", "declaration__risk_reasons"
        )
    else:
        qs = QrCredential.objects.select_related("person").only("revoked_at", *_PERSON_COLUMNS)
    credential = next(iter(qs.filter(person__ref=payload.get("sub"))[:1]), None)
    if credential is None:
        raise signing.TokenError("unknown")
    issued_at = datetime.fromtimestamp(payload.get("iat", 0), tz=UTC)
    if credential.revoked_at is not None and issued_at <= credential.revoked_at:
        raise signing.TokenError("revoked")
    return payload, credential


def qr_claims(token: str) -> tuple[str, datetime] | None:
    """The ``sub`` and issue time of a token whose signature and expiry verify, or None.

    For hot paths that find the holder inside their own SQL statement (``holder_sql``) and
    call ``qr_holder`` for the reason only when that finds nobody.
    """
    try:
        payload = signing.verify(token)
    except signing.TokenError:
        return None
    sub, iat = payload.get("sub"), payload.get("iat", 0)
    if not isinstance(sub, str) or not isinstance(iat, int | float):
        return None
    return sub, datetime.fromtimestamp(iat, tz=UTC)


def holder_sql() -> str:
    """SQL selecting ``person_id`` of the unrevoked credential that ``_resolve`` would accept;
    its parameters are the token's ``sub`` and issue time (see ``qr_claims``)."""
    # Table names from the models; values are parameters.
    return (
        f"SELECT c.person_id FROM {QrCredential._meta.db_table} c JOIN {Person._meta.db_table} p"  # noqa: S608
        " ON p.id = c.person_id WHERE p.ref = %s AND (c.revoked_at IS NULL OR c.revoked_at < %s)"
    )


def qr_holder(token: str) -> Person:
    """The holder of a valid, unrevoked token, or a DomainError coded ``token_<reason>``."""
    try:
        return _resolve(token, with_declaration=False)[1].person
    except signing.TokenError as error:
        raise DomainError(_TOKEN_MESSAGES[error.reason], f"token_{error.reason}", field="qr_token") from None


def qr_verify(*, token: str, viewer: Any, request: HttpRequest | None = None) -> dict[str, Any]:
    """What a checkpoint or venue needs to know about the bearer, and nothing more.

    Invalid: ``{"valid": False, "reason": malformed|bad_signature|expired|unknown|revoked}``.
    Valid: validity, the level (raised by the server's status, so checkpoints judge
    correctly), expiry; the F-level and the health reasons only for health staff whose
    wards include the person's (``f_level`` is null for everybody else). A valid scan is a
    read of the person's health status and is audit-logged.
    """
    try:
        payload, credential = _resolve(token)
    except signing.TokenError as error:
        return {"valid": False, "reason": error.reason}
    person = credential.person
    status = status_for(person.pk)
    declaration: Declaration | None = credential.declaration
    audit_log(actor=viewer, action="qr.verify", obj=person, request=request)
    answer: dict[str, Any] = {
        "valid": True,
        "person_id": person.pk,
        "display_name": mask_name(person.full_name),
        "risk_level": raise_to_status(str(payload.get("lvl") or credential.risk_level), status),
        "f_level": None,
        "declared_at": declaration.created_at if declaration else None,
        "expires_at": datetime.fromtimestamp(payload["exp"], tz=UTC),
        "vaccine_doses": status.vaccine_doses,
    }
    if sees_health_of(viewer, person.ward_id):
        answer["f_level"] = status.f_level
        answer["risk_reasons"] = declaration.risk_reasons if declaration else []
    return answer
