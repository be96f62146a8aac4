"""The EU Digital COVID Certificate of a person: issuing it from their latest dose, the trust
list verifiers use, and the server's verifier (the ``/verify/`` page checks the same in the
browser). Issuing writes nothing but, on a new installation, the first document signer."""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone

from truyvet.lib.errors import DomainError
from truyvet.people.models import Person
from vaccination import hcert
from vaccination.errors import VaccinationError
from vaccination.models import DocumentSigner, Dose
from vaccination.services import signer_ensure
from vaccination.signers import (
    configured_certificates,
    kid_b64,
    load_certificate,
    remember_signer,
    remembered_signer,
    signer_from_pem,
)


@dataclass(frozen=True)
class Certificate:
    hc1: str
    doses: int
    uvci: str
    expires_at: datetime


def uvci_for(dose_id: int) -> str:
    """The certificate identifier of a dose: unique, stable, and opaque (an HMAC of the
    dose's id under the secret key, so it says nothing and cannot be guessed)."""
    digest = hmac.digest(settings.SECRET_KEY.encode(), f"vaccination.uvci:{dose_id}".encode(), "sha256")
    opaque = base64.b32encode(digest[:10]).decode("ascii")
    return hcert.uvci(settings.VACCINATION_DCC_COUNTRY, settings.VACCINATION_DCC_UVCI_ISSUER, opaque)


def current_signer(now: datetime | None = None) -> hcert.Signer:
    """The ministry's signer when settings give one, else the portal's current DSC (read
    from the database at most every ``VACCINATION_SIGNER_CACHE_SECONDS`` per process)."""
    if settings.VACCINATION_DSC_CERTIFICATE_PEM and settings.VACCINATION_DSC_PRIVATE_KEY_PEM:
        return signer_from_pem(settings.VACCINATION_DSC_CERTIFICATE_PEM, settings.VACCINATION_DSC_PRIVATE_KEY_PEM)
    signer = remembered_signer(now or timezone.now())
    if signer is None:
        row = signer_ensure()
        signer = signer_from_pem(row.certificate_pem, row.private_key_pem)
        remember_signer(signer)
    return signer


def entry_of(dose: Dose) -> hcert.VaccinationEntry:
    return hcert.VaccinationEntry(
        prophylaxis=dose.prophylaxis,
        product=dose.product,
        manufacturer=dose.manufacturer,
        dose_number=dose.dose_number,
        total_doses=dose.total_doses,
        administered_on=dose.administered_on,
        country=settings.VACCINATION_DCC_COUNTRY,
        issuer=settings.VACCINATION_DCC_ISSUER,
        uvci=uvci_for(dose.pk),
    )


def certificate_for(person: Person, *, now: datetime | None = None) -> Certificate:
    """The certificate of the person's latest dose (``no_doses`` when there is none)."""
    doses = list(Dose.objects.filter(person_id=person.pk).order_by("-administered_on", "-dose_number"))
    if not doses:
        raise DomainError(VaccinationError.NO_DOSES.label, VaccinationError.NO_DOSES, status=404)
    now = now or timezone.now()
    signer = current_signer(now)
    if signer.not_after <= now:
        raise DomainError(VaccinationError.NO_SIGNER.label, VaccinationError.NO_SIGNER, status=503)
    entry = entry_of(doses[0])
    payload = hcert.hcert_payload(person.full_name, person.date_of_birth, entry)
    expires_at = min(now + relativedelta(months=settings.VACCINATION_DCC_MONTHS), signer.not_after)
    return Certificate(
        hc1=hcert.issue(signer, payload, issued_at=now, expires_at=expires_at),
        doses=len(doses),
        uvci=entry.uvci,
        expires_at=expires_at,
    )


def trust_list() -> list[dict[str, str]]:
    """Every DSC this portal accepts: its own (current and earlier) and configured issuers'."""
    seen: dict[str, str] = {}
    for kid, pem in DocumentSigner.objects.order_by("-created_at").values_list("kid", "certificate_pem"):
        seen.setdefault(kid, pem)
    for certificate in configured_certificates():
        seen.setdefault(kid_b64(certificate), certificate.public_bytes(Encoding.PEM).decode("ascii"))
    return [{"kid": kid, "certificate_pem": pem} for kid, pem in seen.items()]


def trust_list_for_browsers() -> list[dict[str, str]]:
    """The trust list with each key's SubjectPublicKeyInfo (base64 DER) and algorithm, which
    WebCrypto imports as it is (the ``/verify/`` page checks signatures offline)."""
    current_dsc()  # a new installation makes its signer first, so there is one to trust
    found = []
    for item in trust_list():
        key = load_certificate(item["certificate_pem"]).public_key()
        spki = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        algorithm = "ES256" if isinstance(key, ec.EllipticCurvePublicKey) else "PS256"
        found.append({**item, "alg": algorithm, "spki": base64.b64encode(spki).decode("ascii")})
    return found


def current_dsc() -> dict[str, str]:
    """The DSC that signs now (``GET /api/v1/vaccination/dsc/``)."""
    if settings.VACCINATION_DSC_CERTIFICATE_PEM:
        certificate = load_certificate(settings.VACCINATION_DSC_CERTIFICATE_PEM)
        return {"kid": kid_b64(certificate), "certificate_pem": settings.VACCINATION_DSC_CERTIFICATE_PEM}
    row = signer_ensure()
    return {"kid": row.kid, "certificate_pem": row.certificate_pem}


def trusted_certificates() -> dict[bytes, x509.Certificate]:
    return {base64.b64decode(item["kid"]): load_certificate(item["certificate_pem"]) for item in trust_list()}


def verify(text: str, *, now: datetime | None = None) -> hcert.Verified:
    """Check an ``HC1:`` string against the trust list; ``DomainError`` with the reason."""
    try:
        return hcert.verify(text, trusted_certificates(), now=now or timezone.now())
    except hcert.Invalid as exc:
        raise DomainError(exc.code.label, exc.code, field="hc1") from exc
