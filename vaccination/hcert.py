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
from functools import cache, lru_cache, partial
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
_LUHN_N = len(_LUHN_CHARS)
# What each character adds to the sum: as it is, or doubled (its digits summed in base N).
_LUHN_SINGLE = {char: code for code, char in enumerate(_LUHN_CHARS)}
_LUHN_DOUBLED = {char: 2 * code // _LUHN_N + 2 * code % _LUHN_N for code, char in enumerate(_LUHN_CHARS)}


def luhn_mod_n(text: str) -> str:
    """The check character of a UVCI (Luhn mod N over ``A-Z0-9/:``, the DCC schema FAQ): from
    the right, every other character doubled, starting with the last."""
    try:
        total = sum(map(_LUHN_DOUBLED.__getitem__, text[::-2])) + sum(map(_LUHN_SINGLE.__getitem__, text[-2::-2]))
    except KeyError as exc:
        raise ValueError(f"not a UVCI character: {exc}") from exc
    return _LUHN_CHARS[(_LUHN_N - total % _LUHN_N) % _LUHN_N]


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

# --- CBOR, written directly ---------------------------------------------------------------------
#
# The claims of a certificate have one shape, so their CBOR is written as a template: the
# fixed bytes (map and array heads, keys) as constants and each value with its head. The
# maps are in the deterministic order (RFC 8949 4.2.1, which for these keys is also RFC
# 7049's canonical order): the same bytes as ``cbor2.dumps(..., canonical=True)`` (a test
# compares them), in a fraction of an encoder's time.


def _head(major: int, n: int) -> bytes:
    """The head of a CBOR item of major type ``major`` with argument ``n`` (RFC 8949 3)."""
    m = major << 5
    if n < 24:
        return bytes((m | n,))
    if n < 0x100:
        return bytes((m | 24, n))
    if n < 0x10000:
        return bytes((m | 25,)) + n.to_bytes(2, "big")
    if n < 0x100000000:
        return bytes((m | 26,)) + n.to_bytes(4, "big")
    return bytes((m | 27,)) + n.to_bytes(8, "big")


_TEXT_HEADS = tuple(bytes((0x60 | n,)) for n in range(24))


def _text(value: str) -> bytes:
    data = value.encode()
    n = len(data)
    return (_TEXT_HEADS[n] if n < 24 else _head(3, n)) + data


_SMALL_INTS = tuple(bytes((n,)) for n in range(24))


def _int(value: int) -> bytes:
    if type(value) is not int:  # a bool is an int too, but CBOR's true or false
        raise TypeError(value)
    if 0 <= value < 24:
        return _SMALL_INTS[value]
    return _head(0, value) if value >= 0 else _head(1, -1 - value)


def _bstr(data: bytes) -> bytes:
    """``data`` as a CBOR byte string (major type 2): its length header, then the bytes."""
    return _head(2, len(data)) + data


# The values most certificates share (country, issuer, product, holder, disease, version),
# encoded once.
_shared_text = lru_cache(maxsize=512)(_text)

# The CWT's map {1: iss, 4: exp, 6: iat, -260: {1: HCERT}}, the HCERT's {"v": [{...}], "dob",
# "nam", "ver"}, its vaccination's ten keys and the name's two or four, in that order.
_CLAIMS_HEAD = b"\xa4\x01"
_HCERT_HEAD = b"\x39\x01\x03\xa1\x01\xa4\x61v\x81\xaa\x62ci"


def claims_cbor(payload: Mapping[str, Any], *, issuer: str, issued_at: int, expires_at: int) -> bytes:
    """The CWT's CBOR, deterministic, times in seconds since the epoch: the HCERT of one
    vaccination (the shape ``hcert_payload`` makes) from the template, any other shape by
    cbor2."""
    try:
        nam = payload["nam"]
        entries = payload["v"]
        v = entries[0]
        if len(payload) != 4 or type(entries) is not list or len(entries) != 1 or len(v) != 10:
            raise ValueError("not the shape of a vaccination")
        if len(nam) == 4:
            name = b"".join(
                (b"\xa4\x62fn", _text(nam["fn"]), b"\x62gn", _text(nam["gn"]),
                 b"\x63fnt", _text(nam["fnt"]), b"\x63gnt", _text(nam["gnt"]))
            )  # fmt: skip
        elif len(nam) == 2:
            name = b"".join((b"\xa2\x62fn", _text(nam["fn"]), b"\x63fnt", _text(nam["fnt"])))
        else:
            raise ValueError("not the shape of a name")
        return b"".join(
            (
                _CLAIMS_HEAD, _shared_text(issuer), b"\x04", _int(expires_at), b"\x06", _int(issued_at),
                _HCERT_HEAD, _text(v["ci"]), b"\x62co", _shared_text(v["co"]),
                b"\x62dn", _int(v["dn"]), b"\x62dt", _text(v["dt"]), b"\x62is", _shared_text(v["is"]),
                b"\x62ma", _shared_text(v["ma"]), b"\x62mp", _shared_text(v["mp"]), b"\x62sd", _int(v["sd"]),
                b"\x62tg", _shared_text(v["tg"]), b"\x62vp", _shared_text(v["vp"]),
                b"\x63dob", _text(payload["dob"]), b"\x63nam", name, b"\x63ver", _shared_text(payload["ver"]),
            )
        )  # fmt: skip
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):  # another shape: the general encoder
        return cbor2.dumps({1: issuer, 4: expires_at, 6: issued_at, -260: {1: payload}}, canonical=True)


def cwt_claims(hcert: dict[str, Any], *, issuer: str, issued_at: datetime, expires_at: datetime) -> bytes:
    return claims_cbor(
        hcert, issuer=issuer, issued_at=int(issued_at.timestamp()), expires_at=int(expires_at.timestamp())
    )


# --- COSE_Sign1 --------------------------------------------------------------------------------

# The head of a byte string of each length: certificates come in a few hundred lengths.
_bstr_head = lru_cache(maxsize=1024)(partial(_head, 2))

# The fixed parts of the two structures the signer writes around each payload (RFC 8152):
# the Sig_structure ["Signature1", protected, external_aad b"", payload] and the tagged
# COSE_Sign1 18([protected, {}, payload, signature]). cbor2 gives the same bytes (a test
# compares them).
_SIG_STRUCTURE_HEAD = b"\x84\x6aSignature1"
_EMPTY_BSTR = b"\x40"
_COSE_SIGN1_HEAD = b"\xd2\x84"
_EMPTY_MAP = b"\xa0"
_SIGNATURE_HEAD = b"\x58\x40"  # a byte string of 64 bytes


def raw_signature(der: bytes) -> bytes:
    """ECDSA's DER ``SEQUENCE {INTEGER r, INTEGER s}`` as COSE's r‖s, 32 bytes each. Read
    by slicing (each integer is 1 to 33 bytes: a leading zero when its top bit is set);
    anything else goes through ``decode_dss_signature``."""
    r_len = der[3]
    r_end = 4 + r_len
    if der[0] == 0x30 and der[2] == 0x02 and r_len <= 33 and len(der) > r_end + 1 and der[r_end] == 0x02:
        s_len = der[r_end + 1]
        if s_len <= 33 and r_end + 2 + s_len == len(der):
            return der[4:r_end][-32:].rjust(32, b"\0") + der[r_end + 2 :][-32:].rjust(32, b"\0")
    r_int, s_int = decode_dss_signature(der)
    return r_int.to_bytes(32, "big") + s_int.to_bytes(32, "big")


@dataclass
class Signer:
    """A loaded document signer: its private key, kid and validity."""

    private_key: ec.EllipticCurvePrivateKey
    kid: bytes
    not_after: datetime
    issuer_country: str
    protected: bytes = field(init=False)
    _to_sign_head: bytes = field(init=False, repr=False)
    _message_head: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.protected = cbor2.dumps({1: ES256, 4: self.kid})
        protected = _bstr(self.protected)
        self._to_sign_head = _SIG_STRUCTURE_HEAD + protected + _EMPTY_BSTR
        self._message_head = _COSE_SIGN1_HEAD + protected + _EMPTY_MAP

    def sign(self, payload: bytes) -> bytes:
        """The COSE_Sign1 message (tag 18) of ``payload`` (the CWT's CBOR)."""
        head = _bstr_head(len(payload))
        der = self.private_key.sign(b"".join((self._to_sign_head, head, payload)), _ES256_SIGNING)
        return b"".join((self._message_head, head, payload, _SIGNATURE_HEAD, raw_signature(der)))


# --- zlib and Base45 ---------------------------------------------------------------------------

_B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


@cache
def _b45_table() -> np.ndarray[Any, np.dtype[np.bytes_]]:
    """The three Base45 characters of every two-byte value (RFC 9285: low digit first), one
    3-byte item each: 196 KB built once."""
    alphabet = _B45.encode("ascii")
    triples = b"".join(bytes((alphabet[n % 45], alphabet[n // 45 % 45], alphabet[n // 2025])) for n in range(65536))
    return np.frombuffer(triples, dtype="S3")


_BIG_ENDIAN_PAIRS = np.dtype(">u2")
# The two Base45 characters of a last odd byte (RFC 9285: low digit first).
_B45_LAST = tuple(_B45[n % 45] + _B45[n // 45] for n in range(256))


def b45encode(data: bytes) -> str:
    """Base45 (RFC 9285) by one table look-up per two bytes (numpy's ``take``): the same text
    as ``base45.b45encode`` (a test compares them) in a fraction of its time."""
    text = _b45_table().take(np.frombuffer(data, _BIG_ENDIAN_PAIRS, len(data) >> 1)).tobytes().decode("ascii")
    return text + _B45_LAST[data[-1]] if len(data) & 1 else text


# The zlib header (RFC 1950: deflate, a 32 KiB window, no dictionary; 0x7801 a multiple of
# 31) and the head of one final stored block (RFC 1951 3.2.4: BFINAL 1, BTYPE 00).
_STORED_HEAD = b"\x78\x01\x01"
_STORED_MOST = 0xFFFF  # the longest stored block


def deflate(data: bytes) -> bytes:
    """The zlib stream (RFC 1950: its header, deflate, Adler-32) of ``data`` as one stored
    block: the bytes ``zlib.compress(data, 0)`` writes (a test compares them) in a third of
    its time, and what zlib writes at any level for data it cannot shrink. A certificate
    can hardly be shrunk: its signature, key id and UVCI are random, and Huffman coding the
    rest saved 1.2 bytes of its 375 on average (docs/BENCHMARKS.md, Certificates) for as
    long as half the signature takes. Every inflater reads it, the EU's verifiers
    included: the specification asks for ZLIB (RFC 1950) with Deflate (RFC 1951), and a
    stored block is one of Deflate's three kinds of block."""
    n = len(data)
    if n > _STORED_MOST:
        return zlib.compress(data, 0)
    return b"".join(
        (_STORED_HEAD, (n | (n ^ 0xFFFF) << 16).to_bytes(4, "little"), data, zlib.adler32(data).to_bytes(4, "big"))
    )


def encode(cose: bytes) -> str:
    return PREFIX + b45encode(deflate(cose))


def issue(signer: Signer, hcert: dict[str, Any], *, issued_at: datetime, expires_at: datetime) -> str:
    """The ``HC1:`` string; ``exp`` never beyond the signer's certificate."""
    expires_at = min(expires_at, signer.not_after)
    claims = claims_cbor(
        hcert,
        issuer=signer.issuer_country,
        issued_at=int(issued_at.timestamp()),
        expires_at=int(expires_at.timestamp()),
    )
    return PREFIX + b45encode(deflate(signer.sign(claims)))


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
