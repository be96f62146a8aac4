"""Offline, a personal QR code names nobody (by design): the verdict shows what the code
proves instead (its level, until when it is valid, that this tablet checked it) and asks
staff to look at the traveller's ID document, in Vietnamese first, then English."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from checkpoints.models import Checkpoint
from tests.browser.test_checkpoint_scanner import (  # noqa: F401 (fixtures)
    checkpoint,
    guard,
    sign_in,
    traveller,
    wait_until,
)
from truyvet.accounts.models import User
from truyvet.lib import signing
from truyvet.people.models import Person
from truyvet.people.normalize import mask_name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]

ROADSIDE_TABLET = {"width": 800, "height": 1280}
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def test_offline_a_personal_qr_code_shows_its_level_and_validity_and_asks_for_the_id_document_not_a_name(
    live_server: Any,
    browser: Any,
    artifacts: Path,
    checkpoint: Checkpoint,  # noqa: F811
    guard: User,  # noqa: F811
    traveller: Callable[..., tuple[Person, str]],  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    person, token = traveller("yellow", full_name="Vàng Thị Mỷ")
    valid_until = datetime.fromtimestamp(signing.verify(token)["exp"], HANOI)
    context = browser.new_context(viewport=ROADSIDE_TABLET, timezone_id="Asia/Ho_Chi_Minh")
    sign_in(context, live_server, guard)
    page = context.new_page()
    page.goto(f"{live_server.url}/checkpoints/{checkpoint.pk}/scan/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    kept = """async () => !!(await (await caches.open("truyvet-scanner-pages")).match(location.pathname))
        && !!localStorage.getItem("truyvet.jwks")"""
    wait_until(lambda: page.evaluate(kept))  # online once: the page and the keys are kept
    context.set_offline(True)
    page.reload()
    expect(page.locator("#net-status")).to_have_text("Offline")

    page.locator("#scan-code").fill(token)
    page.locator("#scan-code").press("Enter")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "refer")
    expect(page.locator("#verdict-source")).to_have_text("Offline: from the code only")
    proof = page.locator("#proof-facts li")
    expect(proof).to_have_count(3)
    expect(proof.nth(0).locator("[lang=vi]")).to_have_text("Đã xác thực ngoại tuyến trên máy tính bảng này")
    expect(proof.nth(0).locator("[lang=en]")).to_have_text("Verified offline on this tablet")
    expect(proof.nth(1).locator("[lang=vi]")).to_have_text("Vàng: cần theo dõi")
    expect(proof.nth(1).locator("[lang=en]")).to_have_text("Yellow: needs attention")
    expect(proof.nth(1).locator("[lang=vi]")).to_have_class("badge fs-6 risk-yellow")
    vietnamese_time = f"{valid_until:%H:%M} {valid_until:%d/%m/%Y}"
    expect(proof.nth(2).locator("[lang=vi]")).to_contain_text(f"Hiệu lực đến {vietnamese_time}")
    expect(proof.nth(2).locator("[lang=en]")).to_contain_text(f"Valid until {valid_until.day} ")
    expect(proof.nth(2).locator("[lang=en]")).to_contain_text(f"{valid_until:%Y}, {valid_until:%H:%M}")
    reminder = page.locator("#id-reminder")
    expect(reminder).to_be_visible()
    expect(reminder.locator("[lang=vi]")).to_contain_text("giấy tờ tùy thân")
    expect(reminder.locator("[lang=en]")).to_contain_text("ID document")
    assert reminder.locator("div").first.get_attribute("lang") == "vi", "Vietnamese first"

    expect(page.locator("#person-name")).to_have_text("")
    html = page.content()
    assert person.full_name not in html and mask_name(person.full_name) not in html
    page.screenshot(path=str(artifacts / "checkpoint-scanner-offline-proof-800.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 740})
    page.locator("#verdict").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "checkpoint-scanner-offline-proof-360.png"), full_page=True)

    # Recorded, then the next traveller: what this code proved goes with them.
    page.locator("#record").click()
    expect(page.locator("#queue-count")).to_have_text("1")
    page.get_by_role("button", name="Next traveller").click()
    expect(page.locator("#offline-proof")).to_be_hidden()
    expect(proof).to_have_count(0)
    context.close()
