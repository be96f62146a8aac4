"""Each agency enters only its part: every staff page with the one who may, an outsider (a
404) and an anonymous visitor (sent to sign in); forms posted for another agency's part
are refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from operations.errors import OperationsError
from operations.models import (
    Agency,
    ConsultationEntry,
    DailyReport,
    Directive,
    MedicalFacility,
    OccupancyReport,
    PlaceKind,
    QuarantinePlace,
    ResourceReport,
)
from operations.services import agency_record_save, daily_report_generate, directive_save
from tests.conftest import signed_in
from tests.operations.conftest import pdf_upload
from truyvet.accounts.models import User
from truyvet.lib.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(steering: Agency, hospital: Agency, military: Agency, health: Agency, clerk: User) -> dict[str, int]:
    directive = directive_save(
        user=clerk,
        agency=steering,
        number="15/CT-UBND",
        issued_on=date(2026, 11, 2),
        issuer="UBND tỉnh",
        title="Chỉ thị",
        summary="",
        pdf=pdf_upload(),
    )
    facility = MedicalFacility.objects.create(agency=hospital, name="Bệnh viện Đa khoa tỉnh")
    camp = QuarantinePlace.objects.create(agency=military, name="Khu cách ly Trường Quân sự", kind=PlaceKind.CAMP)
    # History rows entered before anyone's account existed (imported, or the demo's): no author.
    now = timezone.now()
    ResourceReport.objects.create(
        facility=facility,
        reported_at=now,
        beds_total=10,
        beds_occupied=2,
        icu_total=0,
        icu_occupied=0,
        ventilators_total=0,
        ventilators_in_use=0,
        oxygen_cylinders=0,
        oxygen_tanks=0,
        doctors=1,
        nurses=2,
    )
    OccupancyReport.objects.create(place=camp, reported_at=now, capacity=100, occupied=40)
    entry = ConsultationEntry.objects.create(agency=health, kind="hotline", name="Đường dây nóng", phone="19009095")
    report = daily_report_generate(day=timezone.localdate())
    return {"directive": directive.pk, "facility": facility.pk, "camp": camp.pk, "entry": entry.pk, "report": report.pk}


# (url, who may, an outsider): the outsider is staff of another agency, or of none.
PAGES: list[tuple[str, Callable[[dict[str, int]], str], str, str]] = [
    ("home", lambda r: reverse("operations:staff_home"), "clerk", "insider"),
    ("directives", lambda r: reverse("operations:staff_directives"), "clerk", "doctor"),
    ("directive new", lambda r: reverse("operations:staff_directive_new"), "clerk", "officer"),
    (
        "directive edit",
        lambda r: reverse("operations:staff_directive_edit", args=[r["directive"]]),
        "clerk",
        "health_officer",
    ),
    ("lab counts", lambda r: reverse("operations:staff_lab_counts"), "technician", "officer"),
    ("facilities", lambda r: reverse("operations:staff_facilities"), "doctor", "officer"),
    ("facility new", lambda r: reverse("operations:staff_facility_new"), "doctor", "hotelier"),
    (
        "facility edit",
        lambda r: reverse("operations:staff_facility_edit", args=[r["facility"]]),
        "doctor",
        "rival_doctor",
    ),
    (
        "facility resources",
        lambda r: reverse("operations:staff_facility_report", args=[r["facility"]]),
        "doctor",
        "rival_doctor",
    ),
    ("places", lambda r: reverse("operations:staff_places"), "officer", "doctor"),
    ("place new", lambda r: reverse("operations:staff_place_new"), "officer", "technician"),
    ("place edit", lambda r: reverse("operations:staff_place_edit", args=[r["camp"]]), "officer", "hotelier"),
    ("place occupancy", lambda r: reverse("operations:staff_place_occupancy", args=[r["camp"]]), "officer", "hotelier"),
    ("consultations", lambda r: reverse("operations:staff_consultations"), "health_officer", "officer"),
    ("consultation new", lambda r: reverse("operations:staff_consultation_new"), "health_officer", "technician"),
    (
        "consultation edit",
        lambda r: reverse("operations:staff_consultation_edit", args=[r["entry"]]),
        "health_officer",
        "rival_doctor",
    ),
    ("reports", lambda r: reverse("operations:staff_reports"), "clerk", "insider"),
    ("report pdf", lambda r: reverse("operations:staff_report_file", args=[r["report"], "pdf"]), "clerk", "doctor"),
    ("report xlsx", lambda r: reverse("operations:staff_report_file", args=[r["report"], "xlsx"]), "cdc", "insider"),
]


@pytest.mark.parametrize(("name", "url", "who", "outsider"), PAGES, ids=[p[0] for p in PAGES])
def test_the_agency_opens_its_page_an_outsider_gets_404_and_anonymous_signs_in(
    request: pytest.FixtureRequest,
    records: dict[str, int],
    client: Client,
    name: str,
    url: Callable[[dict[str, int]], str],
    who: str,
    outsider: str,
) -> None:
    for fixture in ("doctor", "rival_doctor", "technician", "officer", "hotelier", "health_officer"):
        request.getfixturevalue(fixture)
    address = url(records)
    assert signed_in(request.getfixturevalue(who)).get(address).status_code == 200
    assert signed_in(request.getfixturevalue(outsider)).get(address).status_code == 404
    answer = client.get(address)
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("accounts:login"))


def test_a_report_in_an_unknown_format_is_not_found(records: dict[str, int], clerk_client: Client) -> None:
    assert clerk_client.get(f"/operations/staff/reports/{records['report']}.csv").status_code == 404


def test_the_facility_form_offers_only_the_users_agencies(
    doctor_client: Client, hospital: Agency, other_hospital: Agency
) -> None:
    answer = doctor_client.post(
        reverse("operations:staff_facility_new"),
        {"agency": other_hospital.pk, "name": "Bệnh viện khác", "kind": "hospital"},
    )
    assert answer.status_code == 200 and not MedicalFacility.objects.exists()
    assert other_hospital.name not in answer.content.decode()


def test_the_service_refuses_another_agencys_record(doctor: User, other_hospital: Agency) -> None:
    with pytest.raises(DomainError) as refused:
        agency_record_save(user=doctor, record=MedicalFacility(agency=other_hospital, name="Bệnh viện khác"))
    assert refused.value.code == OperationsError.NOT_YOUR_AGENCY


def test_a_record_cannot_be_moved_out_of_another_agency(doctor: User, hospital: Agency, other_hospital: Agency) -> None:
    facility = MedicalFacility.objects.create(agency=other_hospital, name="Bệnh viện huyện")
    facility.agency = hospital
    with pytest.raises(DomainError):
        agency_record_save(user=doctor, record=facility, previous_agency=other_hospital)


def test_the_culture_department_runs_hotels_not_camps(hotelier: User, culture: Agency, hotelier_client: Client) -> None:
    with pytest.raises(DomainError) as refused:
        agency_record_save(user=hotelier, record=QuarantinePlace(agency=culture, name="Trại", kind=PlaceKind.CAMP))
    assert refused.value.code == OperationsError.WRONG_PLACE_KIND
    page = hotelier_client.get(reverse("operations:staff_place_new")).content.decode()
    assert 'value="hotel"' in page and 'value="camp"' not in page


def test_the_military_command_adds_a_camp(officer_client: Client, military: Agency) -> None:
    answer = officer_client.post(
        reverse("operations:staff_place_new"),
        {"agency": military.pk, "name": "Khu cách ly Đồn Biên phòng", "kind": "camp", "is_active": "on"},
    )
    assert answer.status_code == 302
    assert QuarantinePlace.objects.get().agency == military


def test_a_directive_number_is_once_per_agency(records: dict[str, int], clerk: User, steering: Agency) -> None:
    with pytest.raises(DomainError) as refused:
        directive_save(
            user=clerk,
            agency=steering,
            number="15/CT-UBND",
            issued_on=date(2026, 11, 3),
            issuer="UBND",
            title="Khác",
            summary="",
            pdf=pdf_upload(),
        )
    assert refused.value.code == OperationsError.DUPLICATE_NUMBER
    assert Directive.objects.count() == 1


def test_the_directive_page_refuses_a_file_that_is_not_a_pdf(clerk_client: Client, steering: Agency) -> None:
    fake = pdf_upload("chi-thi.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 500)
    answer = clerk_client.post(
        reverse("operations:staff_directive_new"),
        {
            "agency": steering.pk,
            "number": "9/CT",
            "issued_on": "2026-11-30",
            "issuer": "UBND tỉnh",
            "title": "Chỉ thị",
            "pdf": fake,
        },
    )
    assert answer.status_code == 200 and not Directive.objects.exists()
    assert "PDF" in answer.content.decode()


def test_a_laboratory_enters_its_count_and_a_second_entry_replaces_it(technician: User, laboratory: Agency) -> None:
    client = signed_in(technician)
    day = timezone.localdate().isoformat()
    for tests in (500, 520):
        answer = client.post(
            reverse("operations:staff_lab_counts"),
            {"agency": laboratory.pk, "day": day, "tests": tests, "positives": 7},
        )
        assert answer.status_code == 302
    assert list(laboratory.lab_counts.values_list("tests", "positives")) == [(520, 7)]
    refused = client.post(
        reverse("operations:staff_lab_counts"), {"agency": laboratory.pk, "day": day, "tests": 5, "positives": 7}
    )
    assert refused.status_code == 200 and laboratory.lab_counts.get().tests == 520


def test_the_cdc_reads_the_reports_and_a_commune_station_does_not(
    records: dict[str, int], cdc_client: Client, insider_client: Client
) -> None:
    assert cdc_client.get(reverse("operations:staff_reports")).status_code == 200
    assert insider_client.get(reverse("operations:staff_reports")).status_code == 404
    assert DailyReport.objects.count() == 1
