from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from truyvet.credentials.models import QrCredential
from truyvet.lib import signing
from truyvet.lib.audit import Actor, audit_log
from truyvet.people.models import Person


def qr_credential_signed(
    person: Person, risk_level: str, declaration: models.Model | None
) -> tuple[str, datetime, QrCredential]:
    """A fresh token for the person and its credential, not saved (for callers that insert
    it together with the declaration that issued it)."""
    now = timezone.now().replace(microsecond=0)
    expires = now + settings.QR_TOKEN_TTL
    token = signing.sign(
        {"sub": person.ref, "iat": int(now.timestamp()), "exp": int(expires.timestamp()), "lvl": risk_level}
    )
    credential = QrCredential(
        person=person,
        issued_at=now,
        expires_at=expires,
        risk_level=risk_level,
        declaration_id=None if declaration is None else declaration.pk,
    )
    return token, expires, credential


def qr_issue(*, person: Person, risk_level: str, declaration: models.Model | None = None) -> tuple[str, datetime]:
    """Sign a fresh personal QR token and record it as the person's current credential."""
    token, expires, credential = qr_credential_signed(person, risk_level, declaration)
    # One INSERT ... ON CONFLICT: the person's credential is created or replaced in place.
    QrCredential.objects.bulk_create(
        [credential],
        update_conflicts=True,
        unique_fields=["person"],
        update_fields=["issued_at", "expires_at", "risk_level", "declaration_id"],
    )
    return token, expires


@transaction.atomic
def qr_revoke(*, user: Actor, person: Person) -> None:
    """Refuse every token issued to the person so far (a lost or stolen card)."""
    updated = QrCredential.objects.filter(person=person).update(revoked_at=timezone.now(), revoked_by=user)
    if updated:
        audit_log(actor=user, action="qr.revoke", obj=person)
