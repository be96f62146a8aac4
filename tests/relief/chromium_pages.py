"""Drive Chromium through the public SOS pages of a running portal and report what it saw,
as JSON: ``python -m tests.relief.chromium_pages <base url> <ward code> <screenshot dir>``.

It runs in its own process (``test_public_pages_in_a_browser``): Playwright's sync API keeps
one driver per process, and the browser tests of ``tests/browser`` hold theirs for the whole
run. Map tiles are refused (no network in CI): the pages must work without them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

WIDTHS = (360, 800, 1366)
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def main(base: str, ward_code: str, shots: Path) -> dict[str, Any]:
    seen: dict[str, Any] = {"overflow": {}, "map_shown": {}, "picker_shown": {}, "errors": []}
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for width in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": 800})
            page = context.new_page()
            page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
            page.on("pageerror", lambda error: seen["errors"].append(str(error)))
            page.goto(f"{base}/operations/sos/")
            page.wait_for_selector(".leaflet-interactive", timeout=15_000)
            seen["map_shown"][width] = page.locator("#sos-map").is_visible()
            seen["overflow"][f"map-{width}"] = page.evaluate(OVERFLOW)
            seen.setdefault("points", page.locator(".leaflet-interactive").count())
            page.screenshot(path=str(shots / f"sos-map-{width}.png"), full_page=True)
            page.goto(f"{base}/operations/sos/new/")
            seen["picker_shown"][width] = page.locator("#sos-picker").is_visible()
            seen["overflow"][f"form-{width}"] = page.evaluate(OVERFLOW)
            page.screenshot(path=str(shots / f"sos-form-{width}.png"), full_page=True)
            if width == WIDTHS[0]:
                ask(page, ward_code, shots, seen)
            context.close()
        browser.close()
    return seen


def ask(page: Any, ward_code: str, shots: Path, seen: dict[str, Any]) -> None:
    """Ask for oxygen as a person on a phone would: a tap on the map for the pin."""
    page.get_by_text("Oxy", exact=True).click()
    page.locator("#sos-picker").click(position={"x": 150, "y": 120})
    seen["pin"] = [page.input_value("#id_latitude"), page.input_value("#id_longitude")]
    page.locator("#id_ward_code").select_option(ward_code)
    page.get_by_label("Bạn cần gì? Có bao nhiêu người?").fill("Bố tôi khó thở, cần bình oxy")
    page.get_by_label("Số điện thoại di động để gọi lại cho bạn").fill("0981 234 567")
    page.screenshot(path=str(shots / "sos-form-filled-360.png"), full_page=True)
    page.get_by_role("button", name="Gửi yêu cầu hỗ trợ").click()
    page.wait_for_url("**/operations/sos/r/**")
    seen["confirmation"] = page.locator(".alert-success").inner_text()
    seen["follow_url"] = page.url
    page.screenshot(path=str(shots / "sos-follow-360.png"), full_page=True)


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], Path(sys.argv[3]))))
