"""The checkpoint scanner in Chromium: a card held to the (fake) camera, and a day offline."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from checkpoints.models import Checkpoint, Passage, Tablet, TripPassenger
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.fake_camera import write_y4m
from tests.factories import BusTripFactory, CheckpointFactory, PersonFactory
from truyvet.accounts.models import User
from truyvet.credentials.services import qr_issue
from truyvet.lib.qr import render_png
from truyvet.people.models import Person
from truyvet.people.normalize import mask_name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]

TABLET = {"width": 1280, "height": 800}  # a 10-inch tablet in landscape


@pytest.fixture
def checkpoint(geo_units: None) -> Checkpoint:
    return CheckpointFactory(name="Chốt Km 12 QL4D", road="QL4D")


@pytest.fixture
def guard(guard: User, checkpoint: Checkpoint) -> User:
    """The cast's guard, on duty at ``checkpoint``."""
    checkpoint.staff.add(guard)
    return guard


@pytest.fixture
def traveller(geo_units: None) -> Callable[..., tuple[Person, str]]:
    def make(risk_level: str = "green", **fields: Any) -> tuple[Person, str]:
        person = PersonFactory(**fields)
        token, _expires = qr_issue(person=person, risk_level=risk_level)
        return person, token

    return make


def sign_in(context: Any, live_server: Any, user: User) -> None:
    """The guard's session (signed in as the login page would) and English on screen."""
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
             "url": live_server.url},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url},
        ]
    )  # fmt: skip


def wait_until(condition: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def test_a_guard_holds_a_travellers_card_to_the_camera_sees_allow_and_records_one_passage(
    live_server: Any,
    playwright: Any,
    tmp_path: Path,
    artifacts: Path,
    checkpoint: Checkpoint,
    guard: User,
    traveller: Callable[..., tuple[Person, str]],
) -> None:
    from playwright.sync_api import expect

    person, token = traveller("green", full_name="Giàng A Páo")
    video = write_y4m(tmp_path / "card.y4m", render_png(token, box_size=6, border=4))
    args = [*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"]  # fmt: skip
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
    context = browser.new_context(viewport=TABLET)
    context.grant_permissions(["camera"], origin=live_server.url)
    sign_in(context, live_server, guard)
    page = context.new_page()
    page.goto(f"{live_server.url}/checkpoints/{checkpoint.pk}/scan/")
    page.locator("#vehicle-plate").fill("24b1-123.45")
    page.locator("#vehicle-type").select_option("motorbike")
    verdict = page.locator("#verdict[data-verdict=allow]")
    verdict.wait_for(state="visible", timeout=20_000)
    expect(page.locator("#person-name")).to_have_text(mask_name("Giàng A Páo"))
    expect(page.locator("#verdict-source")).to_have_text("Checked with the server")
    expect(page.locator("#verdict-vi")).not_to_be_empty()
    page.screenshot(path=str(artifacts / "checkpoint-scanner-camera.png"))

    page.locator("#record").click()
    expect(page.locator("#recorded")).to_be_visible()
    expect(page.locator("#queue-count")).to_have_text("0", timeout=10_000)
    wait_until(lambda: Passage.objects.exists())
    # The card stays in front of the camera: it is read again, but that is no new passage.
    page.wait_for_timeout(4_000)
    expect(page.locator("#record")).to_be_disabled()
    page.screenshot(path=str(artifacts / "checkpoint-scanner-recorded.png"))
    browser.close()

    passage = Passage.objects.get()
    assert (passage.person, passage.checkpoint, passage.verdict, passage.recorded_by) == (
        person,
        checkpoint,
        "allow",
        guard,
    )
    assert (passage.vehicle_plate, passage.vehicle_type, passage.direction) == ("24B1-123.45", "motorbike", "in")
    assert passage.tablet_id, "the tablet says who it is"


def test_offline_the_scanner_judges_from_the_code_queues_three_passages_and_sends_them_once_back_online(
    live_server: Any,
    browser: Any,
    artifacts: Path,
    checkpoint: Checkpoint,
    guard: User,
    traveller: Callable[..., tuple[Person, str]],
) -> None:
    from playwright.sync_api import expect

    travellers = [traveller(level) for level in ("green", "yellow", "red")]
    context = browser.new_context(viewport=TABLET)
    sign_in(context, live_server, guard)
    page = context.new_page()
    scanner = f"{live_server.url}/checkpoints/{checkpoint.pk}/scan/"
    page.goto(scanner)
    # Online once: the worker is installed, the page, its files and the keys are kept.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    kept = """async () => {
        const pages = await caches.open("truyvet-scanner-pages");
        const shell = (await caches.keys()).filter(name => name.startsWith("truyvet-scanner-shell-"));
        return !!(await pages.match(location.pathname)) && shell.length === 1 && !!localStorage.getItem("truyvet.jwks");
    }"""
    wait_until(lambda: page.evaluate(kept))

    context.set_offline(True)
    page.reload()  # from the service worker's copy: no network at all
    expect(page.locator("#net-status")).to_have_text("Offline")
    expect(page.locator("#queue-label")).to_have_text("0 waiting")

    for number, ((_person, token), verdict) in enumerate(zip(travellers, ("allow", "refer", "deny"), strict=True), 1):
        page.locator("#scan-code").fill(token)
        page.locator("#scan-code").press("Enter")
        expect(page.locator("#verdict")).to_have_attribute("data-verdict", verdict)
        expect(page.locator("#verdict-source")).to_have_text("Offline: from the code only")
        if number == 2:
            page.screenshot(path=str(artifacts / "checkpoint-scanner-offline-verdict.png"))
        page.locator("#record").click()
        expect(page.locator("#queue-count")).to_have_text(str(number))

    expect(page.locator("#queue-label")).to_have_text("3 waiting")
    page.screenshot(path=str(artifacts / "checkpoint-scanner-offline-queue.png"))
    queued = page.evaluate("() => truyvetQueue.all()")
    assert len({record["client_id"] for record in queued}) == 3
    assert not Passage.objects.exists()

    context.set_offline(False)
    expect(page.locator("#queue-label")).to_have_text("0 waiting", timeout=20_000)
    wait_until(lambda: Passage.objects.count() == 3)
    tablet_id = page.evaluate("() => JSON.parse(localStorage.getItem('truyvet.tablet_id'))")
    wait_until(lambda: Tablet.objects.filter(device_id=tablet_id, pending=0).exists())
    tablet = Tablet.objects.get(device_id=tablet_id)
    assert (tablet.checkpoint, tablet.user) == (checkpoint, guard) and tablet.last_sync_at
    stored = {p.client_id.hex: p.verdict for p in Passage.objects.all()}
    assert sorted(stored.values()) == ["allow", "deny", "refer"]
    page.screenshot(path=str(artifacts / "checkpoint-scanner-synced.png"))

    # The same queue again (a tablet that never heard the answers): nothing changes.
    page.evaluate(
        "(records) => Promise.all(records.map(r => truyvetQueue.add(r.checkpoint_id, r.item, r.label)))", queued
    )
    report = page.evaluate(
        "() => truyvetQueue.sync({scansUrl: '/api/v1/checkpoints/{id}/scans/', tabletId: 'replay',"
        " csrfToken: document.cookie.match(/csrftoken=([^;]+)/)[1]})"
    )
    assert (report["duplicate"], report["created"], report["rejected"], report["error"]) == (3, 0, [], None)
    assert page.evaluate("() => truyvetQueue.count()") == 0
    assert Passage.objects.count() == 3
    assert {p.client_id.hex: p.verdict for p in Passage.objects.all()} == stored
    context.close()


def test_a_bus_shows_its_passengers_and_staff_record_those_on_board_then_a_typed_id_number_asks_to_declare(
    live_server: Any,
    browser: Any,
    artifacts: Path,
    checkpoint: Checkpoint,
    guard: User,
    traveller: Callable[..., tuple[Person, str]],
) -> None:
    from playwright.sync_api import expect

    green, _token = traveller("green", full_name="Lò Văn Xanh")
    yellow, _token = traveller("yellow", full_name="Lò Thị Vàng")
    trip = BusTripFactory(vehicle_plate="29B-11111")
    on_board = [
        TripPassenger.objects.create(trip=trip, person=green, full_name=green.full_name, seat="A1"),
        TripPassenger.objects.create(trip=trip, person=yellow, full_name=yellow.full_name, seat="A2"),
        TripPassenger.objects.create(trip=trip, full_name="Lò Văn Chưa", id_number="011095000123", seat="B1"),
    ]
    context = browser.new_context(viewport=TABLET)
    sign_in(context, live_server, guard)
    page = context.new_page()
    page.goto(f"{live_server.url}/checkpoints/scan/")
    page.get_by_role("button", name="Start duty shift here").click()
    page.wait_for_url(f"**/checkpoints/{checkpoint.pk}/scan/")
    page.goto(f"{live_server.url}/checkpoints/scan/")
    expect(page.get_by_role("button", name="End duty shift")).to_be_visible()
    page.screenshot(path=str(artifacts / "checkpoint-scanner-home.png"))
    page.get_by_role("link", name="Open the scanner").click()
    page.wait_for_url(f"**/checkpoints/{checkpoint.pk}/scan/")

    page.locator("#scan-code").fill(trip.code.lower())
    page.locator("#scan-code").press("Enter")
    rows = page.locator("#trip-rows tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#trip-rows tr.no-declaration")).to_have_count(1)
    expect(page.locator("#trip-record")).to_have_text("Record on-board passengers (3)")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "refer")
    expect(page.locator("#declare")).to_be_visible()
    rows.nth(1).locator("input[type=checkbox]").uncheck()  # she stayed behind
    expect(page.locator("#trip-record")).to_have_text("Record on-board passengers (2)")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "declare")
    page.screenshot(path=str(artifacts / "checkpoint-scanner-trip.png"))
    page.locator("#trip-record").click()
    expect(page.locator("#queue-count")).to_have_text("0", timeout=10_000)
    wait_until(lambda: Passage.objects.count() == 2)
    recorded = Passage.objects.filter(trip=trip)
    assert sorted(p.person_id or 0 for p in recorded) == sorted([green.pk, 0])
    assert {p.vehicle_plate for p in recorded} == {"29B-11111"} and {p.vehicle_type for p in recorded} == {"bus"}
    assert on_board[1].person_id not in {p.person_id for p in recorded}

    page.locator("#scan-code").fill("079199000042")
    page.locator("#scan-code").press("Enter")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "declare")
    expect(page.locator("#result-message")).to_have_text("Not found on the system: ask them to declare.")
    qr = page.locator("#declare-qr")
    expect(qr).to_be_visible()
    assert page.evaluate("() => document.getElementById('declare-qr').naturalWidth") > 0
    link = page.locator("#declare-link").get_attribute("href") or ""
    assert link.startswith(f"/declarations/new/domestic/?checkpoint={checkpoint.pk}&next=")
    page.screenshot(path=str(artifacts / "checkpoint-scanner-declare.png"))
    page.locator("#record").click()
    expect(page.locator("#queue-count")).to_have_text("0", timeout=10_000)
    wait_until(lambda: Passage.objects.count() == 3)
    typed = Passage.objects.get(trip=None)
    assert (typed.person, typed.identifier, typed.verdict) == (None, "079199000042", "declare")
    context.close()
