"""Registration for a campaign: a citizen for their household, an employer for its employees
(the whole file checked first; one bad row refuses it; the same file again adds nothing)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook

from tests.factories import PersonFactory, UserFactory, home_ward
from tests.vaccination.registration_fixtures import HEADER, csv_bytes, employee_id, employee_rows, make_campaign
from truyvet.accounts.models import Role, User
from truyvet.lib.errors import DomainError
from truyvet.people.models import Person
from vaccination.employee_files import employee_file_read
from vaccination.models import (
    Campaign,
    EmployeeUpload,
    Employer,
    PriorityGroup,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    Site,
)
from vaccination.registration import (
    EmployeesRefused,
    RegistrationIn,
    employees_import,
    registration_cancel,
    registration_create,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(db: None) -> Campaign:
    return make_campaign()


@pytest.fixture
def member(citizen: User) -> Person:
    return PersonFactory(full_name="Lê Thị Hoa", phone=citizen.phone)


@pytest.fixture
def employer(db: None) -> Employer:
    employer = Employer.objects.create(name="Công ty May Lai Châu", tax_code="6200000001", ward=home_ward(0))
    employer.representatives.add(UserFactory(username="hr", role=Role.VENUE_OWNER))
    return employer


def _in(person: Person, campaign: Campaign, site: Site, **changes: object) -> RegistrationIn:
    values: dict[str, object] = {
        "person_id": person.pk,
        "campaign_id": campaign.pk,
        "priority_group_id": campaign.priority_groups.first().pk,  # type: ignore[union-attr]
        "site_id": site.pk,
        "preferred_on": timezone.localdate() + timedelta(days=3),
    }
    values.update(changes)
    return RegistrationIn(**values)  # type: ignore[arg-type]


def _code(call: object) -> str:
    with pytest.raises(DomainError) as caught:
        call()  # type: ignore[operator]
    return caught.value.code


# --- Citizens --------------------------------------------------------------------------------


def test_a_citizen_registers_a_member_of_their_household(
    citizen: User, member: Person, campaign: Campaign, site: Site
) -> None:
    registration = registration_create(user=citizen, data=_in(member, campaign, site))
    assert (registration.person_id, registration.site_id, registration.source) == (
        member.pk,
        site.pk,
        RegistrationSource.CITIZEN,
    )


def test_knowing_an_id_number_does_not_let_a_citizen_register_somebody_else(
    citizen: User, campaign: Campaign, site: Site
) -> None:
    stranger = PersonFactory(phone="+84987654321")
    with pytest.raises(DomainError) as caught:
        registration_create(user=citizen, data=_in(stranger, campaign, site))
    assert (caught.value.code, caught.value.status) == ("not_your_household", 404)
    assert not Registration.objects.exists()


def test_registering_twice_is_a_conflict_and_a_cancelled_registration_registers_again(
    citizen: User, member: Person, campaign: Campaign, site: Site
) -> None:
    first = registration_create(user=citizen, data=_in(member, campaign, site))
    assert _code(lambda: registration_create(user=citizen, data=_in(member, campaign, site))) == "already_registered"
    registration_cancel(user=citizen, registration_id=first.pk)
    again = registration_create(user=citizen, data=_in(member, campaign, site))
    assert again.pk == first.pk and again.status == RegistrationStatus.REGISTERED


def test_the_site_must_lie_in_the_campaigns_wards(
    citizen: User, member: Person, campaign: Campaign, other_site: Site
) -> None:
    assert _code(lambda: registration_create(user=citizen, data=_in(member, campaign, other_site))) == (
        "site_outside_campaign"
    )


def test_the_group_must_be_a_target_of_the_campaign(
    citizen: User, member: Person, campaign: Campaign, site: Site
) -> None:
    outside = PriorityGroup.objects.exclude(pk__in=campaign.priority_groups.all()).first()
    assert outside is not None
    data = _in(member, campaign, site, priority_group_id=outside.pk)
    assert _code(lambda: registration_create(user=citizen, data=data)) == "unknown_group"
    assert _code(
        lambda: registration_create(user=citizen, data=_in(member, campaign, site, priority_group_id=None))
    ) == ("unknown_group")


def test_an_ended_campaign_and_a_day_outside_its_dates_are_refused(
    citizen: User, member: Person, campaign: Campaign, site: Site
) -> None:
    today = timezone.localdate()
    ended = make_campaign(starts_on=today - timedelta(days=30), ends_on=today - timedelta(days=1))
    assert _code(lambda: registration_create(user=citizen, data=_in(member, ended, site))) == "campaign_closed"
    late = _in(member, campaign, site, preferred_on=campaign.ends_on + timedelta(days=1))
    assert _code(lambda: registration_create(user=citizen, data=late)) == "day_outside_campaign"
    past = _in(member, campaign, site, preferred_on=today - timedelta(days=1))
    assert _code(lambda: registration_create(user=citizen, data=past)) == "day_outside_campaign"


# --- Employers -------------------------------------------------------------------------------


def _import(employer: Employer, campaign: Campaign, content: bytes, name: str = "nhan-vien.csv") -> EmployeeUpload:
    rows = employee_file_read(name=name, content=content)
    return employees_import(
        user=employer.representatives.get(),
        employer=employer,
        campaign=campaign,
        rows=rows,
        file_name=name,
        sha256="x",
    )


def test_a_good_file_registers_every_employee(employer: Employer, campaign: Campaign) -> None:
    upload = _import(employer, campaign, csv_bytes(employee_rows(30)))
    assert (upload.rows, upload.added, upload.already, upload.refused) == (30, 30, 0, 0)
    assert Registration.objects.filter(employer=employer, source=RegistrationSource.EMPLOYER).count() == 30
    woman = Person.objects.get(id_number=employee_id(1, date(1971, 2, 2), female=True))
    assert (woman.full_name, woman.gender, woman.phone, woman.ward_id) == (
        "Nguyễn Thị Công Nhân 1",
        "female",
        "+84900000001",
        home_ward(0).code,
    )


def test_the_number_of_queries_does_not_grow_with_the_file(employer: Employer, campaign: Campaign) -> None:
    counts: list[tuple[int, bool]] = []
    for start, size in ((0, 5), (100, 200)):
        rows = employee_file_read(name="f.csv", content=csv_bytes(employee_rows(size, start=start)))
        with CaptureQueriesContext(connection) as queries:
            employees_import(
                user=employer.representatives.get(), employer=employer, campaign=campaign, rows=rows,
                file_name="f.csv", sha256="x",
            )  # fmt: skip
        inserts = sum(1 for q in queries.captured_queries if q["sql"].startswith("INSERT"))
        counts.append((len(queries) - inserts, inserts <= 6 + size // 20))
    # The same reads for 5 or 200 rows; the inserts go in batches (SQLite caps a statement's
    # parameters, PostgreSQL takes 2000 rows a statement).
    assert counts[0] == counts[1] and counts[1][1]


def test_a_bad_row_refuses_the_whole_file_with_a_row_by_row_report(employer: Employer, campaign: Campaign) -> None:
    rows = employee_rows(10)
    rows[3][1] = "00109012345"  # 11 digits
    rows[6][2] = "31/02/1990"  # no such day
    rows[7][4] = "12345"  # not a mobile
    rows[8][5] = "99999999"  # no such ward
    with pytest.raises(EmployeesRefused) as caught:
        _import(employer, campaign, csv_bytes(rows))
    assert caught.value.code == "employees_rows_refused"
    assert not Person.objects.exists() and not Registration.objects.exists()
    upload = caught.value.upload
    assert (upload.refused, upload.added) == (4, 0)
    report = list(csv.reader(io.StringIO(upload.report.lstrip("\ufeff"))))
    assert [(line, column) for line, _id, _name, column, _message in report[1:]] == [
        ("5", "id_number"),
        ("8", "date_of_birth"),
        ("9", "phone"),
        ("10", "ward_code"),
    ]


def test_an_id_number_that_disagrees_with_the_birth_year_or_sex_is_refused(
    employer: Employer, campaign: Campaign
) -> None:
    rows = employee_rows(2)
    rows[0][2] = "17/05/1999"  # the id says 1970
    rows[1][3] = "Nam"  # the id's fourth digit says a woman
    with pytest.raises(EmployeesRefused) as caught:
        _import(employer, campaign, csv_bytes(rows))
    messages = caught.value.upload.report
    assert "year of birth" in messages or "năm sinh" in messages
    assert caught.value.upload.refused == 2


def test_the_same_id_number_twice_in_the_file_names_the_first_line(employer: Employer, campaign: Campaign) -> None:
    rows = employee_rows(3)
    rows.append(list(rows[1]))
    with pytest.raises(EmployeesRefused) as caught:
        _import(employer, campaign, csv_bytes(rows))
    assert [line for line, _errors in caught.value.rows] == [5]
    assert "3" in caught.value.upload.report.splitlines()[1]


def test_uploading_the_same_file_again_adds_nothing(employer: Employer, campaign: Campaign) -> None:
    content = csv_bytes(employee_rows(20))
    _import(employer, campaign, content)
    again = _import(employer, campaign, content)
    assert (again.added, again.already) == (0, 20)
    assert Registration.objects.count() == 20 and Person.objects.count() == 20


def test_a_known_person_is_registered_without_changing_their_record(employer: Employer, campaign: Campaign) -> None:
    rows = employee_rows(2)
    known = PersonFactory(
        full_name=rows[0][0],
        id_number=rows[0][1],
        date_of_birth=date(1970, 1, 1),
        phone="+84911111111",
        ward=home_ward(3),
    )
    upload = _import(employer, campaign, csv_bytes(rows))
    assert upload.added == 2
    known.refresh_from_db()
    assert (known.phone, known.ward_id) == ("+84911111111", home_ward(3).code)
    assert Registration.objects.filter(person=known, employer=employer).exists()


def test_a_known_id_number_with_another_name_is_refused(employer: Employer, campaign: Campaign) -> None:
    rows = employee_rows(2)
    PersonFactory(full_name="Hoàng Văn Khác", id_number=rows[0][1], date_of_birth=date(1970, 1, 1))
    with pytest.raises(EmployeesRefused) as caught:
        _import(employer, campaign, csv_bytes(rows))
    assert caught.value.upload.refused == 1
    assert not Registration.objects.exists()


def test_a_person_registered_by_themselves_is_counted_not_registered_again(
    citizen: User, employer: Employer, campaign: Campaign, site: Site
) -> None:
    rows = employee_rows(2)
    person = PersonFactory(
        full_name=rows[0][0], id_number=rows[0][1], date_of_birth=date(1970, 1, 1), phone=citizen.phone
    )
    registration_create(user=citizen, data=_in(person, campaign, site))
    upload = _import(employer, campaign, csv_bytes(rows))
    assert (upload.added, upload.already) == (1, 1)
    assert Registration.objects.get(person=person).source == RegistrationSource.CITIZEN


def test_an_xlsx_file_with_numbers_for_ids_phones_and_dates_is_read(employer: Employer, campaign: Campaign) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Danh sách nhân viên"])
    sheet.append(HEADER)
    sheet.append(["Trần Văn Số", int("001090000123"), date(1990, 3, 4), "Nam", 912345670, home_ward(0).code, "1"])
    out = io.BytesIO()
    book.save(out)
    upload = _import(employer, campaign, out.getvalue(), name="nv.xlsx")
    assert upload.added == 1
    person = Person.objects.get()
    assert (person.id_number, person.phone, person.date_of_birth) == ("001090000123", "+84912345670", date(1990, 3, 4))
    assert Registration.objects.get().priority_group == PriorityGroup.objects.get(order=1)


def test_a_file_without_the_headings_or_rows_is_refused(employer: Employer, campaign: Campaign) -> None:
    assert _code(lambda: employee_file_read(name="a.csv", content=b"a,b,c\n1,2,3\n")) == "employees_headings_missing"
    assert _code(lambda: employee_file_read(name="a.csv", content=b"")) == "employees_file_empty"
    assert _code(lambda: employee_file_read(name="a.pdf", content=b"%PDF")) == "employees_file_type"
    assert _code(lambda: _import(employer, campaign, csv_bytes([]))) == "employees_file_empty"
