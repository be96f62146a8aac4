"""The EU Digital COVID Certificate: what it holds, how it is signed, that it round-trips
through our verifier, and that the EU's public test data is read as the EU expects."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import base45
import cbor2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from tests.vaccination.conftest import dose_in
from truyvet.accounts.models import User
from truyvet.lib.errors import DomainError
from truyvet.people.models import Person
from vaccination import hcert
from vaccination.certificates import certificate_for, current_dsc, trust_list, verify
from vaccination.errors import VaccinationError
from vaccination.models import DocumentSigner, Site
from vaccination.services import dose_record, signer_rotate

TESTDATA = Path(__file__).resolve().parent / "dgc_testdata"


def _claims(hc1: str) -> tuple[dict, dict, bytes]:
    cose = cbor2.loads(zlib.decompress(base45.b45decode(hc1[4:])))
    assert cose.tag == 18
    protected, _unprotected, payload, signature = cose.value
    assert len(signature) == 64
    return cbor2.loads(protected), cbor2.loads(payload), signature


@pytest.mark.django_db
def test_the_certificate_carries_the_latest_dose_as_the_eu_schema_says(
    vaccinator: User, site: Site, person: Person
) -> None:
    first = dose_record(user=vaccinator, data=dose_in(person, site))
    dose_record(
        user=vaccinator,
        data=dose_in(person, site, dose_number=2, administered_on=first.administered_on + timedelta(days=28)),
    )
    now = timezone.now()
    certificate = certificate_for(person, now=now)
    assert certificate.hc1.startswith("HC1:") and certificate.doses == 2
    protected, claims, _signature = _claims(certificate.hc1)
    dsc = x509.load_pem_x509_certificate(DocumentSigner.objects.get(signing=True).certificate_pem.encode())
    assert protected == {1: -7, 4: hashlib.sha256(dsc.public_bytes(Encoding.DER)).digest()[:8]}
    assert claims[1] == "VN" and claims[6] == int(now.timestamp())
    assert claims[4] == int((now + relativedelta(months=12)).timestamp())
    payload = claims[-260][1]
    assert payload["ver"] == "1.3.0"
    assert payload["nam"] == {"fn": "Nguyễn", "fnt": "NGUYEN", "gn": "Văn An", "gnt": "VAN<AN"}
    assert payload["dob"] == "1990-05-17"
    (entry,) = payload["v"]
    assert {k: entry[k] for k in ("tg", "vp", "mp", "ma", "dn", "sd", "co")} == {
        "tg": "840539006",
        "vp": "1119349007",
        "mp": "EU/1/20/1528",
        "ma": "ORG-100030215",
        "dn": 2,
        "sd": 2,
        "co": "VN",
    }
    assert entry["dt"] == (first.administered_on + timedelta(days=28)).isoformat()
    assert entry["ci"].startswith("URN:UVCI:01:VN:TV")
    assert entry["ci"][-1] == hcert.luhn_mod_n(entry["ci"][:-2])


@pytest.mark.django_db
def test_our_certificate_round_trips_through_the_verifier(vaccinator: User, site: Site, person: Person) -> None:
    dose_record(user=vaccinator, data=dose_in(person, site))
    verified = verify(certificate_for(person).hc1)
    assert verified.hcert["nam"]["fnt"] == "NGUYEN"


@pytest.mark.django_db
def test_a_person_without_a_dose_has_no_certificate(person: Person) -> None:
    with pytest.raises(DomainError) as caught:
        certificate_for(person)
    assert caught.value.code == VaccinationError.NO_DOSES


@pytest.mark.django_db
def test_the_validity_never_goes_beyond_the_signing_certificate(vaccinator: User, site: Site, person: Person) -> None:
    dose_record(user=vaccinator, data=dose_in(person, site))
    signer_rotate(now=datetime.now(UTC) - timedelta(days=725))  # 5 days left
    certificate = certificate_for(person)
    assert certificate.expires_at <= DocumentSigner.objects.get(signing=True).not_after


@pytest.mark.django_db
def test_after_rotation_old_certificates_still_verify_and_new_ones_use_the_new_key(
    vaccinator: User, site: Site, person: Person
) -> None:
    dose_record(user=vaccinator, data=dose_in(person, site))
    old = certificate_for(person).hc1
    signer_rotate()
    new = certificate_for(person).hc1
    assert verify(old).kid != verify(new).kid
    assert len(trust_list()) == 2
    assert current_dsc()["kid"] == base64.b64encode(verify(new).kid).decode()


@pytest.mark.django_db
def test_a_tampered_certificate_fails_its_signature(vaccinator: User, site: Site, person: Person) -> None:
    dose_record(user=vaccinator, data=dose_in(person, site))
    cose = cbor2.loads(zlib.decompress(base45.b45decode(certificate_for(person).hc1[4:])))
    protected, unprotected, payload, signature = cose.value
    claims = cbor2.loads(payload)
    claims[-260][1]["nam"]["fnt"] = "TRAN"
    forged = cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, cbor2.dumps(claims), signature]))
    with pytest.raises(DomainError) as caught:
        verify(hcert.encode(forged))
    assert caught.value.code == VaccinationError.BAD_SIGNATURE


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Nguyễn", "NGUYEN"),
        ("Văn An", "VAN<AN"),
        ("Đặng Thị Hường", "DANG<THI<HUONG"),
        ("Musterfrau-Gößinger", "MUSTERFRAU<GOESSINGER"),
    ],
)
def test_names_are_transliterated_as_icao_9303_says(name: str, expected: str) -> None:
    assert hcert.icao_transliterate(name) == expected


def test_the_uvci_check_character_is_luhn_mod_n() -> None:
    assert hcert.uvci("VN", "TV", "ABC").startswith("URN:UVCI:01:VN:TVABC#")
    body = "URN:UVCI:01:VN:TVABC"
    assert hcert.uvci("VN", "TV", "ABC") == f"{body}#{hcert.luhn_mod_n(body)}"


# --- The EU's public test data (dgc-testdata, common/2DCode/raw; Apache 2.0, see LICENSE) ---

CASES = sorted(path.name for path in TESTDATA.glob("*.json") if path.name != "Q1.json")  # Q1 is a picture test


@pytest.mark.parametrize("name", CASES)
def test_the_eu_common_test_data_verifies_as_expected(name: str) -> None:
    case = json.loads((TESTDATA / name).read_text())
    context, expected = case["TESTCTX"], case["EXPECTEDRESULTS"]
    certificate = x509.load_der_x509_certificate(base64.b64decode(context["CERTIFICATE"]))
    clock = datetime.fromisoformat(context["VALIDATIONCLOCK"].replace("Z", "+00:00"))
    should_pass = all(expected.get(key, True) for key in expected if key != "EXPECTEDPICTUREDECODE")
    try:
        hcert.verify(case.get("PREFIX", ""), {hcert.kid_of(certificate): certificate}, now=clock)
        passed = True
    except hcert.Invalid:
        passed = False
    assert passed == should_pass, context["DESCRIPTION"]


def test_the_uvci_check_character_matches_the_eu_examples() -> None:
    austrian = json.loads((TESTDATA / "CO1.json").read_text())["JSON"]["v"][0]["ci"]
    assert austrian == "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B"
    assert hcert.uvci("AT", "", "10807843F94AEE0EE5093FBC254BD813") == austrian
    assert hcert.luhn_mod_n("URN:UVCI:01:SE:EHM/V12907267LAJW") == "E"  # the schema FAQ's example


def test_our_base45_is_the_same_text_as_the_base45_library() -> None:
    import os

    for size in [*range(0, 120), 371, 372, 700]:
        data = os.urandom(size)
        assert hcert.b45encode(data) == base45.b45encode(data).decode("ascii")
        assert hcert.b45encode(bytearray(data)) == base45.b45encode(data).decode("ascii")


def test_a_certificate_is_one_stored_block_in_a_zlib_stream_as_zlib_writes_it() -> None:
    import os

    cases = [json.loads(path.read_text()) for path in sorted(TESTDATA.glob("*.json"))]
    coses = [bytes.fromhex(case["COSE"]) for case in cases if case.get("COSE")]
    assert coses
    for message in [*coses, b"", b"\0", *(os.urandom(size) for size in (1, 363, 4000))]:
        packed = hcert.deflate(message)
        assert packed == zlib.compress(message, 0)  # the bytes zlib writes: header, stored block, Adler-32
        assert zlib.decompress(packed) == message
        assert len(packed) == len(message) + 11
    most = os.urandom(0xFFFF)  # the most one block holds (zlib itself splits it in two)
    assert zlib.decompress(hcert.deflate(most)) == most and len(hcert.deflate(most)) == 0xFFFF + 11
    longer = os.urandom(0x10000)  # longer than one stored block holds: zlib writes several
    assert zlib.decompress(hcert.deflate(longer)) == longer


def test_an_issued_certificate_inflates_with_a_streaming_inflater_as_verifiers_read_it() -> None:
    from vaccination.signers import make_signer, signer_from_pem

    files = make_signer(country="VN")
    signer = signer_from_pem(files.certificate_pem, files.private_key_pem)
    now = datetime.now(UTC)
    hc1 = hcert.issue(signer, _vaccination("Nguyễn Văn An", date(1990, 5, 17)), issued_at=now, expires_at=now)
    packed = base45.b45decode(hc1[len(hcert.PREFIX) :])
    assert packed[:2] == b"\x78\x01"  # what verifiers look for to tell a zlib stream
    inflater = zlib.decompressobj(-15)  # raw deflate after the 2-byte header, as some verifiers do
    cose = inflater.decompress(packed[2:])
    assert inflater.eof and inflater.unused_data == zlib.adler32(cose).to_bytes(4, "big")
    assert cbor2.loads(cose).tag == 18


def test_a_compressed_bomb_or_an_overlong_text_is_refused_without_inflating_it() -> None:
    bomb = hcert.PREFIX + hcert.b45encode(zlib.compress(b"\0" * 10_000_000, 9))
    with pytest.raises(hcert.Invalid) as caught:
        hcert.unwrap(bomb)
    assert caught.value.code in (VaccinationError.BAD_COMPRESSION, VaccinationError.BAD_PREFIX)
    with pytest.raises(hcert.Invalid):
        hcert.unwrap("HC1:" + "A" * 9000)


@pytest.mark.parametrize("size", [0, 23, 24, 255, 256, 70_000])
def test_the_cose_message_written_directly_is_what_a_cbor_encoder_writes(size: int) -> None:
    from vaccination.signers import make_signer, signer_from_pem

    files = make_signer(country="VN")
    signer = signer_from_pem(files.certificate_pem, files.private_key_pem)
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    raw = signer.sign(payload)
    message = cbor2.loads(raw)
    assert message.tag == 18
    protected, unprotected, body, signature = message.value
    assert (protected, unprotected, body) == (signer.protected, {}, payload)
    assert cbor2.dumps(message) == raw  # the same bytes as cbor2's
    # The signature is over the Sig_structure as cbor2 encodes it.
    to_sign = cbor2.dumps(["Signature1", signer.protected, b"", payload])
    certificate = x509.load_pem_x509_certificate(files.certificate_pem.encode())
    hcert._check_signature(certificate, hcert.ES256, to_sign, signature)


def _vaccination(
    name: str, born: date | None, *, issuer: str = "Bộ Y tế / Ministry of Health, Viet Nam", dose: int = 2
) -> dict[str, Any]:
    entry = hcert.VaccinationEntry(
        prophylaxis="1119349007",
        product="EU/1/20/1528",
        manufacturer="ORG-100030215",
        dose_number=dose,
        total_doses=2,
        administered_on=date(2021, 9, 1),
        country="VN",
        issuer=issuer,
        uvci=hcert.uvci("VN", "TV", "WYOSN5T62MGMO23E"),
    )
    return hcert.hcert_payload(name, born, entry)


@pytest.mark.parametrize(
    ("name", "born", "issuer", "dose"),
    [
        ("Nguyễn Văn An", date(1990, 5, 17), "Bộ Y tế / Ministry of Health, Viet Nam", 2),
        ("An", None, "VN", 1),  # a family name alone, an unknown birth date
        ("", date(2001, 1, 1), "", 9),  # nothing to transliterate
        ("Tôn Nữ Thị " + "Hoàng Anh " * 10, date(1950, 12, 31), "Sở Y tế " * 40, 3),  # heads of 1 and 2 bytes
    ],
)
def test_the_claims_written_from_the_template_are_the_bytes_of_a_canonical_cbor_encoder(
    name: str, born: date | None, issuer: str, dose: int
) -> None:
    payload = _vaccination(name, born, issuer=issuer, dose=dose)
    for issued_at, expires_at in [(1_700_000_000, 1_731_536_000), (0, 23), (255, 65_536), (2**32, 2**40)]:
        written = hcert.claims_cbor(payload, issuer="VN", issued_at=issued_at, expires_at=expires_at)
        expected = {1: "VN", 4: expires_at, 6: issued_at, -260: {1: payload}}
        assert written == cbor2.dumps(expected, canonical=True)
        assert cbor2.loads(written) == expected


def test_claims_of_another_shape_are_written_by_the_general_encoder() -> None:
    payload = _vaccination("Nguyễn Văn An", date(1990, 5, 17))
    for other in [
        {**payload, "extra": 1},
        {**payload, "v": [{**payload["v"][0], "dn": True}]},  # a bool is CBOR's true, not 1
        {**payload, "nam": {"fnt": "NGUYEN"}},
        {"ver": "1.3.0", "nam": payload["nam"], "dob": "", "t": [{"tg": "840539006"}]},
    ]:
        written = hcert.claims_cbor(other, issuer="VN", issued_at=1, expires_at=2)
        assert written == cbor2.dumps({1: "VN", 4: 2, 6: 1, -260: {1: other}}, canonical=True)


@pytest.mark.parametrize("r", [1, 0x7F, 0x80, 2**248, 2**255 - 1, 2**255, 2**256 - 1])
@pytest.mark.parametrize("s", [1, 0xFF, 2**255 + 7, 2**256 - 2**224])
def test_the_signature_read_from_der_is_r_and_s_of_32_bytes(r: int, s: int) -> None:
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    assert hcert.raw_signature(encode_dss_signature(r, s)) == r.to_bytes(32, "big") + s.to_bytes(32, "big")


@pytest.mark.django_db
def test_a_process_keeps_its_signer_and_a_rotation_takes_over_at_once(
    vaccinator: User, site: Site, person: Person, settings, django_assert_num_queries, request: pytest.FixtureRequest
) -> None:
    from vaccination.signers import forget_signer

    request.addfinalizer(forget_signer)  # the signer kept is this test's: the database forgets it after
    settings.VACCINATION_SIGNER_CACHE_SECONDS = 60
    dose_record(user=vaccinator, data=dose_in(person, site))
    first = certificate_for(person)
    with django_assert_num_queries(1):  # the doses; the signer is the one kept
        certificate_for(person)
    rotated = signer_rotate()
    after = certificate_for(person)
    assert verify(after.hc1).kid == base64.b64decode(rotated.kid)
    assert verify(first.hc1).kid != verify(after.hc1).kid  # the earlier one still verifies
