"""The whole way of a dose: a citizen registers a family member and books a day on a phone; at
the site the vaccinator holds the member's personal QR to the camera, screens and records the
dose; the citizen's page shows the certificate; and /verify/, on another device held to that
certificate, checks it offline."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.fake_camera import write_y4m
from tests.factories import HealthUnitFactory, PersonFactory, UserFactory, home_ward
from tests.vaccination.registration_fixtures import make_campaign
from truyvet.accounts.models import Role, UnitKind, User
from truyvet.credentials.services import qr_issue
from truyvet.lib.qr import render_png
from vaccination.models import Appointment, Dose, PriorityGroup, Screening, Site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]


def _signed_in(context: Any, live_server: Any, user: User) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def _with_camera(playwright: Any, live_server: Any, video: Path, viewport: dict[str, int]) -> tuple[Any, Any]:
    args = [*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"]  # fmt: skip
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
    context = browser.new_context(viewport=viewport)
    context.grant_permissions(["camera"], origin=live_server.url)
    return browser, context


def test_a_registered_member_is_scanned_vaccinated_and_their_certificate_verifies_offline(
    live_server: Any, playwright: Any, browser: Any, tmp_path: Path, artifacts: Path
) -> None:
    citizen = UserFactory(username="citizen", role=Role.CITIZEN, phone="+84912345678", password=None)
    PersonFactory(full_name="Lò Văn Páo", phone=citizen.phone)
    member = PersonFactory(full_name="Lò Thị Mai", phone=citizen.phone)
    unit = HealthUnitFactory(kind=UnitKind.VACCINATION_SITE, wards=[home_ward(0)])
    vaccinator = UserFactory(role=Role.VACCINATION_STAFF, health_unit=unit)
    site = Site.objects.create(name="Trạm Y tế phường Tân Phong", ward=home_ward(0), address="Số 1 Đường 30/4")
    site.staff.add(vaccinator)
    # A transactional test's flush empties the groups the migration seeded.
    PriorityGroup.objects.get_or_create(
        code="health-workers", defaults={"name": "Người làm việc trong các cơ sở y tế, ngành y tế", "order": 1}
    )
    make_campaign(name="Tiêm chủng COVID-19 đợt 3")

    # 1. The citizen registers the member and books tomorrow morning, on a phone.
    phone = browser.new_context(viewport={"width": 360, "height": 740})
    _signed_in(phone, live_server, citizen)
    page = phone.new_page()
    page.goto(f"{live_server.url}/vaccination/register/")
    page.get_by_label("Người được tiêm").select_option(label="Lò Thị Mai")
    page.get_by_label("Nhóm ưu tiên").select_option(index=1)
    page.get_by_label("Điểm tiêm mong muốn").select_option(label=site.name)
    page.get_by_role("button", name="Đăng ký", exact=True).click()
    page.wait_for_url("**/book/")
    tomorrow = timezone.localdate() + timedelta(days=1)
    page.locator(f'input[value="{tomorrow.isoformat()}/morning"]').check()
    page.get_by_role("button", name="Đặt lịch").click()
    page.wait_for_url("**/vaccination/register/")
    assert Appointment.objects.get().person == member

    # 2. At the site the vaccinator holds the member's personal QR to the camera.
    token, _expires = qr_issue(person=member, risk_level="green")
    card = write_y4m(tmp_path / "card.y4m", render_png(token, box_size=6, border=4))
    site_browser, desk = _with_camera(playwright, live_server, card, {"width": 1280, "height": 800})
    _signed_in(desk, live_server, vaccinator)
    visit = desk.new_page()
    visit.goto(f"{live_server.url}/vaccination/sites/{site.pk}/")
    visit.locator("#vacc-camera").click()
    visit.wait_for_url(f"**/vaccination/sites/{site.pk}/people/{member.pk}/", timeout=30_000)
    assert visit.locator("#visit-appointment").is_visible()
    visit.get_by_label("Vắc xin", exact=True).select_option("EU/1/20/1528")
    visit.get_by_label("Lô", exact=True).fill("FK1234")
    visit.screenshot(path=str(artifacts / "vaccination-visit-screened.png"), full_page=True)
    visit.get_by_role("button", name="Ghi nhận").click()
    visit.wait_for_url(f"**/vaccination/sites/{site.pk}/**")
    site_browser.close()
    dose = Dose.objects.get(person=member)
    assert (dose.product, dose.lot, dose.dose_number, dose.site_id) == ("EU/1/20/1528", "FK1234", 1, site.pk)
    assert Screening.objects.get(person=member).outcome == "vaccinate"

    # 3. The citizen's page shows the member's certificate.
    page.goto(f"{live_server.url}/vaccination/me/")
    hc1 = page.locator(".dcc-qr[data-hc1]").first.get_attribute("data-hc1")
    assert hc1 and hc1.startswith("HC1:")
    page.screenshot(path=str(artifacts / "vaccination-my-certificate-phone.png"), full_page=True)
    phone.close()

    # 4. Another device reads that certificate from the camera and checks it offline.
    certificate = write_y4m(
        tmp_path / "dcc.y4m", render_png(hc1, box_size=8, border=4, error_correction="Q"), width=1280, height=960
    )
    verifier, context = _with_camera(playwright, live_server, certificate, {"width": 360, "height": 740})
    checker = context.new_page()
    checker.goto(f"{live_server.url}/vaccination/verify/")
    checker.wait_for_load_state("networkidle")
    context.set_offline(True)
    checker.locator("#dcc-camera").click()
    result = checker.locator("#dcc-result[data-outcome]")
    result.wait_for(state="visible", timeout=30_000)
    text = result.inner_text()
    assert result.get_attribute("data-outcome") == "valid", text
    assert "LO THI<MAI" in text and "1/2" in text
    checker.screenshot(path=str(artifacts / "vaccination-verified-offline.png"), full_page=True)
    verifier.close()
