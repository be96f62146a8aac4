"""A citizen registers a family member for vaccination and books a day, on a 360 px phone;
the vaccinator sees the appointment on the site's day list."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.factories import PersonFactory, UserFactory, home_ward
from tests.vaccination.registration_fixtures import make_campaign
from truyvet.accounts.models import Role, User
from vaccination.models import Appointment, AppointmentStatus, PriorityGroup, Site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]


def sign_in(page: Any, live_server: Any, user: User) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def test_a_citizen_registers_a_family_member_and_books_a_day_on_a_phone(
    live_server: Any, phone_page: Any, artifacts: Path
) -> None:
    citizen = UserFactory(username="citizen", role=Role.CITIZEN, phone="+84912345678", password=None)
    PersonFactory(full_name="Lò Văn Páo", phone=citizen.phone)
    PersonFactory(full_name="Lò Thị Mai", phone=citizen.phone)
    site = Site.objects.create(name="Trạm Y tế phường Tân Phong", ward=home_ward(0), address="Số 1 Đường 30/4")
    # A transactional test's flush empties the groups the migration seeded.
    PriorityGroup.objects.get_or_create(
        code="health-workers", defaults={"name": "Người làm việc trong các cơ sở y tế, ngành y tế", "order": 1}
    )
    make_campaign(name="Tiêm chủng COVID-19 đợt 3")
    page = phone_page
    sign_in(page, live_server, citizen)
    page.goto(f"{live_server.url}/vaccination/register/")
    page.get_by_label("Người được tiêm").select_option(label="Lò Thị Mai")
    assert page.get_by_label("Đợt tiêm").input_value() != ""  # the one open campaign is chosen
    page.get_by_label("Nhóm ưu tiên").select_option(index=1)
    page.get_by_label("Điểm tiêm mong muốn").select_option(label=site.name)
    page.screenshot(path=str(artifacts / "vaccination-register-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Đăng ký", exact=True).click()

    page.wait_for_url("**/book/")
    tomorrow = timezone.localdate() + timedelta(days=1)
    page.locator(f'input[value="{tomorrow.isoformat()}/morning"]').check()
    page.screenshot(path=str(artifacts / "vaccination-book-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Đặt lịch").click()

    page.wait_for_url("**/vaccination/register/")
    assert page.locator(".appointment").get_by_text(tomorrow.strftime("%d/%m/%Y")).is_visible()
    page.screenshot(path=str(artifacts / "vaccination-registered-phone.png"), full_page=True)
    appointment = Appointment.objects.get(status=AppointmentStatus.BOOKED)
    assert (appointment.person.full_name, appointment.site_id, appointment.session) == (
        "Lò Thị Mai",
        site.pk,
        "morning",
    )
    for width in (800, 1366):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{live_server.url}/vaccination/register/")
        page.screenshot(path=str(artifacts / f"vaccination-registered-{width}.png"), full_page=True)


def test_a_representative_sees_the_errors_of_a_refused_file(
    live_server: Any, phone_page: Any, artifacts: Path, tmp_path: Path
) -> None:
    from tests.vaccination.registration_fixtures import csv_bytes, employee_rows
    from vaccination.models import Employer

    representative = UserFactory(username="hr", role=Role.FACILITY_MANAGER)
    employer = Employer.objects.create(name="Công ty May Lai Châu", tax_code="6200000001", ward=home_ward(0))
    employer.representatives.add(representative)
    make_campaign(name="Tiêm chủng COVID-19 đợt 3")
    rows = employee_rows(6)
    rows[2][1] = "12345"
    rows[4][4] = "0123"
    file = tmp_path / "nhan-vien.csv"
    file.write_bytes(csv_bytes(rows))
    page = phone_page
    sign_in(page, live_server, representative)
    page.goto(f"{live_server.url}/vaccination/employers/")
    page.get_by_label("Đợt tiêm").select_option(index=1)
    page.get_by_label("Tệp danh sách người lao động (CSV hoặc XLSX)").set_input_files(str(file))
    page.get_by_role("button", name="Tải lên").click()
    page.wait_for_selector("#refused")
    assert page.get_by_role("link", name="Tải danh sách lỗi (CSV)").is_visible()
    page.screenshot(path=str(artifacts / "vaccination-employer-refused-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 800})
    page.screenshot(path=str(artifacts / "vaccination-employer-refused-1366.png"), full_page=True)
