"""The printable certificate: a PDF whose QR code, read back from the page image, is the
person's EU DCC; for the citizen's household and for staff, never for others."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import signed_in
from tests.factories import PersonFactory
from tests.vaccination.conftest import dose_in
from truyvet.accounts.models import User
from truyvet.lib.qrdecode import decode_qr_image
from truyvet.people.models import Person
from vaccination.certificate_pdf import qr_matrix
from vaccination.certificates import verify
from vaccination.models import Site
from vaccination.services import dose_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def vaccinated(vaccinator: User, site: Site, citizen: User) -> Person:
    person = PersonFactory(phone=citizen.phone, full_name="Trần Thị Bình")
    dose_record(user=vaccinator, data=dose_in(person, site))
    return person


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")
def test_the_pdf_holds_the_certificate_qr_readable_from_the_page(
    citizen: User, vaccinated: Person, tmp_path: Path
) -> None:
    response = signed_in(citizen).get(f"/vaccination/certificates/{vaccinated.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(response.content)
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    text = decode_qr_image((tmp_path / "page.png").read_bytes())
    assert text is not None and text.startswith("HC1:")
    # The certificate read from the paper verifies, and is this person's.
    verified = verify(text)
    assert verified.hcert["nam"]["fnt"] == "TRAN" and verified.hcert["v"][0]["dn"] == 1
    # Vietnamese first, then English; the Vietnamese letters are embedded (DejaVu).
    subprocess.run(["pdftotext", str(pdf), str(tmp_path / "page.txt")], check=True)
    words = (tmp_path / "page.txt").read_text()
    assert "GIẤY CHỨNG NHẬN TIÊM CHỦNG COVID-19" in words and "Trần Thị Bình" in words
    assert words.index("Họ và tên") < words.index("Name")


def test_the_qr_is_alphanumeric_with_error_correction_q() -> None:
    import qrcode.constants
    import qrcode.util

    text = "HC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEXWK G2EP4J0BGJLFX3R3VHXK.PJ:2DPF6R:5SVBHABVCNN95SW"
    matrix = qr_matrix(text)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=0)
    code.add_data(qrcode.util.QRData(text, mode=qrcode.util.MODE_ALPHA_NUM))
    code.make(fit=True)
    assert matrix == [list(row) for row in code.get_matrix()]
    assert qrcode.util.QRData(text).mode == qrcode.util.MODE_ALPHA_NUM


def test_staff_with_a_site_print_it_and_the_read_is_logged(vaccinator_client: Client, vaccinated: Person) -> None:
    from truyvet.lib.audit import AuditEvent

    response = vaccinator_client.get(f"/vaccination/certificates/{vaccinated.pk}.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="vaccination.doses_read", person_id=vaccinated.pk).exists()


def test_nobody_else_gets_the_pdf(
    vaccinated: Person, outsider_client: Client, client: Client, venue_owner_client: Client
) -> None:
    stranger = signed_in(User.objects.create(username="citizen2", role="citizen", phone="+84987654321"))
    assert stranger.get(f"/vaccination/certificates/{vaccinated.pk}.pdf").status_code == 404
    assert outsider_client.get(f"/vaccination/certificates/{vaccinated.pk}.pdf").status_code == 404
    assert venue_owner_client.get(f"/vaccination/certificates/{vaccinated.pk}.pdf").status_code == 404
    assert client.get(f"/vaccination/certificates/{vaccinated.pk}.pdf").status_code == 302


def test_no_pdf_without_a_dose(citizen: User) -> None:
    person = PersonFactory(phone=citizen.phone)
    assert signed_in(citizen).get(f"/vaccination/certificates/{person.pk}.pdf").status_code == 404
