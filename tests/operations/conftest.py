"""The agencies of the operations map and their staff, and a real small PDF."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from operations.models import Agency, AgencyKind
from tests.conftest import signed_in
from tests.factories import UserFactory
from truyvet.accounts.models import Role, User


def _member(username: str, agency: Agency) -> User:
    user = UserFactory(username=username, role=Role.AGENCY_STAFF)
    agency.members.add(user)
    return user


@pytest.fixture
def steering(db: None) -> Agency:
    return Agency.objects.create(name="Ban Chỉ đạo tỉnh", kind=AgencyKind.STEERING)


@pytest.fixture
def hospital(db: None) -> Agency:
    return Agency.objects.create(name="Bệnh viện Đa khoa tỉnh", kind=AgencyKind.HOSPITAL)


@pytest.fixture
def other_hospital(db: None) -> Agency:
    return Agency.objects.create(name="Bệnh viện huyện", kind=AgencyKind.HOSPITAL)


@pytest.fixture
def laboratory(db: None) -> Agency:
    return Agency.objects.create(name="Khoa Xét nghiệm CDC", kind=AgencyKind.LABORATORY)


@pytest.fixture
def military(db: None) -> Agency:
    return Agency.objects.create(name="Bộ Chỉ huy Quân sự tỉnh", kind=AgencyKind.MILITARY)


@pytest.fixture
def culture(db: None) -> Agency:
    return Agency.objects.create(name="Sở Văn hóa, Thể thao và Du lịch", kind=AgencyKind.CULTURE)


@pytest.fixture
def health(db: None) -> Agency:
    return Agency.objects.create(name="Sở Y tế", kind=AgencyKind.HEALTH)


@pytest.fixture
def clerk(steering: Agency) -> User:
    """A member of the steering committee's office: directives and the reports."""
    return _member("clerk", steering)


@pytest.fixture
def doctor(hospital: Agency) -> User:
    """Staff of the provincial hospital: its resources and its laboratory counts."""
    return _member("doctor", hospital)


@pytest.fixture
def rival_doctor(other_hospital: Agency) -> User:
    """Staff of another hospital: an outsider to the provincial hospital's records."""
    return _member("rival", other_hospital)


@pytest.fixture
def technician(laboratory: Agency) -> User:
    return _member("technician", laboratory)


@pytest.fixture
def officer(military: Agency) -> User:
    """Staff of the military command: the concentrated quarantine camps."""
    return _member("officer", military)


@pytest.fixture
def hotelier(culture: Agency) -> User:
    """Staff of the culture department: the paid quarantine hotels."""
    return _member("hotelier", culture)


@pytest.fixture
def health_officer(health: Agency) -> User:
    """Staff of the health department: directives, facilities, places, the directory."""
    return _member("health-officer", health)


@pytest.fixture
def clerk_client(clerk: User) -> Client:
    return signed_in(clerk)


@pytest.fixture
def doctor_client(doctor: User) -> Client:
    return signed_in(doctor)


@pytest.fixture
def rival_client(rival_doctor: User) -> Client:
    return signed_in(rival_doctor)


@pytest.fixture
def officer_client(officer: User) -> Client:
    return signed_in(officer)


@pytest.fixture
def hotelier_client(hotelier: User) -> Client:
    return signed_in(hotelier)


def pdf_bytes(text: str = "Chỉ thị số 15") -> bytes:
    """A real one-page PDF, as reportlab writes it."""
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def pdf_upload(name: str = "chi-thi.pdf", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else pdf_bytes(), content_type="application/pdf")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: pytest.FixtureRequest, tmp_path: object) -> None:
    """Uploaded PDFs and generated reports go to the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined,operator]
