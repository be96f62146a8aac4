"""The venue's location picker works without map tiles (a portal without the internet): no
tile server set, or one that cannot be reached. The form takes typed coordinates or the
browser's location, and a line says why there is no map."""

from __future__ import annotations

import socket
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.factories import home_ward
from truyvet.accounts.models import User
from venues.models import Venue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]


def closed_port() -> int:
    """A port nothing listens on: bound, then let go."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sign_in(page: Any, base: str, user: User, next_path: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill("pw-for-tests-123")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"**{next_path}")


@pytest.mark.parametrize(
    ("tiles", "why"),
    [
        ("", "Không có bản đồ: cổng thông tin chưa được cấu hình máy chủ bản đồ."),
        ("unreachable", "Không tải được bản đồ (mất kết nối Internet?)."),
    ],
    ids=["no tile server", "tile server unreachable"],
)
def test_a_venue_is_registered_with_typed_coordinates_when_the_map_has_no_tiles(
    live_server: Any, browser: Any, artifacts: Path, venue_owner: User, settings: Any, tiles: str, why: str
) -> None:
    settings.MAP_TILE_URL = f"http://127.0.0.1:{closed_port()}/{{z}}/{{x}}/{{y}}.png" if tiles else ""
    name = "no-tiles" if not tiles else "tiles-unreachable"
    for width in (1366, 800, 360):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))  # noqa: B023
        sign_in(page, live_server.url, venue_owner, "/venues/new/")
        blank = page.locator(".map-blank")
        blank.wait_for(state="visible", timeout=15_000)
        assert why in blank.inner_text()
        assert page.locator(".map-picker").is_visible() == bool(tiles)
        assert page.get_by_label("Vĩ độ").get_attribute("placeholder") == "vd. 22.390000"  # the province's centre
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        page.screenshot(path=str(artifacts / f"venue-location-{name}-{width}.png"), full_page=True)
        assert not errors
        if width != 360:
            context.close()
    # On the phone, as an owner would: type the place and register it.
    page.get_by_label("Tên", exact=True).fill("Quán cơm Bản Lang")
    page.get_by_label("Địa chỉ").fill("Bản Lang, nhà 3")
    page.get_by_label("Xã, phường").select_option(str(home_ward(0).code))
    page.get_by_label("Vĩ độ").fill("22.396100")
    page.get_by_label("Kinh độ").fill("103.458200")
    page.get_by_role("button", name="Đăng ký").click()
    page.wait_for_url("**/venues/*/")
    context.close()
    venue = Venue.objects.get()
    assert (venue.name, venue.latitude, venue.longitude) == (
        "Quán cơm Bản Lang",
        Decimal("22.396100"),
        Decimal("103.458200"),
    )


def test_the_location_button_fills_in_the_coordinates_without_a_map(
    live_server: Any, browser: Any, artifacts: Path, venue_owner: User, settings: Any
) -> None:
    settings.MAP_TILE_URL = ""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        geolocation={"latitude": 22.3961, "longitude": 103.4582},
        permissions=["geolocation"],
    )
    page = context.new_page()
    sign_in(page, live_server.url, venue_owner, "/venues/new/")
    page.get_by_role("button", name="Dùng vị trí của tôi").click()
    page.wait_for_function("document.getElementById('id_latitude').value !== ''")
    assert (page.input_value("#id_latitude"), page.input_value("#id_longitude")) == ("22.396100", "103.458200")
    assert "Đã tìm thấy vị trí." in page.locator(".map-status").inner_text()
    page.screenshot(path=str(artifacts / "venue-location-located-360.png"), full_page=True)
    context.close()
