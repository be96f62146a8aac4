"""Personal QR tokens: checking them and resolving them to their holder, for writes made
with a token (check-ins, scans, proximity uploads) and for the verification answer
(``declarations.qr``, which adds what the issuing declaration said)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from truyvet.credentials.models import QrCredential
from truyvet.lib import signing
from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError
from truyvet.people.models import Person

TOKEN_MESSAGES = {
    "malformed": _("This is not a personal QR code."),
    "bad_signature": _("This QR code was not issued by the health authority."),
    "expired": _("This personal QR code has expired: declare again to renew it."),
    "unknown": _("This personal QR code is not known."),
    "revoked": _("This personal QR code has been revoked: declare again for a new one."),
}

# The code of a DomainError for each reason a token is refused (``token_<reason>``).
TOKEN_CODES = {
    "malformed": CoreError.TOKEN_MALFORMED,
    "bad_signature": CoreError.TOKEN_BAD_SIGNATURE,
    "expired": CoreError.TOKEN_EXPIRED,
    "unknown": CoreError.TOKEN_UNKNOWN,
    "revoked": CoreError.TOKEN_REVOKED,
}


PERSON_COLUMNS = ("person__id", "person__full_name", "person__ref", "person__phone", "person__ward_id")


def qr_resolve(token: str, *, credentials: QuerySet[QrCredential] | None = None) -> tuple[dict[str, Any], QrCredential]:
    """The token's payload and the holder's credential, or TokenError with the reason
    (malformed, bad_signature, expired, unknown, revoked).

    ``credentials`` is the query to find it in (its person selected, ``revoked_at`` loaded),
    for a caller that reads more in the same statement; by default only what this needs."""
    payload = signing.verify(token)
    # A hot path (every scan and check-in): only the columns it needs, no ORDER BY.
    if credentials is None:
        credentials = QrCredential.objects.select_related("person").only("revoked_at", *PERSON_COLUMNS)
    credential = next(iter(credentials.filter(person__ref=payload.get("sub"))[:1]), None)
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
    """SQL selecting ``person_id`` of the unrevoked credential that ``qr_resolve`` would accept;
    its parameters are the token's ``sub`` and issue time (see ``qr_claims``)."""
    # Table names from the models; values are parameters.
    return (
        f"SELECT c.person_id FROM {QrCredential._meta.db_table} c JOIN {Person._meta.db_table} p"  # noqa: S608
        " ON p.id = c.person_id WHERE p.ref = %s AND (c.revoked_at IS NULL OR c.revoked_at < %s)"
    )


def qr_holder(token: str) -> Person:
    """The holder of a valid, unrevoked token, or a DomainError coded ``token_<reason>``."""
    try:
        return qr_resolve(token)[1].person
    except signing.TokenError as error:
        raise DomainError(TOKEN_MESSAGES[error.reason], TOKEN_CODES[error.reason], field="qr_token") from None
