"""The printable certificate: one A4 page, Vietnamese first and English second on every
line (the paper is shown abroad as well as at home, whatever the language of the screen),
with the EU DCC QR code drawn as vector squares (alphanumeric mode, error correction Q, as
the certificate page shows it), the person's doses and the certificate's identifier.

reportlab (already a requirement, for the daily report) with DejaVu Sans, which has every
Vietnamese letter (``VACCINATION_PDF_FONT``, Debian's fonts-dejavu-core; ``bin/test-deps``
installs it). The labels are fixed bilingual text, not gettext: the document is bilingual
by design."""

from __future__ import annotations

import io
from functools import cache

import qrcode
import qrcode.constants
import qrcode.util
from django.conf import settings
from django.utils import formats, timezone

from truyvet.people.models import Person
from vaccination import valuesets
from vaccination.certificates import Certificate
from vaccination.models import Dose

FONT, FONT_BOLD = "TruyvetCertSans", "TruyvetCertSans-Bold"


@cache
def _fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(settings.VACCINATION_PDF_FONT)))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(settings.VACCINATION_PDF_FONT_BOLD)))
    return FONT, FONT_BOLD


def qr_matrix(text: str) -> list[list[bool]]:
    """The modules of the certificate's QR: alphanumeric mode (Base45 is QR's alphanumeric
    alphabet), error correction Q, no quiet zone (the page leaves white around it)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=0)
    code.add_data(qrcode.util.QRData(text, mode=qrcode.util.MODE_ALPHA_NUM))
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def certificate_pdf(person: Person, doses: list[Dose], certificate: Certificate) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    regular, bold = _fonts()
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    page.setTitle("Giấy chứng nhận tiêm chủng COVID-19 / COVID-19 vaccination certificate")
    page.setAuthor(settings.VACCINATION_DCC_ISSUER)
    width, height = A4
    left = 20 * mm
    y = height - 25 * mm

    def line(vi: str, en: str, value: str = "", *, size: float = 10) -> None:
        nonlocal y
        page.setFont(bold, size)
        page.drawString(left, y, vi)
        page.setFont(regular, size - 1.5)
        page.setFillGray(0.35)
        page.drawString(left, y - size, en)
        page.setFillGray(0)
        if value:
            page.setFont(bold, size + 1)
            page.drawString(left + 62 * mm, y - size / 2, value)
        y -= size * 2 + 5

    page.setFont(bold, 12)
    page.drawCentredString(width / 2, y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    y -= 14
    page.setFont(regular, 9)
    page.drawCentredString(width / 2, y, "Socialist Republic of Viet Nam")
    y -= 26
    page.setFont(bold, 17)
    page.drawCentredString(width / 2, y, "GIẤY CHỨNG NHẬN TIÊM CHỦNG COVID-19")
    y -= 18
    page.setFont(regular, 12)
    page.drawCentredString(width / 2, y, "COVID-19 Vaccination Certificate")
    y -= 30

    # The QR code, centred, about 70 mm: a phone reads it from the paper at arm's length.
    matrix = qr_matrix(certificate.hc1)
    size = 70 * mm
    module = size / len(matrix)
    top = y
    x0 = (width - size) / 2
    page.setFillGray(0)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                page.rect(x0 + c * module, top - (r + 1) * module, module, module, stroke=0, fill=1)
    y = top - size - 20

    line("Họ và tên", "Name", person.full_name, size=11)
    born = formats.date_format(person.date_of_birth, "d/m/Y") if person.date_of_birth else "—"
    line("Ngày sinh", "Date of birth", born)
    line("Mã chứng nhận", "Certificate identifier", certificate.uvci)
    until = formats.date_format(timezone.localtime(certificate.expires_at), "d/m/Y")
    line("Có giá trị đến", "Valid until", until)
    line("Cơ quan cấp", "Issued by", settings.VACCINATION_DCC_ISSUER)

    y -= 4
    page.setFont(bold, 10)
    page.drawString(left, y, "Các mũi đã tiêm / Doses received")
    y -= 16
    products = valuesets.products()
    columns = [
        (0, "Mũi / Dose"),
        (24 * mm, "Ngày / Date"),
        (50 * mm, "Vắc xin / Vaccine"),
        (108 * mm, "Lô / Lot"),
        (128 * mm, "Nơi tiêm / Site"),
    ]
    page.setFont(bold, 8.5)
    for offset, title in columns:
        page.drawString(left + offset, y, title)
    y -= 13
    page.setFont(regular, 8.5)
    for dose in doses:
        product = products[dose.product].display if dose.product in products else dose.product
        cells = [
            f"{dose.dose_number}/{dose.total_doses}",
            formats.date_format(dose.administered_on, "d/m/Y"),
            product[:34],
            dose.lot[:12],
            dose.site.name[:26],
        ]
        for (offset, _title), text in zip(columns, cells, strict=True):
            page.drawString(left + offset, y, text)
        y -= 12
        if y < 30 * mm:
            break

    page.setFont(regular, 7.5)
    page.setFillGray(0.35)
    page.drawString(
        left, 15 * mm, "Mã QR theo định dạng Chứng nhận COVID số của EU; quét để kiểm tra tại /vaccination/verify/."
    )
    page.drawString(left, 11 * mm, "The QR code follows the EU Digital COVID Certificate format; scan it to verify it.")
    page.showPage()
    page.save()
    return buffer.getvalue()
