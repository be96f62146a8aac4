"""Verifying a personal QR token online (the contract's /api/v1/qr/verify/)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest

from declarations.models import Declaration, QrCredential
from declarations.risk import raise_to_status
from truyvet.lib import signing
from truyvet.lib.audit import audit_log
from truyvet.people.normalize import mask_name
from truyvet.people.status import status_for


def qr_verify(*, token: str, viewer: Any, request: HttpRequest | None = None) -> dict[str, Any]:
    """What a checkpoint or venue needs to know about the bearer, and nothing more.

    Invalid: ``{"valid": False, "reason": malformed|bad_signature|expired|unknown|revoked}``.
    A valid scan is a read of the person's health status and is audit-logged.
    """
    try:
        payload = signing.verify(token)
    except signing.TokenError as error:
        return {"valid": False, "reason": error.reason}
    credential = (
        QrCredential.objects.select_related("person", "declaration").filter(person__ref=payload.get("sub")).first()
    )
    if credential is None:
        return {"valid": False, "reason": "unknown"}
    issued_at = datetime.fromtimestamp(payload.get("iat", 0), tz=UTC)
    if credential.revoked_at is not None and issued_at <= credential.revoked_at:
        return {"valid": False, "reason": "revoked"}
    person = credential.person
    status = status_for(person.pk)
    declaration: Declaration | None = credential.declaration
    audit_log(actor=viewer, action="qr.verify", obj=person, request=request)
    return {
        "valid": True,
        "person_id": person.pk,
        "display_name": mask_name(person.full_name),
        "risk_level": raise_to_status(str(payload.get("lvl") or credential.risk_level), status),
        "risk_reasons": declaration.risk_reasons if declaration else [],
        "f_level": status.f_level,
        "declared_at": declaration.created_at if declaration else None,
        "expires_at": datetime.fromtimestamp(payload["exp"], tz=UTC),
        "vaccine_doses": status.vaccine_doses,
    }
