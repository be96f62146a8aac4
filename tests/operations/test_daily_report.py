"""The steering committee's daily report: made by the morning task once per day, its PDF
and XLSX readable with the day's figures, kept, and sent to the configured addresses."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from checkpoints.models import Passage
from contacts.models import Case, Source
from declarations.models import Declaration
from operations.models import DailyReport, LabDailyCount, MedicalFacility, ResourceReport
from operations.report import _sos_rows
from operations.tasks import daily_report
from relief.models import HelpStatus
from tests.factories import CaseFactory, CheckpointFactory, PersonFactory, home_ward
from tests.relief.conftest import make_request
from truyvet.lib.days import day_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def yesterday_figures(laboratory, hospital):  # type: ignore[no-untyped-def]
    """Yesterday: a community case in ward A, a laboratory's count, a hospital's beds, a
    declaration and two passages at a checkpoint."""
    yesterday = timezone.localdate() - timedelta(days=1)
    noon = day_start(yesterday) + timedelta(hours=12)
    person = PersonFactory(ward=home_ward(0))
    made = CaseFactory(person=person, confirmed_at=noon, source=Source.LOCAL)
    Case.objects.filter(pk=made.pk).update(created_at=noon)
    LabDailyCount.objects.create(agency=laboratory, day=yesterday, tests=640, positives=12)
    facility = MedicalFacility.objects.create(agency=hospital, name="Bệnh viện Đa khoa tỉnh")
    ResourceReport.objects.create(
        facility=facility,
        reported_at=noon,
        beds_total=500,
        beds_occupied=321,
        icu_total=20,
        icu_occupied=11,
        ventilators_total=15,
        ventilators_in_use=8,
        oxygen_cylinders=70,
        oxygen_tanks=1,
        doctors=40,
        nurses=90,
    )
    Declaration.objects.create(kind="daily", person=person, ward=home_ward(0), risk_level="green")
    Declaration.objects.filter(person=person).update(created_at=noon)
    checkpoint = CheckpointFactory(name="Chốt Ô Quy Hồ")
    for seq, direction in enumerate(("in", "in")):
        Passage.objects.create(
            client_id=f"8b0e2a4e-0000-4000-8000-00000000000{seq}",
            checkpoint=checkpoint,
            direction=direction,
            verdict="allow",
            scanned_at=noon,
        )
    return yesterday


def sheet(book, title: str):  # type: ignore[no-untyped-def]
    """A sheet by its section's title (a sheet's name is cut at 31 characters)."""
    return book[title[:31]]


def test_the_morning_task_makes_yesterdays_report_once_and_sends_it_once(
    yesterday_figures,
    settings: pytest.FixtureRequest,  # type: ignore[no-untyped-def]
) -> None:
    settings.OPERATIONS_REPORT_EMAILS = ["bcd@laichau.gov.vn", "syt@laichau.gov.vn"]  # type: ignore[attr-defined]
    first = daily_report()
    second = daily_report()
    assert first == second
    report = DailyReport.objects.get()
    assert report.day == yesterday_figures and report.sent_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["bcd@laichau.gov.vn", "syt@laichau.gov.vn"]
    assert sorted(name.rsplit(".", 1)[-1] for name, _content, _mime in message.attachments) == ["pdf", "xlsx"]


def test_without_addresses_the_report_is_kept_and_not_sent(yesterday_figures) -> None:  # type: ignore[no-untyped-def]
    daily_report()
    assert DailyReport.objects.get().sent_at is None and mail.outbox == []


def test_the_spreadsheet_holds_the_days_figures_by_area(yesterday_figures) -> None:  # type: ignore[no-untyped-def]
    report = DailyReport.objects.get(pk=daily_report())
    with report.xlsx.open("rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()), read_only=True)
    wards = {row[0]: row for row in sheet(book, "Theo xã, phường").iter_rows(min_row=2, values_only=True)}
    ward_a = wards[home_ward(0).name]
    assert ward_a[1:3] == (1, 1)  # one new case, a community case
    assert ward_a[9] == 1  # one declaration
    labs = list(sheet(book, "Xét nghiệm theo phòng xét nghiệm").iter_rows(min_row=2, values_only=True))
    assert labs[0][:3] == ("Khoa Xét nghiệm CDC", 640, 12)
    beds = list(sheet(book, "Nguồn lực y tế").iter_rows(min_row=2, values_only=True))
    assert beds[0][:2] == ("Bệnh viện Đa khoa tỉnh", "321/500")
    traffic = list(sheet(book, "Lưu lượng qua chốt").iter_rows(min_row=2, values_only=True))
    assert traffic[0][0] == "Chốt Ô Quy Hồ" and traffic[0][2:4] == (2, 0)
    sos = list(sheet(book, "Yêu cầu hỗ trợ SOS").iter_rows(min_row=2, values_only=True))
    assert len(sos) == 1 and "Không có yêu cầu" in sos[0][0]  # none that day: a sentence says so


def test_the_pdf_reads_in_vietnamese_with_the_days_figures(yesterday_figures) -> None:  # type: ignore[no-untyped-def]
    report = DailyReport.objects.get(pk=daily_report())
    with report.pdf.open("rb") as handle:
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)
    assert "Báo cáo hằng ngày của Ban Chỉ đạo" in text
    assert yesterday_figures.strftime("%d/%m/%Y") in text
    assert home_ward(0).name in text
    assert "321/500" in text and "Khoa Xét nghiệm CDC" in text


def test_sos_rows_count_the_days_help_requests_by_ward() -> None:
    make_request()
    make_request(status=HelpStatus.DONE)
    assert _sos_rows(timezone.localdate()) == [[home_ward(0).name, 2, 1, 1]]


def test_staff_download_the_kept_files(yesterday_figures, clerk_client: Client) -> None:  # type: ignore[no-untyped-def]
    report = DailyReport.objects.get(pk=daily_report())
    listing = clerk_client.get(reverse("operations:staff_reports")).content.decode()
    assert reverse("operations:staff_report_file", args=[report.pk, "pdf"]) in listing
    pdf = clerk_client.get(reverse("operations:staff_report_file", args=[report.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and b"".join(pdf.streaming_content).startswith(b"%PDF-")
