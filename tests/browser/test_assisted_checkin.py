from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from declarations.services import Answers, PersonInput, declaration_submit
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.fake_camera import write_y4m
from tests.factories import home_ward
from truyvet.accounts.models import User
from truyvet.lib.qr import render_png
from venues.models import CheckIn
from venues.services import VenueInput, venue_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]


def test_venue_staff_check_in_a_visitor_by_holding_their_card_to_the_camera(
    live_server: Any, tmp_path: Path, artifacts: Path, playwright: Any, venue_owner: User
) -> None:
    venue = venue_create(
        owner=venue_owner,
        data=VenueInput(name="Chợ Sìn Hồ", category="market", address="Khu 1", ward_code=home_ward(0).code),
    )
    token = declaration_submit(
        kind="daily",
        person=PersonInput(
            full_name="Tẩn Láo Lở",
            id_number="012060000777",
            date_of_birth=None,
            gender="male",
            ward_code=home_ward(0).code,
        ),
        answers=Answers(),
    ).qr_token
    video = write_y4m(tmp_path / "card.y4m", render_png(token, box_size=6, border=4))

    args = [*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"]  # fmt: skip
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
    context = browser.new_context(viewport={"width": 1024, "height": 700})
    context.grant_permissions(["camera"], origin=live_server.url)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/venues/{venue.pk}/assist/")
    page.get_by_label("Tên đăng nhập").fill(venue_owner.username)
    page.get_by_label("Mật khẩu").fill("pw-for-tests-123")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"**/venues/{venue.pk}/assist/")
    result = page.locator("#assist-result")
    result.wait_for(state="visible", timeout=20_000)
    assert "Tẩn L. L." in result.inner_text()
    page.screenshot(path=str(artifacts / "assisted-checkin.png"))
    browser.close()

    checkin = CheckIn.objects.get()
    assert checkin.venue == venue and checkin.assisted_by == venue_owner and checkin.person.full_name == "Tẩn Láo Lở"
