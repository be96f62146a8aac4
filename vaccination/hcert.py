"""The EU Digital COVID Certificate on the wire: encoding and verifying, with no database.

    HC1:<Base45(zlib(COSE_Sign1(CWT{iss, iat, exp, -260: {1: HCERT}})))>

- HCERT: the payload of the EU DCC schema 1.3.0 (``ver``, ``nam`` with ``fn``, ``fnt``,
  ``gn``, ``gnt``, ``dob``, one ``v`` entry).
- CWT claims (RFC 8392): ``iss`` (1), ``exp`` (4), ``iat`` (6), ``hcert`` (-260) holding the
  payload under key 1.
- COSE_Sign1 (RFC 8152, tag 18): protected header ``{1: -7 (ES256), 4: kid}``, the
  signature over ``["Signature1", protected, b"", payload]``, r‖s of 32 bytes each.
- ``kid``: the first 8 bytes of SHA-256 of the document signer certificate's DER.

The verifier follows the eHN specification and the public test data (``dgc-testdata``):
the prefix ``HC1:``, Base45, zlib, COSE_Sign1 (tagged or not, inside an optional CWT tag
61), the ``kid`` from the protected header (else the unprotected one), ES256 or PS256, the
extended key usages of the signer (a signer for vaccinations only signs vaccinations), and
``iat`` / ``exp`` against the clock.
"""

from __future__ import annotations

import hashlib
import unicodedata
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import base45
import cbor2
import numpy as np
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from vaccination.errors import VaccinationError

PREFIX = "HC1:"
# What a verifier reads at most: a QR code holds under 4,300 alphanumeric characters.
MAX_HC1_CHARACTERS = 8000
MAX_COSE_BYTES = 65536
SCHEMA_VERSION = "1.3.0"
ES256 = -7
PS256 = -37
COSE_SIGN1_TAG = 18
CWT_TAG = 61
# The extended key usages of a DSC: which kinds of certificate it may sign (eHN).
EKU_TEST = "1.3.6.1.4.1.1847.2021.1.1"
EKU_VACCINATION = "1.3.6.1.4.1.1847.2021.1.2"
EKU_RECOVERY = "1.3.6.1.4.1.1847.2021.1.3"
# The early specification (and the public test data) wrote them with an extra ".0" after
# the enterprise arc; both forms are read.
_EKU_OF_KIND = {
    kind: {oid, oid.replace("1.4.1.1847", "1.4.1.0.1847")}
    for kind, oid in {"t": EKU_TEST, "v": EKU_VACCINATION, "r": EKU_RECOVERY}.items()
}

# --- Names -----------------------------------------------------------------------------------

_ICAO_EXTRA = str.maketrans({"Đ": "D", "đ": "D", "Ø": "OE", "ø": "OE", "Æ": "AE", "æ": "AE", "ß": "SS"})
_ICAO_GERMAN = str.maketrans({"Ä": "AE", "Ö": "OE", "Ü": "UE", "ä": "AE", "ö": "OE", "ü": "UE"})


def icao_transliterate(name: str, *, limit: int = 80) -> str:
    """ICAO Doc 9303 part 3 machine-readable form: A-Z and ``<`` for a space or hyphen;
    Vietnamese diacritics dropped and đ as D ("Văn An" → ``VAN<AN``)."""
    text = name.translate(_ICAO_GERMAN).translate(_ICAO_EXTRA)
    text = unicodedata.normalize("NFKD", text)
    out = []
    for char in text.upper():
        if "A" <= char <= "Z":
            out.append(char)
        elif char in " -'<" or char == ",":
            if char == "'":
                continue
            if out and out[-1] != "<":
                out.append("<")
    return "".join(out).strip("<")[:limit]


def split_vietnamese_name(full_name: str) -> tuple[str, str]:
    """(family name, given names): the first word, then the rest ("Nguyễn Văn An" →
    "Nguyễn", "Văn An"). One word: a family name alone."""
    words = full_name.split()
    if not words:
        return "", ""
    return words[0], " ".join(words[1:])


def names(full_name: str) -> dict[str, str]:
    family, given = split_vietnamese_name(full_name)
    nam = {"fn": family[:80], "fnt": icao_transliterate(family)}
    if given:
        nam.update({"gn": given[:80], "gnt": icao_transliterate(given)})
    return nam


# --- UVCI ----------------------------------------------------------------------------------

_LUHN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:"


def luhn_mod_n(text: str) -> str:
    """The check character of a UVCI (Luhn mod N over ``A-Z0-9/:``, the DCC schema FAQ)."""
    n = len(_LUHN_CHARS)
    factor, total = 2, 0
    for char in reversed(text):
        addend = factor * _LUHN_CHARS.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return _LUHN_CHARS[(n - total % n) % n]


def uvci(country: str, issuer: str, opaque: str) -> str:
    """``URN:UVCI:01:VN:<issuer><opaque>#<check>``: version 01, schema option 3 (issuing
    entity and an opaque unique string), the check character over everything before ``#``."""
    body = f"URN:UVCI:01:{country}:{issuer}{opaque}".upper()
    return f"{body}#{luhn_mod_n(body)}"


# --- Encoding ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VaccinationEntry:
    prophylaxis: str
    product: str
    manufacturer: str
    dose_number: int
    total_doses: int
    administered_on: date
    country: str
    issuer: str
    uvci: str
    disease: str = "840539006"

    def as_hcert(self) -> dict[str, Any]:
        return {
            "tg": self.disease,
            "vp": self.prophylaxis,
            "mp": self.product,
            "ma": self.manufacturer,
            "dn": self.dose_number,
            "sd": self.total_doses,
            "dt": self.administered_on.isoformat(),
            "co": self.country,
            "is": self.issuer,
            "ci": self.uvci,
        }


def hcert_payload(full_name: str, date_of_birth: date | None, entry: VaccinationEntry) -> dict[str, Any]:
    """The HCERT of one vaccination, schema 1.3.0. An unknown birth date is "" (allowed)."""
    return {
        "ver": SCHEMA_VERSION,
        "nam": names(full_name),
        "dob": date_of_birth.isoformat() if date_of_birth else "",
        "v": [entry.as_hcert()],
    }


def kid_of(certificate: x509.Certificate) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    return hashlib.sha256(certificate.public_bytes(Encoding.DER)).digest()[:8]


_ES256_SIGNING = ec.ECDSA(hashes.SHA256())


def _bstr(data: bytes) -> bytes:
    """``data`` as a CBOR byte string (major type 2): its length header, then the bytes."""
    n = len(data)
    if n < 24:
        head = bytes((0x40 | n,))
    elif n < 0x100:
        head = bytes((0x58, n))
    elif n < 0x10000:
        head = b"\x59" + n.to_bytes(2, "big")
    else:
        head = b"\x5a" + n.to_bytes(4, "big")
    return head + data


# The fixed parts of the two structures the signer writes around each payload (RFC 8152):
# the Sig_structure ["Signature1", protected, external_aad b"", payload] and the tagged
# COSE_Sign1 18([protected, {}, payload, signature]). cbor2 gives the same bytes (a test
# compares them); writing them directly saves two encoder calls per certificate.
_SIG_STRUCTURE_HEAD = b"\x84\x6aSignature1"
_EMPTY_BSTR = b"\x40"
_COSE_SIGN1_HEAD = b"\xd2\x84"
_EMPTY_MAP = b"\xa0"


@dataclass
class Signer:
    """A loaded document signer: its private key, kid and validity."""

    private_key: ec.EllipticCurvePrivateKey
    kid: bytes
    not_after: datetime
    issuer_country: str
    protected: bytes = field(init=False)
    _protected_bstr: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.protected = cbor2.dumps({1: ES256, 4: self.kid})
        self._protected_bstr = _bstr(self.protected)

    def sign(self, payload: bytes) -> bytes:
        """The COSE_Sign1 message (tag 18) of ``payload`` (the CWT's CBOR)."""
        payload_bstr = _bstr(payload)
        to_sign = _SIG_STRUCTURE_HEAD + self._protected_bstr + _EMPTY_BSTR + payload_bstr
        der = self.private_key.sign(to_sign, _ES256_SIGNING)
        r, s = decode_dss_signature(der)
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return _COSE_SIGN1_HEAD + self._protected_bstr + _EMPTY_MAP + payload_bstr + _bstr(signature)


def cwt_claims(hcert: dict[str, Any], *, issuer: str, issued_at: datetime, expires_at: datetime) -> bytes:
    return cbor2.dumps({1: issuer, 4: int(expires_at.timestamp()), 6: int(issued_at.timestamp()), -260: {1: hcert}})


_B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


@cache
def _b45_table() -> np.ndarray[Any, np.dtype[np.uint8]]:
    """The three Base45 characters of every two-byte value (RFC 9285: low digit first),
    196 KB built once."""
    alphabet = _B45.encode("ascii")
    triples = b"".join(bytes((alphabet[n % 45], alphabet[n // 45 % 45], alphabet[n // 2025])) for n in range(65536))
    return np.frombuffer(triples, dtype=np.uint8).reshape(65536, 3)


def b45encode(data: bytes) -> str:
    """Base45 (RFC 9285) by one table look-up per two bytes: the same text as
    ``base45.b45encode`` (a test compares them) in a fraction of its time, which keeps
    issuing near the cost of the signature."""
    whole = len(data) // 2
    text = _b45_table()[np.frombuffer(data, dtype=">u2", count=whole)].tobytes().decode("ascii")
    if len(data) % 2:
        last = data[-1]
        text += _B45[last % 45] + _B45[last // 45]
    return text


def deflate(data: bytes) -> bytes:
    """zlib at level 9 with a 4 KiB window and a small match table. A certificate is a few
    hundred bytes, so it compresses to the same length as with zlib's defaults (a test
    checks on the EU's test certificates), while the defaults set up a 256 KiB state for every
    call, which cost as much as the signature. Any inflater reads it (the window is in the
    zlib header)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 12, 4)
    return packer.compress(data) + packer.flush()


def encode(cose: bytes) -> str:
    return PREFIX + b45encode(deflate(cose))


def issue(signer: Signer, hcert: dict[str, Any], *, issued_at: datetime, expires_at: datetime) -> str:
    """The ``HC1:`` string; ``exp`` never beyond the signer's certificate."""
    expires_at = min(expires_at, signer.not_after)
    claims = cwt_claims(hcert, issuer=signer.issuer_country, issued_at=issued_at, expires_at=expires_at)
    return encode(signer.sign(claims))


# --- Verifying -------------------------------------------------------------------------------


class Invalid(Exception):
    """Why a certificate is refused: ``code`` is a ``VaccinationError``."""

    def __init__(self, code: VaccinationError) -> None:
        super().__init__(str(code.label))
        self.code = code


@dataclass(frozen=True)
class Verified:
    kid: bytes
    issuer: str
    issued_at: datetime | None
    expires_at: datetime | None
    hcert: dict[str, Any]


def _load(data: bytes, code: VaccinationError) -> Any:
    try:
        return cbor2.loads(data)
    except Exception as exc:  # cbor2 raises several kinds on bad input
        raise Invalid(code) from exc


def unwrap(hc1: str) -> bytes:
    """The COSE bytes inside an ``HC1:`` string (prefix, Base45, zlib)."""
    text = hc1.strip()
    if not text.startswith(PREFIX) or len(text) > MAX_HC1_CHARACTERS:
        raise Invalid(VaccinationError.BAD_PREFIX)
    try:
        compressed = base45.b45decode(text[len(PREFIX) :])
    except (ValueError, KeyError) as exc:
        raise Invalid(VaccinationError.BAD_BASE45) from exc
    inflater = zlib.decompressobj()
    try:
        cose = inflater.decompress(compressed, MAX_COSE_BYTES)
    except zlib.error as exc:
        raise Invalid(VaccinationError.BAD_COMPRESSION) from exc
    if inflater.unconsumed_tail or not inflater.eof:  # too large (a zip bomb), or cut short
        raise Invalid(VaccinationError.BAD_COMPRESSION)
    return cose


def _parts(cose: bytes) -> tuple[bytes, Mapping[Any, Any], Mapping[Any, Any], bytes, bytes]:
    message = _load(cose, VaccinationError.BAD_COSE)
    while isinstance(message, cbor2.CBORTag) and message.tag in (CWT_TAG, COSE_SIGN1_TAG):
        message = message.value
    if not (isinstance(message, list | tuple) and len(message) == 4):
        raise Invalid(VaccinationError.BAD_COSE)
    protected_bytes, unprotected, payload, signature = message
    if not isinstance(protected_bytes, bytes) or not isinstance(payload, bytes) or not isinstance(signature, bytes):
        raise Invalid(VaccinationError.BAD_COSE)
    protected = _load(protected_bytes, VaccinationError.BAD_COSE) if protected_bytes else {}
    if not isinstance(protected, Mapping) or not isinstance(unprotected, Mapping):
        raise Invalid(VaccinationError.BAD_COSE)
    return protected_bytes, protected, unprotected, payload, signature


def _check_signature(certificate: x509.Certificate, algorithm: Any, to_sign: bytes, signature: bytes) -> None:
    key = certificate.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey) and algorithm == ES256 and len(signature) == 64:
            der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
            key.verify(der, to_sign, ec.ECDSA(hashes.SHA256()))
            return
        if isinstance(key, rsa.RSAPublicKey) and algorithm == PS256:
            key.verify(
                signature,
                to_sign,
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO),
                hashes.SHA256(),
            )
            return
    except InvalidSignature as exc:
        raise Invalid(VaccinationError.BAD_SIGNATURE) from exc
    raise Invalid(VaccinationError.BAD_SIGNATURE)


def _check_key_usage(certificate: x509.Certificate, hcert: dict[str, Any]) -> None:
    try:
        usages = {u.dotted_string for u in certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value}
    except (x509.ExtensionNotFound, ValueError):  # none, or an empty one (the test data has it)
        return
    allowed = {kind for kind, oids in _EKU_OF_KIND.items() if oids & usages}
    if not allowed:
        return  # a signer without DCC usages may sign every kind
    kinds = {kind for kind in _EKU_OF_KIND if kind in hcert}
    if not kinds <= allowed:
        raise Invalid(VaccinationError.WRONG_KEY_USAGE)


def _check_schema(hcert: dict[str, Any]) -> None:
    """The shape the schema requires: a version, a name with its transliteration, a birth
    date, and exactly one entry of exactly one kind (vaccination, test or recovery)."""
    nam = hcert.get("nam")
    entries = [hcert[kind] for kind in _EKU_OF_KIND if kind in hcert]
    if (
        not isinstance(hcert.get("ver"), str)
        or not isinstance(nam, dict)
        or not isinstance(nam.get("fnt"), str)
        or not isinstance(hcert.get("dob"), str)
        or len(entries) != 1
        or not isinstance(entries[0], list)
        or len(entries[0]) != 1
        or not isinstance(entries[0][0], dict)
    ):
        raise Invalid(VaccinationError.NOT_DCC_SCHEMA)


def _plain(value: Any) -> Any:
    """CBOR maps and arrays as JSON's dicts and lists (cbor2 may give frozen ones)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _time(value: Any) -> datetime | None:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return None


def verify(hc1: str, trusted: dict[bytes, x509.Certificate], *, now: datetime) -> Verified:
    """Decode and check ``hc1`` against the trusted DSCs (by kid); raises ``Invalid``."""
    cose = unwrap(hc1)
    protected_bytes, protected, unprotected, payload, signature = _parts(cose)
    kid = protected.get(4) if 4 in protected else unprotected.get(4)
    algorithm = protected.get(1, unprotected.get(1))
    if not isinstance(kid, bytes):
        raise Invalid(VaccinationError.UNKNOWN_KID)
    certificate = trusted.get(kid)
    if certificate is None:
        raise Invalid(VaccinationError.UNKNOWN_KID)
    to_sign = cbor2.dumps(["Signature1", protected_bytes, b"", payload])
    _check_signature(certificate, algorithm, to_sign, signature)
    claims = _load(payload, VaccinationError.BAD_CWT)
    while isinstance(claims, cbor2.CBORTag):
        claims = claims.value
    if (
        not isinstance(claims, Mapping)
        or not isinstance(claims.get(-260), Mapping)
        or not isinstance(claims[-260].get(1), Mapping)
    ):
        raise Invalid(VaccinationError.BAD_CWT)
    hcert = _plain(claims[-260][1])
    _check_schema(hcert)
    _check_key_usage(certificate, hcert)
    issued_at, expires_at = _time(claims.get(6)), _time(claims.get(4))
    if issued_at is not None and issued_at > now:
        raise Invalid(VaccinationError.NOT_YET_VALID)
    if expires_at is not None and expires_at < now:
        raise Invalid(VaccinationError.EXPIRED)
    return Verified(kid=kid, issuer=str(claims.get(1, "")), issued_at=issued_at, expires_at=expires_at, hcert=hcert)
