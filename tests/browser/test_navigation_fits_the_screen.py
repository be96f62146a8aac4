"""The staff menu fits the screen: one line at 800 and 1366 px for the role with the most
items (the administrator), folded behind the menu button on a phone; its groups open
without a script. No role's home, and not the bus operator's trip page (a long address),
scrolls sideways on a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from truyvet.accounts.navigation import NAV

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]

ONE_LINE = 60  # px: Bootstrap's bar with one line of links is 53-56 px high
WIDTHS = (360, 800, 1366)
ROLES = ("cdc", "healthcentre", "commune", "checkpoint", "venue", "facility", "vaccinator", "busoperator", "admin")


def sign_in(browser: Any, live_server: Any, username: str, *, width: int = 360, **options: Any) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 800}, **options)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill("demo12345")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    return page


def sideways(page: Any) -> int:
    """How far the page scrolls sideways (0: not at all)."""
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


@pytest.fixture
def demo(geo_units: None) -> None:
    call_command("seed_demo", people=60, venues=3, checkins=60, cases=1, proximity=0, passages=10, sos=0,
                 operations_cases=0, verbosity=0)  # fmt: skip


@pytest.mark.usefixtures("demo")
def test_the_administrators_menu_is_one_line_at_800_and_1366_px_and_folded_on_a_phone(
    live_server: Any, browser: Any, artifacts: Path
) -> None:
    roles_per_item = [item for item in NAV if item.roles is None or "administrator" in item.roles]
    assert len(roles_per_item) >= 13, "the administrator is the role with the most items"
    page = sign_in(browser, live_server, "admin", width=1366)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.reload()
        height = page.locator("nav.navbar").bounding_box()["height"]
        page.screenshot(path=str(artifacts / f"menu-admin-{width}.png"))
        assert height <= ONE_LINE, f"the menu is {height}px high at {width}px"
        assert sideways(page) == 0, f"the page scrolls sideways at {width}px"
    # On the phone the groups are behind the menu button; it opens them in a column.
    page.set_viewport_size({"width": 360, "height": 800})
    assert not page.locator("summary", has_text="Truy vết").is_visible()
    page.locator("label.navbar-toggler").click()
    page.locator("summary", has_text="Truy vết").click()
    assert page.get_by_role("link", name="Ca bệnh").is_visible()
    page.screenshot(path=str(artifacts / "menu-admin-360-open.png"), full_page=True)
    page.context.close()


@pytest.mark.usefixtures("demo")
def test_a_menu_group_opens_without_javascript(live_server: Any, browser: Any) -> None:
    page = sign_in(browser, live_server, "cdc", width=800, java_script_enabled=False)
    assert not page.get_by_role("link", name="Vùng dịch").is_visible()
    page.locator("summary", has_text="Truy vết").click()
    assert page.get_by_role("link", name="Vùng dịch").is_visible()
    page.get_by_role("link", name="Vùng dịch").click()
    page.wait_for_url(f"{live_server.url}/zones/")
    page.context.close()


@pytest.mark.usefixtures("demo")
def test_no_roles_home_nor_the_bus_operators_trip_page_scrolls_sideways_on_a_phone(
    live_server: Any, browser: Any, artifacts: Path
) -> None:
    too_wide = []
    for username in ROLES:
        page = sign_in(browser, live_server, username)
        page.screenshot(path=str(artifacts / f"home-{username}-360.png"), full_page=True)
        if sideways(page):
            too_wide.append((username, page.url, sideways(page)))
        if username == "busoperator":
            page.get_by_role("link", name="TRIP-").first.click()
            page.wait_for_load_state()
            page.screenshot(path=str(artifacts / "trip-360.png"), full_page=True)
            if sideways(page):
                too_wide.append((username, page.url, sideways(page)))
        page.context.close()
    assert not too_wide, too_wide
