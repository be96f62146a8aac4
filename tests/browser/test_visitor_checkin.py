from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from declarations.models import Declaration
from tests.factories import home_ward
from truyvet.accounts.models import User
from venues.models import CheckIn
from venues.services import VenueInput, venue_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]


def test_a_first_time_visitor_declares_and_checks_in_on_one_screen_and_returns_with_one_tap(
    live_server: Any, phone_page: Any, artifacts: Path, venue_owner: User
) -> None:
    ward = home_ward(0)
    venue = venue_create(
        owner=venue_owner,
        data=VenueInput(name="Siêu thị Than Uyên", category="supermarket", address="Số 8", ward_code=ward.code),
    )
    page = phone_page
    # First visit: no personal QR yet, so one short screen declares and checks in at once.
    page.goto(f"{live_server.url}/v/{venue.code}")
    page.screenshot(path=str(artifacts / "visitor-first-visit-phone.png"), full_page=True)
    page.get_by_label("Họ và tên").fill("Lường Văn Sơn")
    page.get_by_label("Số căn cước công dân (12 chữ số)").fill("012088000555")
    page.get_by_label("Số điện thoại di động").fill("0912 345 678")
    page.get_by_label("Xã, phường", exact=True).select_option(str(ward.code))
    page.get_by_role("button", name="Khai báo và check-in").click()
    page.wait_for_url(f"**/v/{venue.code}")

    assert page.get_by_text("Đã check-in: Lường Văn Sơn.").is_visible()
    assert page.get_by_text("Đang có mặt").is_visible()
    page.screenshot(path=str(artifacts / "visitor-checked-in-phone.png"), full_page=True)
    checkin = CheckIn.objects.get()
    assert checkin.checked_out_at is None

    page.get_by_role("button", name="Check-out (rời đi)").click()
    assert page.get_by_text("Đã check-out: Lường Văn Sơn.").is_visible()
    checkin.refresh_from_db()
    assert checkin.checked_out_at is not None and CheckIn.objects.count() == 1

    # Back another day: the phone knows him, one tap.
    page.get_by_role("button", name="Check-in", exact=True).click()
    assert page.get_by_text("Đã check-in: Lường Văn Sơn.").is_visible()
    assert CheckIn.objects.count() == 2 and Declaration.objects.count() == 1
