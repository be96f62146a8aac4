from __future__ import annotations

from truyvet.credentials.models import QrCredential
from truyvet.lib import signing


def qr_credential_for(person_id: int) -> QrCredential | None:
    return QrCredential.objects.select_related("person").filter(person_id=person_id).first()


def qr_credentials_for(person_ids: list[int]) -> dict[int, QrCredential]:
    return {c.person_id: c for c in QrCredential.objects.select_related("person").filter(person_id__in=person_ids)}


def qr_token_for(credential: QrCredential) -> str:
    """A token for the person's current credential (same sub, iat, exp and level): showing
    the QR again never changes what was issued."""
    return signing.sign(
        {
            "sub": credential.person.ref,
            "iat": int(credential.issued_at.timestamp()),
            "exp": int(credential.expires_at.timestamp()),
            "lvl": credential.risk_level,
        }
    )
