"""Verifying a personal QR token online (the contract's /api/v1/qr/verify/): what the core
credential says, with what the declaration that issued it said (when, and why)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest

from declarations.models import Declaration
from declarations.risk import raise_to_status
from truyvet.accounts.jurisdiction import sees_health_of
from truyvet.accounts.models import User
from truyvet.credentials.models import QrCredential
from truyvet.credentials.qr import PERSON_COLUMNS, qr_resolve
from truyvet.lib import signing
from truyvet.lib.audit import audit_log
from truyvet.people.normalize import mask_name
from truyvet.people.status import status_for


def _issuing(column: str) -> Subquery:
    return Subquery(Declaration.objects.filter(pk=OuterRef("declaration_id")).order_by().values(column)[:1])


def credentials_with_declaration() -> QuerySet[QrCredential]:
    """Credentials with their person and, in the same statement, when the issuing
    declaration was made and its reasons (``declared_at``, ``declared_reasons``; None when
    it was issued without one)."""
    return (
        QrCredential.objects.select_related("person")
        .only("revoked_at", "risk_level", *PERSON_COLUMNS)
        .annotate(declared_at=_issuing("created_at"), declared_reasons=_issuing("risk_reasons"))
    )


def qr_verify(*, token: str, viewer: User | AnonymousUser, request: HttpRequest | None = None) -> dict[str, Any]:
    """What a checkpoint or venue needs to know about the bearer, and nothing more.

    Invalid: ``{"valid": False, "reason": malformed|bad_signature|expired|unknown|revoked}``.
    Valid: validity, the level (raised by the server's status, so checkpoints judge
    correctly), expiry; the F-level and the health reasons only for health staff whose
    wards include the person's (``f_level`` is null for everybody else). A valid scan is a
    read of the person's health status and is audit-logged.
    """
    try:
        payload, credential = qr_resolve(token, credentials=credentials_with_declaration())
    except signing.TokenError as error:
        return {"valid": False, "reason": error.reason}
    person = credential.person
    status = status_for(person.pk)
    audit_log(actor=viewer, action="qr.verify", obj=person, request=request)
    reasons = credential.declared_reasons  # type: ignore[attr-defined]
    answer: dict[str, Any] = {
        "valid": True,
        "person_id": person.pk,
        "display_name": mask_name(person.full_name),
        "risk_level": raise_to_status(str(payload.get("lvl") or credential.risk_level), status),
        "f_level": None,
        "declared_at": credential.declared_at,  # type: ignore[attr-defined]
        "expires_at": datetime.fromtimestamp(payload["exp"], tz=UTC),
        "vaccine_doses": status.vaccine_doses,
        "last_dose_on": status.last_dose_on,
    }
    if sees_health_of(viewer, person.ward_id):
        answer["f_level"] = status.f_level
        answer["risk_reasons"] = reasons if reasons is not None else []
    return answer
