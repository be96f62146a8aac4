"""The registration API: an employer's file (all or nothing, with the report's address) and
a site's appointments of the day; and who may call them."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import signed_in
from tests.factories import PersonFactory, UserFactory, home_ward
from tests.vaccination.registration_fixtures import csv_bytes, employee_rows, make_campaign
from truyvet.accounts.models import Role, User
from truyvet.lib.models import AuditEvent
from vaccination.models import Appointment, Campaign, Employer, Registration, Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(db: None) -> Campaign:
    return make_campaign()


@pytest.fixture
def representative(db: None) -> User:
    return UserFactory(username="hr", role=Role.FACILITY_MANAGER)


@pytest.fixture
def employer(representative: User) -> Employer:
    employer = Employer.objects.create(name="Công ty May", tax_code="6200000001", ward=home_ward(0))
    employer.representatives.add(representative)
    return employer


def _file(rows: list[list[str]]) -> io.BytesIO:
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "nv.csv"
    return upload


def test_an_upload_answers_what_it_added_and_again_adds_nothing(
    representative: User, employer: Employer, campaign: Campaign
) -> None:
    client = signed_in(representative)
    url = f"/api/v1/vaccination/employers/{employer.pk}/employees/"
    rows = employee_rows(8)
    first = client.post(url, {"campaign_id": campaign.pk, "file": _file(rows)})
    assert first.status_code == 201 and (first.json()["added"], first.json()["already"]) == (8, 0)
    again = client.post(url, {"campaign_id": campaign.pk, "file": _file(rows)})
    assert again.status_code == 201 and (again.json()["added"], again.json()["already"]) == (0, 8)


def test_a_refused_upload_answers_each_bad_line_and_the_reports_address(
    representative: User, employer: Employer, campaign: Campaign
) -> None:
    rows = employee_rows(4)
    rows[1][2] = "not a date"
    response = signed_in(representative).post(
        f"/api/v1/vaccination/employers/{employer.pk}/employees/", {"campaign_id": campaign.pk, "file": _file(rows)}
    )
    body = response.json()
    assert response.status_code == 400 and body["code"] == "employees_rows_refused"
    assert list(body["errors"]) == ["3"] and body["report_url"].endswith("/report.csv")
    assert not Registration.objects.exists()


def test_a_missing_file_or_campaign_is_a_400_with_a_code(representative: User, employer: Employer) -> None:
    response = signed_in(representative).post(f"/api/v1/vaccination/employers/{employer.pk}/employees/", {})
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_another_employers_representative_gets_404_and_anonymous_callers_401(
    client: Client, employer: Employer, campaign: Campaign
) -> None:
    outsider = signed_in(UserFactory(username="rival", role=Role.VENUE_OWNER))
    url = f"/api/v1/vaccination/employers/{employer.pk}/employees/"
    assert outsider.post(url, {"campaign_id": campaign.pk, "file": _file(employee_rows(2))}).status_code == 404
    assert client.post(url, {"campaign_id": campaign.pk, "file": _file(employee_rows(2))}).status_code == 401
    assert not Registration.objects.exists()


def test_site_staff_read_the_days_appointments_audit_logged(
    vaccinator_client: Client, citizen: User, campaign: Campaign, site: Site
) -> None:
    day = timezone.localdate() + timedelta(days=2)
    person = PersonFactory()
    registration = Registration.objects.create(campaign=campaign, person=person, source="citizen")
    appointment = Appointment.objects.create(
        registration=registration, person=person, site=site, day=day, session="morning"
    )
    response = vaccinator_client.get(f"/api/v1/vaccination/sites/{site.pk}/appointments/?day={day.isoformat()}")
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": appointment.pk,
            "person_id": person.pk,
            "full_name": person.full_name,
            "session": "morning",
            "dose_number": 1,
            "status": "booked",
        }
    ]
    assert AuditEvent.objects.filter(action="vaccination.appointments_read", person_id=person.pk).exists()
    bad = vaccinator_client.get(f"/api/v1/vaccination/sites/{site.pk}/appointments/?day=tomorrow")
    assert bad.status_code == 400


def test_another_sites_staff_get_404_and_citizens_403(client: Client, citizen_client: Client, site: Site) -> None:
    stranger = signed_in(UserFactory(role=Role.VACCINATION_STAFF))
    url = f"/api/v1/vaccination/sites/{site.pk}/appointments/"
    assert stranger.get(url).status_code == 404
    assert citizen_client.get(url).status_code == 403
    assert client.get(url).status_code == 401
