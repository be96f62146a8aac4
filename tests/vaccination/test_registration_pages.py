"""The registration pages: a citizen registers, books, moves and cancels on their phone; a
representative uploads the employees' file and downloads the report of a refused one; and
everybody else is kept out."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import signed_in
from tests.factories import PersonFactory, UserFactory, home_ward
from tests.vaccination.registration_fixtures import csv_bytes, employee_rows, make_campaign
from truyvet.accounts.models import Role, User
from truyvet.people.models import Person
from vaccination.models import Appointment, AppointmentStatus, Campaign, EmployeeUpload, Employer, Registration, Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(db: None) -> Campaign:
    return make_campaign()


@pytest.fixture
def member(citizen: User) -> Person:
    return PersonFactory(full_name="Lê Thị Hoa", phone=citizen.phone)


@pytest.fixture
def representative(db: None) -> User:
    return UserFactory(username="hr", role=Role.VENUE_OWNER)


@pytest.fixture
def employer(representative: User) -> Employer:
    employer = Employer.objects.create(name="Công ty May Lai Châu", tax_code="6200000001", ward=home_ward(0))
    employer.representatives.add(representative)
    return employer


def _register(client: Client, person: Person, campaign: Campaign, site: Site) -> Registration:
    group = campaign.priority_groups.first()
    assert group is not None
    response = client.post(
        "/vaccination/register/",
        {"person": person.pk, "campaign": campaign.pk, "priority_group": group.pk, "site": site.pk},
    )
    registration = Registration.objects.get(person=person)
    assert response["Location"] == f"/vaccination/register/{registration.pk}/book/"
    return registration


def test_a_citizen_registers_books_moves_and_cancels(
    citizen_client: Client, member: Person, campaign: Campaign, site: Site
) -> None:
    page = citizen_client.get("/vaccination/register/")
    assert page.status_code == 200 and member.full_name in page.content.decode()
    registration = _register(citizen_client, member, campaign, site)
    book = citizen_client.get(f"/vaccination/register/{registration.pk}/book/").content.decode()
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert f'value="{tomorrow.isoformat()}/morning"' in book
    response = citizen_client.post(
        f"/vaccination/register/{registration.pk}/book/", {"site": site.pk, "slot": f"{tomorrow.isoformat()}/morning"}
    )
    assert response["Location"] == "/vaccination/register/"
    appointment = Appointment.objects.get(status=AppointmentStatus.BOOKED)
    home = citizen_client.get("/vaccination/register/").content.decode()
    assert tomorrow.strftime("%d/%m/%Y") in home
    later = tomorrow + timedelta(days=2)
    citizen_client.post(
        f"/vaccination/register/{registration.pk}/book/", {"site": site.pk, "slot": f"{later.isoformat()}/afternoon"}
    )
    moved = Appointment.objects.get(status=AppointmentStatus.BOOKED)
    assert (moved.day, moved.session) == (later, "afternoon")
    citizen_client.post(f"/vaccination/appointments/{moved.pk}/cancel/")
    assert not Appointment.objects.filter(status=AppointmentStatus.BOOKED).exists()
    assert appointment.pk != moved.pk


def test_a_bad_slot_is_a_form_message(citizen_client: Client, member: Person, campaign: Campaign, site: Site) -> None:
    registration = _register(citizen_client, member, campaign, site)
    for slot in ("nonsense", "2026-13-45/morning", f"{timezone.localdate().isoformat()}/morning"):
        response = citizen_client.post(f"/vaccination/register/{registration.pk}/book/", {"slot": slot})
        assert response.status_code == 200 and 'role="alert"' in response.content.decode()


def test_the_registration_page_speaks_english_when_asked(
    citizen_client: Client, member: Person, campaign: Campaign
) -> None:
    vi = citizen_client.get("/vaccination/register/").content.decode()
    citizen_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch
    en = citizen_client.get("/vaccination/register/").content.decode()
    assert "Đăng ký cho thành viên hộ gia đình" in vi and "Register a member of the household" in en


def test_other_citizens_staff_and_anonymous_visitors_are_kept_out(
    client: Client, citizen_client: Client, member: Person, campaign: Campaign, site: Site, vaccinator_client: Client
) -> None:
    registration = _register(citizen_client, member, campaign, site)
    tomorrow = timezone.localdate() + timedelta(days=1)
    citizen_client.post(f"/vaccination/register/{registration.pk}/book/", {"slot": f"{tomorrow.isoformat()}/morning"})
    appointment = Appointment.objects.get()
    other = signed_in(UserFactory(role=Role.CITIZEN, phone="+84987000001", password=None))
    assert other.get(f"/vaccination/register/{registration.pk}/book/").status_code == 404
    assert other.post(f"/vaccination/register/{registration.pk}/cancel/").status_code == 404
    assert other.post(f"/vaccination/appointments/{appointment.pk}/cancel/").status_code == 404
    assert Appointment.objects.get().status == AppointmentStatus.BOOKED
    assert vaccinator_client.get("/vaccination/register/").status_code == 403
    assert client.get("/vaccination/register/").status_code == 302


def test_a_representative_uploads_a_file_and_sees_it_counted(
    representative: User, employer: Employer, campaign: Campaign
) -> None:
    client = signed_in(representative)
    assert client.get("/vaccination/employers/")["Location"] == f"/vaccination/employers/{employer.pk}/"
    upload = io.BytesIO(csv_bytes(employee_rows(12)))
    upload.name = "nhan-vien.csv"
    response = client.post(f"/vaccination/employers/{employer.pk}/", {"campaign": campaign.pk, "file": upload})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "12" in page and "nhan-vien.csv" in page
    template = client.get(f"/vaccination/employers/{employer.pk}/template.csv")
    assert template.content.decode("utf-8-sig").startswith("Họ và tên")


def test_a_refused_file_shows_its_errors_and_offers_the_report(
    representative: User, employer: Employer, campaign: Campaign
) -> None:
    client = signed_in(representative)
    rows = employee_rows(5)
    rows[2][1] = "123"
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "nv.csv"
    response = client.post(f"/vaccination/employers/{employer.pk}/", {"campaign": campaign.pk, "file": upload})
    assert response.status_code == 200 and 'id="refused"' in response.content.decode()
    assert not Registration.objects.exists()
    refused = EmployeeUpload.objects.get()
    report = client.get(f"/vaccination/employers/{employer.pk}/uploads/{refused.pk}/report.csv")
    assert report["Content-Type"].startswith("text/csv") and "123" in report.content.decode("utf-8-sig")


def test_another_employers_representative_and_citizens_are_kept_out(
    client: Client, citizen_client: Client, employer: Employer, campaign: Campaign, representative: User
) -> None:
    upload = io.BytesIO(csv_bytes(employee_rows(3)))
    upload.name = "nv.csv"
    rows = employee_rows(3)
    rows[0][1] = "1"
    bad = io.BytesIO(csv_bytes(rows))
    bad.name = "bad.csv"
    signed_in(representative).post(f"/vaccination/employers/{employer.pk}/", {"campaign": campaign.pk, "file": bad})
    refused = EmployeeUpload.objects.get()
    rival = Employer.objects.create(name="Công ty khác", tax_code="6200000002", ward=home_ward(1))
    outsider_user = UserFactory(username="rival", role=Role.VENUE_OWNER)
    rival.representatives.add(outsider_user)
    outsider = signed_in(outsider_user)
    assert outsider.get(f"/vaccination/employers/{employer.pk}/").status_code == 404
    assert outsider.get(f"/vaccination/employers/{employer.pk}/template.csv").status_code == 404
    assert (
        outsider.post(f"/vaccination/employers/{employer.pk}/", {"campaign": campaign.pk, "file": upload}).status_code
        == 404
    )
    assert outsider.get(f"/vaccination/employers/{employer.pk}/uploads/{refused.pk}/report.csv").status_code == 404
    assert outsider.get(f"/vaccination/employers/{rival.pk}/uploads/{refused.pk}/report.csv").status_code == 404
    nobody = citizen_client.get("/vaccination/employers/").content.decode()
    assert 'id="no-employer"' in nobody and employer.name not in nobody
    assert client.get(f"/vaccination/employers/{employer.pk}/").status_code == 302
    assert not Registration.objects.exists()


def test_the_site_day_list_reads_the_same_queries_for_one_or_many_appointments(
    vaccinator_client: Client, citizen: User, campaign: Campaign, site: Site
) -> None:
    today = timezone.localdate()

    def add(n: int) -> None:
        for _ in range(n):
            person = PersonFactory()
            registration = Registration.objects.create(campaign=campaign, person=person, source="citizen")
            Appointment.objects.create(
                registration=registration, person=person, site=site, day=today, session="morning"
            )

    counts = []
    for n in (1, 10):
        add(n)
        with CaptureQueriesContext(connection) as queries:
            assert vaccinator_client.get(f"/vaccination/sites/{site.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_registration_page_reads_the_same_queries_for_one_or_many_members(
    citizen: User, citizen_client: Client, campaign: Campaign, site: Site
) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)

    def add(n: int) -> None:
        for _ in range(n):
            person = PersonFactory(phone=citizen.phone)
            registration = Registration.objects.create(campaign=campaign, person=person, site=site, source="citizen")
            Appointment.objects.create(
                registration=registration, person=person, site=site, day=tomorrow, session="morning"
            )

    counts = []
    for n in (1, 5):
        add(n)
        with CaptureQueriesContext(connection) as queries:
            assert citizen_client.get("/vaccination/register/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
