"""A bus in a browser: the operator scans a passenger's card, the guard scans the trip code,
unticks one passenger and records the bus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from checkpoints.models import Passage
from checkpoints.services.trips import TripInput, trip_create
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.fake_camera import write_y4m
from tests.checkpoints.test_trips import add, url
from tests.factories import CheckpointFactory, PersonFactory
from truyvet.accounts.models import User
from truyvet.credentials.services import qr_issue
from truyvet.lib.qr import render_png


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("geo_units")
def test_an_operator_scans_a_card_and_a_guard_scans_the_trip_code_and_records_the_bus(
    live_server: Any, tmp_path: Path, artifacts: Path, playwright: Any, bus_operator: User, guard: User
) -> None:
    checkpoint = CheckpointFactory(name="Chốt Km 12")
    checkpoint.staff.add(guard)
    trip = trip_create(
        operator=bus_operator,
        data=TripInput(route="Hà Nội – Lai Châu", vehicle_plate="29B-123.45", departure_at=timezone.now()),
    )
    add(trip, bus_operator, "Tòng Văn Sơn", "C1234567", seat="A2")
    person = PersonFactory(full_name="Tẩn Láo Lở")
    token, _expires = qr_issue(person=person, risk_level="green")

    def camera(name: str, data: str) -> list[str]:
        video = write_y4m(tmp_path / f"{name}.y4m", render_png(data, box_size=6, border=4))
        return [*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}"]  # fmt: skip

    def sign_in(page: Any, username: str, next_path: str) -> None:
        page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill("pw-for-tests-123")
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(f"**{next_path}")

    errors: list[str] = []
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=camera("card", token))
    context = browser.new_context(viewport={"width": 1024, "height": 700})
    context.grant_permissions(["camera"], origin=live_server.url)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, bus_operator.username, url("trip_passenger_scan", trip.code))
    page.locator("#trip-scan-added li").first.wait_for(timeout=20_000)
    assert "Tẩn Láo Lở" in page.locator("#trip-scan-added").inner_text()
    page.screenshot(path=str(artifacts / "trip-passenger-scan.png"))
    page.goto(live_server.url + url("trip_detail", trip.code))
    assert page.locator("#passengers tbody tr").count() == 2
    page.screenshot(path=str(artifacts / "trip-detail.png"), full_page=True)
    browser.close()

    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=camera("trip", trip.code))
    context = browser.new_context(viewport={"width": 1024, "height": 700})
    context.grant_permissions(["camera"], origin=live_server.url)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, guard.username, url("trip_lookup", checkpoint.pk))
    page.locator("#trip-code-camera").click()
    page.wait_for_url(f"**{url('trip_at_checkpoint', checkpoint.pk, trip.code)}", timeout=20_000)
    page.locator(f"#p{trip.passengers.get(person__isnull=True).pk}").uncheck()
    page.screenshot(path=str(artifacts / "trip-at-checkpoint.png"), full_page=True)
    page.locator("button[type=submit]").last.click()
    page.locator("#recorded-status").wait_for()
    browser.close()

    assert not errors
    (passage,) = Passage.objects.filter(trip=trip)
    assert (passage.person, passage.checkpoint, passage.verdict) == (person, checkpoint, "allow")
