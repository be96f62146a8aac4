"""Every change on the operations map leaves an audit entry naming who, what and which row."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from operations.models import Agency, ConsultationEntry, MedicalFacility, PlaceKind, QuarantinePlace
from operations.services import daily_report_generate
from tests.conftest import signed_in
from tests.operations.conftest import pdf_upload
from truyvet.accounts.models import User
from truyvet.lib.models import AuditEvent

pytestmark = pytest.mark.django_db


def last_event() -> AuditEvent:
    event = AuditEvent.objects.order_by("-pk").first()
    assert event is not None
    return event


def test_a_new_directive_and_its_change_are_audited(clerk_client: Client, clerk: User, steering: Agency) -> None:
    data = {
        "agency": steering.pk,
        "number": "15/CT-UBND",
        "issued_on": "2026-11-02",
        "issuer": "UBND tỉnh",
        "title": "Chỉ thị về phòng, chống dịch",
        "summary": "",
    }
    assert (
        clerk_client.post(reverse("operations:staff_directive_new"), {**data, "pdf": pdf_upload()}).status_code == 302
    )
    created = last_event()
    assert (created.action, created.actor, created.object_type) == (
        "operations.directive_created",
        clerk,
        "operations.directive",
    )
    directive_id = created.object_id
    url = reverse("operations:staff_directive_edit", args=[directive_id])
    assert clerk_client.post(url, {**data, "title": "Chỉ thị sửa đổi"}).status_code == 302
    changed = last_event()
    assert (changed.action, changed.object_id, changed.detail["pdf"]) == (
        "operations.directive_changed",
        directive_id,
        False,
    )


def test_a_laboratory_count_is_audited(technician: User, laboratory: Agency) -> None:
    signed_in(technician).post(
        reverse("operations:staff_lab_counts"),
        {"agency": laboratory.pk, "day": timezone.localdate().isoformat(), "tests": 40, "positives": 2},
    )
    event = last_event()
    assert event.action == "operations.lab_count_recorded" and event.detail["tests"] == 40


def test_a_facility_and_its_resources_are_audited(doctor_client: Client, doctor: User, hospital: Agency) -> None:
    doctor_client.post(
        reverse("operations:staff_facility_new"),
        {"agency": hospital.pk, "name": "Bệnh viện Đa khoa tỉnh", "kind": "hospital", "is_active": "on"},
    )
    assert last_event().action == "operations.medicalfacility_created"
    facility = MedicalFacility.objects.get()
    figures = {
        "beds_total": 500,
        "beds_occupied": 320,
        "icu_total": 20,
        "icu_occupied": 12,
        "ventilators_total": 15,
        "ventilators_in_use": 9,
        "oxygen_cylinders": 80,
        "oxygen_tanks": 1,
        "doctors": 40,
        "nurses": 90,
    }
    url = reverse("operations:staff_facility_report", args=[facility.pk])
    assert doctor_client.post(url, figures).status_code == 302
    event = last_event()
    assert (event.action, event.actor, event.detail["beds_occupied"]) == ("operations.resources_reported", doctor, 320)
    refused = doctor_client.post(url, {**figures, "icu_occupied": 21})
    assert refused.status_code == 200 and facility.reports.count() == 1


def test_a_place_and_its_occupancy_are_audited(officer_client: Client, military: Agency) -> None:
    place = QuarantinePlace.objects.create(agency=military, name="Khu cách ly", kind=PlaceKind.CAMP)
    officer_client.post(
        reverse("operations:staff_place_occupancy", args=[place.pk]), {"capacity": 400, "occupied": 310}
    )
    event = last_event()
    assert (event.action, event.detail) == ("operations.occupancy_reported", {"capacity": 400, "occupied": 310})
    officer_client.post(
        reverse("operations:staff_place_edit", args=[place.pk]),
        {"agency": military.pk, "name": "Khu cách ly Trường Quân sự", "kind": "camp", "is_active": "on"},
    )
    assert last_event().action == "operations.quarantineplace_changed"


def test_a_directory_entry_is_audited(health_officer: User, health: Agency) -> None:
    signed_in(health_officer).post(
        reverse("operations:staff_consultation_new"),
        {"agency": health.pk, "kind": "doctor", "name": "BS. Lò Văn A", "phone": "0912000111", "is_active": "on"},
    )
    assert ConsultationEntry.objects.count() == 1
    assert last_event().action == "operations.consultationentry_created"


def test_the_daily_report_is_audited_once(db: None) -> None:
    day = date(2026, 11, 30)
    daily_report_generate(day=day)
    daily_report_generate(day=day)
    assert AuditEvent.objects.filter(action="operations.daily_report_generated").count() == 1
