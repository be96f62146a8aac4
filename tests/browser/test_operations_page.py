"""The public operations page in a real Chromium at a phone's, a tablet's and a desktop's
width: the charts are drawn, nothing overflows sideways, no script error; the map loads
only when asked for. Screenshots go to test-artifacts/ to be looked at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]


@pytest.mark.parametrize("width", [360, 800, 1366])
def test_the_operations_page_draws_its_charts_at_every_width(
    live_server: Any, browser: Any, artifacts: Path, width: int, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", people=300, venues=5, checkins=50, proximity=0, cases=0, passages=20, verbosity=0)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/operations/")
    page.wait_for_selector("#chart-cases canvas")
    page.wait_for_selector("#chart-tests canvas")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert not any("leaflet" in url for url in requested)  # the map waits to be asked for
    assert page.get_by_role("heading", name="Bản đồ điều hành chống dịch").is_visible()
    page.screenshot(path=str(artifacts / f"operations-{width}.png"), full_page=True)
    page.get_by_role("button", name="Xem bản đồ").click()
    page.wait_for_selector("#ops-map .leaflet-marker-pane, #ops-map .leaflet-overlay-pane path")
    assert errors == []
    context.close()
