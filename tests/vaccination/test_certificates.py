"""The EU Digital COVID Certificate: what it holds, how it is signed, that it round-trips
through our verifier, and that the EU's public test data is read as the EU expects."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

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

    for size in range(0, 120):
        data = os.urandom(size)
        assert hcert.b45encode(data) == base45.b45encode(data).decode("ascii")


def test_a_certificate_deflated_with_a_small_window_inflates_back_and_is_no_larger() -> None:
    cases = [json.loads(path.read_text()) for path in sorted(TESTDATA.glob("*.json"))]
    coses = [bytes.fromhex(case["COSE"]) for case in cases if case.get("COSE")]
    assert coses
    for cose in coses:
        packed = hcert.deflate(cose)
        assert zlib.decompress(packed) == cose
        assert len(packed) <= len(zlib.compress(cose, 9))


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


@pytest.mark.django_db
def test_a_process_keeps_its_signer_and_a_rotation_takes_over_at_once(
    vaccinator: User, site: Site, person: Person, settings, django_assert_num_queries
) -> None:
    settings.VACCINATION_SIGNER_CACHE_SECONDS = 60
    dose_record(user=vaccinator, data=dose_in(person, site))
    first = certificate_for(person)
    with django_assert_num_queries(1):  # the doses; the signer is the one kept
        certificate_for(person)
    rotated = signer_rotate()
    after = certificate_for(person)
    assert verify(after.hc1).kid == base64.b64decode(rotated.kid)
    assert verify(first.hc1).kid != verify(after.hc1).kid  # the earlier one still verifies
