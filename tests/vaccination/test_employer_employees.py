"""The employer's list of the employees it registered, with their latest dose and appointment:
only its representatives see it (another business, a citizen, an anonymous visitor: not),
every row read is audit-logged, it pages, exports as CSV, and costs the same queries
whatever the number of employees."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import signed_in
from tests.factories import PersonFactory, UserFactory, home_ward
from tests.vaccination.conftest import dose_in
from tests.vaccination.registration_fixtures import make_campaign
from truyvet.accounts.models import Role, User
from truyvet.lib.models import AuditEvent
from vaccination.models import (
    Appointment,
    Campaign,
    Employer,
    Registration,
    RegistrationSource,
    Site,
)
from vaccination.services import dose_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(db: None) -> Campaign:
    return make_campaign()


@pytest.fixture
def representative(db: None) -> User:
    return UserFactory(username="hr", role=Role.VENUE_OWNER)


@pytest.fixture
def employer(representative: User) -> Employer:
    employer = Employer.objects.create(name="Công ty May Lai Châu", tax_code="6200000001", ward=home_ward(0))
    employer.representatives.add(representative)
    return employer


@pytest.fixture
def other_employer(db: None) -> Employer:
    other = Employer.objects.create(name="Công ty Gạch Men", tax_code="6200000002", ward=home_ward(0))
    other.representatives.add(UserFactory(username="hr2", role=Role.VENUE_OWNER))
    return other


def _employees(employer: Employer, campaign: Campaign, count: int, prefix: str = "Công Nhân") -> list[Registration]:
    people = [PersonFactory(full_name=f"{prefix} {n:03d}", date_of_birth=date(1990, 1, 1)) for n in range(count)]
    return Registration.objects.bulk_create(
        Registration(campaign=campaign, person=p, source=RegistrationSource.EMPLOYER, employer=employer) for p in people
    )


def _url(employer: Employer, query: str = "") -> str:
    return f"/vaccination/employers/{employer.pk}/employees/{query}"


def test_the_representative_sees_each_employees_latest_dose_and_appointment(
    representative: User, employer: Employer, campaign: Campaign, site: Site, vaccinator: User
) -> None:
    dosed, booked, none = _employees(employer, campaign, 3)
    for number, days_ago in ((1, 80), (2, 40)):
        dose_record(
            user=vaccinator,
            data=dose_in(
                dosed.person, site, dose_number=number, administered_on=timezone.localdate() - timedelta(days=days_ago)
            ),
        )
    tomorrow = timezone.localdate() + timedelta(days=1)
    Appointment.objects.create(registration=booked, person=booked.person, site=site, day=tomorrow, session="afternoon")
    page = signed_in(representative).get(_url(employer)).content.decode()
    second = (timezone.localdate() - timedelta(days=40)).isoformat()
    assert f'data-dose="2" data-dose-on="{second}"' in page
    assert tomorrow.strftime("%d/%m/%Y") in page and site.name in page
    assert none.person.full_name in page and 'id="employees-total"' in page
    logged = set(
        AuditEvent.objects.filter(action="vaccination.employee_doses_read").values_list("person_id", flat=True)
    )
    assert logged == {dosed.person_id, booked.person_id, none.person_id}


def test_the_list_pages_and_costs_the_same_queries_whatever_its_length(
    representative: User, employer: Employer, campaign: Campaign
) -> None:
    client = signed_in(representative)
    _employees(employer, campaign, 3)
    client.get(_url(employer))  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(_url(employer))
    _employees(employer, campaign, 60, prefix="Thợ")
    with CaptureQueriesContext(connection) as many:
        second = client.get(_url(employer, "?page=2")).content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert second.count("data-registration=") == 13 and "Trang 2/2" in second


def test_the_csv_export_lists_every_employee_and_is_audit_logged(
    representative: User, employer: Employer, other_employer: Employer, campaign: Campaign, site: Site, vaccinator: User
) -> None:
    mine = _employees(employer, campaign, 55)
    _employees(other_employer, campaign, 2, prefix="Người Ngoài")
    dose_record(user=vaccinator, data=dose_in(mine[0].person, site))
    response = signed_in(representative).get(_url(employer, "?format=csv"))
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 56 and lines[0].startswith("Họ và tên,")  # Vietnamese first
    assert "Người Ngoài" not in "\n".join(lines)
    first = next(line for line in lines if mine[0].person.full_name in line)
    assert ",1," in first
    assert AuditEvent.objects.filter(action="vaccination.employee_doses_read").count() == 55


def test_another_business_a_citizen_and_an_anonymous_visitor_are_kept_out(
    employer: Employer, other_employer: Employer, campaign: Campaign, citizen_client: Client, client: Client
) -> None:
    _employees(employer, campaign, 2)
    outsider = signed_in(other_employer.representatives.get())
    for query in ("", "?format=csv"):
        assert outsider.get(_url(employer, query)).status_code == 404
        assert citizen_client.get(_url(employer, query)).status_code == 404
        assert client.get(_url(employer, query))["Location"].startswith("/accounts/")
    assert not AuditEvent.objects.filter(action="vaccination.employee_doses_read").exists()


def test_a_citizen_representative_sees_only_their_business(
    citizen: User, employer: Employer, other_employer: Employer, campaign: Campaign
) -> None:
    employer.representatives.add(citizen)
    _employees(employer, campaign, 1, prefix="Nhân Viên")
    _employees(other_employer, campaign, 1, prefix="Người Ngoài")
    client = signed_in(citizen)
    page = client.get(_url(employer)).content.decode()
    assert "Nhân Viên 000" in page and "Người Ngoài" not in page
    assert client.get(_url(other_employer)).status_code == 404
