"""The COVID-safe map end to end in Chromium: a manager assesses on a phone, the public map
shows the new colour; a citizen reports through the map's popup, the station verifies, and
the colour on the open map changes without a reload. Screenshots go to test-artifacts/."""

from __future__ import annotations

import importlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

from safetymap.models import Facility, Report, ReportState
from tests.factories import UserFactory, home_ward
from tests.safetymap.photos import photo_with_gps
from truyvet.accounts.models import HealthUnit, Role, User
from truyvet.people.normalize import search_key

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]

SAFE, AT_RISK = (25, 135, 84), (245, 196, 0)
PIXEL_AT = """(id) => {
  const sm = window.safetyMap; const p = sm && sm.point(id);
  if (!p) { return null; }
  const canvas = document.querySelector('#sm-map canvas'); if (!canvas) { return null; }
  const at = sm.map.latLngToContainerPoint([p.lat, p.lng]);
  const box = document.getElementById('sm-map').getBoundingClientRect();
  const c = canvas.getBoundingClientRect();
  const x = Math.round((box.left + at.x - c.left) * canvas.width / c.width);
  const y = Math.round((box.top + at.y - c.top) * canvas.height / c.height);
  const d = canvas.getContext('2d').getImageData(x, y, 1, 1).data;
  return {rgb: [d[0], d[1], d[2]], status: p.status, x: box.left + at.x, y: box.top + at.y};
}"""

GREEN = PIXEL_AT.replace("return {rgb", "return d[1] > 100 && {rgb")
YELLOW = PIXEL_AT.replace("return {rgb", "return p.status === 'at_risk' && d[0] > 200 && {rgb")


def _close(rgb: list[int], want: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 30 for a, b in zip(rgb, want, strict=True))


@pytest.fixture
def checklists(transactional_db: None) -> None:
    """The default checklists (a flushed database has lost the data migration's rows)."""
    migration = importlib.import_module("safetymap.migrations.0002_default_checklists")
    migration.add_defaults(apps, None)


def _sign_in(page: Any, base: str, user: User, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill("pw-for-tests-123")
    page.locator("form:has(#id_password) button[type=submit]").click()
    page.wait_for_url(f"{base}{next_url}")


def test_an_assessment_and_a_verified_report_change_the_colour_on_the_public_map(
    live_server: Any, browser: Any, artifacts: Path, settings: Any, tmp_path: Path, checklists: None
) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.MAP_TILE_URL = ""  # no tiles here: the points on a blank map
    settings.SAFETYMAP_MAP_REFRESH_SECONDS = 2
    ward = home_ward(0)
    station = HealthUnit.objects.create(name="Trạm Y tế phường một")
    station.wards.set([ward])
    insider: User = UserFactory(username="insider", role=Role.COMMUNE_STATION, health_unit=station)
    manager: User = UserFactory(username="thu", role=Role.FACILITY_MANAGER, first_name="Thu", last_name="Lê Thị")
    school = Facility.objects.create(
        name="Trường Tiểu học Hoa Ban",
        name_key=search_key("Trường Tiểu học Hoa Ban"),
        type="school",
        ward=ward,
        latitude=Decimal("22.390000"),
        longitude=Decimal("103.460000"),
    )
    school.managers.set([manager])
    errors: list[str] = []

    # 1. The manager assesses on a phone: every criterion met, one tap to send.
    phone = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    page = phone.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    _sign_in(page, live_server.url, manager, "/safetymap/mine/")
    page.get_by_role("link", name="Đánh giá hôm nay").click()
    page.wait_for_selector("#assess-form")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "safetymap-assess-360.png"), full_page=True)
    page.get_by_role("button", name="Gửi đánh giá hôm nay").click()
    page.wait_for_url(f"{live_server.url}/safetymap/mine/")
    assert page.locator(".sm-badge.sm-safe").first.is_visible()
    phone.close()

    # 2. The public map (no sign-in) shows the school green.
    visitor = browser.new_context(viewport={"width": 360, "height": 740})
    map_page = visitor.new_page()
    map_page.on("pageerror", lambda error: errors.append(str(error)))
    map_page.goto(f"{live_server.url}/safetymap/")
    map_page.wait_for_function("() => document.body.dataset.smReady")
    map_page.evaluate("() => window.safetyMap.map.setView([22.39, 103.46], 17, {animate: false})")
    map_page.wait_for_function(GREEN, arg=school.pk)
    seen = map_page.evaluate(PIXEL_AT, school.pk)
    assert seen["status"] == "safe" and _close(seen["rgb"], SAFE), seen
    map_page.screenshot(path=str(artifacts / "safetymap-map-safe-360.png"))

    # 3. A citizen taps the point, then "report a problem", and sends words and a photo.
    map_page.mouse.click(seen["x"], seen["y"])
    map_page.get_by_role("link", name="Phản ánh vấn đề").click()
    map_page.wait_for_url(f"{live_server.url}/safetymap/report/{school.pk}/")
    map_page.locator("#id_text").fill("Học sinh không đeo khẩu trang khi vào lớp.")
    map_page.locator("#id_photo").set_input_files(
        {"name": "IMG_2026.jpg", "mimeType": "image/jpeg", "buffer": photo_with_gps()}
    )
    map_page.get_by_role("button", name="Gửi phản ánh").click()
    map_page.wait_for_url(f"{live_server.url}/safetymap/r/**")
    assert map_page.get_by_text("Đã nhận phản ánh của bạn.").is_visible()
    report = Report.objects.get()
    assert report.state == ReportState.NEW and report.photo

    # The map again, left open from here on.
    map_page.goto(f"{live_server.url}/safetymap/")
    map_page.wait_for_function("() => document.body.dataset.smReady")
    map_page.evaluate("() => window.safetyMap.map.setView([22.39, 103.46], 17, {animate: false})")

    # 4. The station of the ward verifies the report on its computer.
    desk = browser.new_context(viewport={"width": 1366, "height": 900})
    staff = desk.new_page()
    staff.on("pageerror", lambda error: errors.append(str(error)))
    _sign_in(staff, live_server.url, insider, "/safetymap/moderation/")
    staff.locator("table tbody a").first.click()
    staff.get_by_role("button", name="Xác minh: vấn đề có thật").click()
    staff.wait_for_selector("#report-state")
    assert Report.objects.get().state == ReportState.VERIFIED
    staff.screenshot(path=str(artifacts / "safetymap-moderation-1366.png"), full_page=True)
    desk.close()

    # 5. The open map turns the school yellow (at risk) at its next refresh, without a reload.
    map_page.wait_for_function(YELLOW, arg=school.pk, timeout=15000)
    seen = map_page.evaluate(PIXEL_AT, school.pk)
    assert _close(seen["rgb"], AT_RISK), seen
    map_page.screenshot(path=str(artifacts / "safetymap-map-at-risk-360.png"))
    visitor.close()
    assert errors == []
