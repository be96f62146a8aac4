"""Document signer certificates (DSC): making the demo's, loading the one that signs, and the
trust list verifiers get.

The portal's own chain is a country signing CA (CSCA, self-signed, ECDSA P-256) and a DSC it
issues with the vaccination extended key usage (``1.3.6.1.4.1.1847.2021.1.2``), both made
by ``manage.py vaccination_signer`` (or on first use). The ministry's real signer is given
instead by ``VACCINATION_DSC_CERTIFICATE_PEM`` and ``VACCINATION_DSC_PRIVATE_KEY_PEM``
(docs/VACCINATION.md). Rotating makes a new DSC that signs from then on; the earlier ones
stay in the trust list, so certificates in circulation keep verifying until they expire.
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings

from vaccination.hcert import EKU_VACCINATION, Signer, kid_of

DSC_DAYS = 730
CSCA_DAYS = 3650


@dataclass(frozen=True)
class SignerFiles:
    kid: str
    certificate_pem: str
    private_key_pem: str
    csca_pem: str
    not_before: datetime
    not_after: datetime


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def make_signer(*, country: str, now: datetime | None = None) -> SignerFiles:
    """A new CSCA and a DSC issued by it, for a demo or a province without the ministry's keys."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    csca_key = ec.generate_private_key(ec.SECP256R1())
    csca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{settings.PORTAL_NAME} CSCA"),
        ]
    )
    csca = (
        x509.CertificateBuilder()
        .subject_name(csca_name)
        .issuer_name(csca_name)
        .public_key(csca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=CSCA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(csca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    dsc = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, country),
                    x509.NameAttribute(NameOID.COMMON_NAME, f"{settings.PORTAL_NAME} DSC {now:%Y%m%d%H%M%S}"),
                ]
            )
        )
        .issuer_name(csca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=DSC_DAYS))
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.ObjectIdentifier(EKU_VACCINATION)]), critical=False)
        .sign(csca_key, hashes.SHA256())
    )
    return SignerFiles(
        kid=base64.b64encode(kid_of(dsc)).decode("ascii"),
        certificate_pem=_pem(dsc),
        private_key_pem=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii"),
        csca_pem=_pem(csca),
        not_before=dsc.not_valid_before_utc,
        not_after=dsc.not_valid_after_utc,
    )


def load_certificate(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode("ascii"))


def kid_b64(certificate: x509.Certificate) -> str:
    return base64.b64encode(kid_of(certificate)).decode("ascii")


_loaded: dict[tuple[str, str], Signer] = {}
_lock = threading.Lock()
_current: list[tuple[float, Signer]] = []  # (until, signer): the one that signs, kept a while


def signer_from_pem(certificate_pem: str, private_key_pem: str) -> Signer:
    """The signer of this certificate and key, loaded once per process: the PEM is parsed,
    the key loaded and the kid hashed on the first call only."""
    found = _loaded.get((certificate_pem, private_key_pem))
    if found is not None:
        return found
    certificate = load_certificate(certificate_pem)
    key = serialization.load_pem_private_key(private_key_pem.encode("ascii"), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("a document signer key must be ECDSA P-256")
    found = Signer(
        private_key=key,
        kid=kid_of(certificate),
        not_after=certificate.not_valid_after_utc,
        issuer_country=settings.VACCINATION_DCC_COUNTRY,
    )
    with _lock:
        return _loaded.setdefault((certificate_pem, private_key_pem), found)


def remembered_signer(now: datetime) -> Signer | None:
    """The signer kept by ``remember_signer`` while it is fresh and valid at ``now``."""
    if not _current:
        return None
    until, signer = _current[0]
    if time.monotonic() >= until or signer.not_after <= now:
        return None
    return signer


def remember_signer(signer: Signer) -> None:
    """Keep the signer that signs for ``VACCINATION_SIGNER_CACHE_SECONDS`` (no database read
    per certificate). Another process sees a rotation within that time; until then it signs
    with the previous signer, which stays in the trust list."""
    seconds = settings.VACCINATION_SIGNER_CACHE_SECONDS
    with _lock:
        _current[:] = [(time.monotonic() + seconds, signer)] if seconds > 0 else []


def forget_signer() -> None:
    """A rotation in this process: the next certificate reads the new signer."""
    with _lock:
        _current.clear()


def configured_certificates() -> list[x509.Certificate]:
    """The DSCs named in settings: the ministry's signer and other trusted issuers."""
    pems = [settings.VACCINATION_DSC_CERTIFICATE_PEM, settings.VACCINATION_TRUSTED_DSC_PEMS]
    found: list[x509.Certificate] = []
    for text in pems:
        if text.strip():
            found.extend(x509.load_pem_x509_certificates(text.encode("ascii")))
    return found
