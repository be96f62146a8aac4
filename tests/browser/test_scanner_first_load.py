"""What a roadside tablet downloads the first time it opens the scanner, as production serves
it: the files collected by the production storage (hashed, gzip-compressed) and served by
WhiteNoise, counted by Chromium (the page's requests and the service worker's, which stores
the scanner for offline use). At most 250 KiB, and the QR decoder (jsQR) only on a browser
that has no BarcodeDetector of its own: there it still reads a real QR code, online and,
kept by the service worker, offline.

A size, not a timing: the figure does not depend on the machine. ``bench/run_scanner_weight.py``
measures the same against gunicorn with ``DJANGO_ENV=production`` (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.test import override_settings
from django.test.testcases import LiveServerThread
from whitenoise import WhiteNoise

from checkpoints.models import Checkpoint
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.fake_camera import write_y4m
from tests.browser.test_checkpoint_scanner import checkpoint, guard, sign_in, traveller  # noqa: F401 (fixtures)
from truyvet.accounts.models import User
from truyvet.lib.qr import render_png
from truyvet.people.models import Person
from truyvet.settings import STORAGES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]

FIRST_LOAD_LIMIT = 250 * 1024
ROADSIDE_TABLET = {"width": 800, "height": 1280}
PRODUCTION_STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "truyvet.staticfiles.ProductionStaticFilesStorage"}}
# A browser that reads QR codes itself, as Android's Chrome does: it sees the card's token.
STAND_IN = """window.BarcodeDetector = class {
  static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
  detect(video) { return Promise.resolve(video.videoWidth ? [{rawValue: TOKEN}] : []); }
};"""
DECODER = re.compile(r"/static/vendor/jsqr-1\.4\.0/jsQR\.min\.[0-9a-f]{12}\.js$")


@dataclass
class Fetched:
    url: str
    by_worker: bool
    transferred: int


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, STORAGES=PRODUCTION_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def production_server(collected: Path) -> Iterator[str]:
    """This test's database behind the production static files: hashed names in the pages,
    gzip as WhiteNoise serves it (brotli is not installed)."""

    def static_files(application: Any) -> WhiteNoise:
        return WhiteNoise(
            application,
            root=collected,
            prefix=settings.STATIC_URL,
            immutable_file_test=r"\.[0-9a-f]{12}\.\w+$",
        )

    shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    with override_settings(STATIC_ROOT=collected, STORAGES=PRODUCTION_STORAGES):
        thread = LiveServerThread("localhost", static_files, connections_override=shared)
        thread.daemon = True
        for connection in shared.values():
            connection.inc_thread_sharing()
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        try:
            yield f"http://localhost:{thread.port}"
        finally:
            thread.terminate()
            for connection in shared.values():
                connection.dec_thread_sharing()


def card_in_front_of_the_camera(playwright: Any, tmp_path: Path, token: str) -> Any:
    video = write_y4m(tmp_path / "card.y4m", render_png(token, box_size=6, border=4))
    args = [*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"]  # fmt: skip
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)


def open_scanner(browser: Any, server: str, user: User, at: Checkpoint, init_script: str = "") -> tuple:
    context = browser.new_context(viewport=ROADSIDE_TABLET)
    context.grant_permissions(["camera"], origin=server)
    sign_in(context, SimpleNamespace(url=server), user)
    if init_script:
        context.add_init_script(init_script)
    fetched: list[Fetched] = []

    def finished(request: Any) -> None:
        sizes = request.sizes()
        fetched.append(
            Fetched(
                url=request.url.removeprefix(server),
                by_worker=request.service_worker is not None,
                transferred=sizes["responseBodySize"] + sizes["responseHeadersSize"],
            )
        )

    context.on("requestfinished", finished)
    page = context.new_page()
    page.goto(f"{server}/checkpoints/{at.pk}/scan/")
    return context, page, fetched


def settled(page: Any) -> None:
    """The worker controls the page and has stored the scanner; the network is quiet."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
    page.wait_for_function(
        """async () => {
            const shell = (await caches.keys()).filter(name => name.startsWith("truyvet-scanner-shell-"));
            const pages = await caches.open("truyvet-scanner-pages");
            return shell.length === 1 && !!(await pages.match(location.pathname))
                && !!localStorage.getItem("truyvet.jwks");
        }""",
        timeout=20_000,
    )
    page.wait_for_load_state("networkidle")


def weight(fetched: list[Fetched]) -> int:
    return sum(item.transferred for item in fetched)


def test_without_a_barcode_detector_the_scanner_fetches_jsqr_reads_a_real_card_and_keeps_it_offline(
    production_server: str,
    playwright: Any,
    tmp_path: Path,
    artifacts: Path,
    checkpoint: Checkpoint,  # noqa: F811
    guard: User,  # noqa: F811
    traveller: Callable[..., tuple[Person, str]],  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    _person, token = traveller("green", full_name="Giàng A Páo")
    browser = card_in_front_of_the_camera(playwright, tmp_path, token)
    native = browser.new_page().evaluate("() => 'BarcodeDetector' in window")
    # Chromium on Linux has none; where it has one, take it away to test the fallback.
    context, page, fetched = open_scanner(
        browser, production_server, guard, checkpoint, "delete window.BarcodeDetector;" if native else ""
    )
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "allow", timeout=20_000)
    expect(page.locator("#scanner-video")).to_have_attribute("data-decoder", "jsqr")
    settled(page)
    page.wait_for_function(
        """async (url) => !!(await caches.match(url))""",
        arg=page.evaluate("() => document.querySelector('script[data-fallback]').dataset.fallback"),
        timeout=20_000,
    )
    page.screenshot(path=str(artifacts / "checkpoint-scanner-camera-800.png"))
    downloaded = [item.url for item in fetched if item.transferred and DECODER.search(item.url)]
    assert downloaded, "jsQR, minified, fetched once the camera is on"
    needs = "() => caches.open('truyvet-scanner-needs').then(c => c.keys()).then(k => k.map(r => r.url))"
    assert [url.rsplit("/", 1)[1] for url in page.evaluate(needs)] == ["qr_decoder"], "kept at each new version"
    total = weight(fetched)
    heaviest = sorted(fetched, key=lambda item: -item.transferred)[:5]
    assert total <= FIRST_LOAD_LIMIT, f"{total / 1024:.1f} KiB > 250 KiB; the heaviest: {heaviest}"

    # Offline, the worker's copy of jsQR reads the card again.
    context.set_offline(True)
    page.reload()
    expect(page.locator("#net-status")).to_have_text("Offline")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "allow", timeout=20_000)
    expect(page.locator("#verdict-source")).to_have_text("Offline: from the code only")
    expect(page.locator("#scanner-video")).to_have_attribute("data-decoder", "jsqr")
    page.screenshot(path=str(artifacts / "checkpoint-scanner-camera-offline-800.png"))
    context.close()
    browser.close()


def test_with_a_barcode_detector_the_scanner_never_downloads_jsqr(
    production_server: str,
    playwright: Any,
    tmp_path: Path,
    checkpoint: Checkpoint,  # noqa: F811
    guard: User,  # noqa: F811
    traveller: Callable[..., tuple[Person, str]],  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    _person, token = traveller("green", full_name="Giàng A Páo")
    browser = card_in_front_of_the_camera(playwright, tmp_path, token)
    native = browser.new_page().evaluate(
        "() => 'BarcodeDetector' in window ? BarcodeDetector.getSupportedFormats() : []"
    )
    # The browser's own reader where it reads QR codes; else a stand-in that reads this card,
    # as Android's Chrome would.
    stand_in = "" if "qr_code" in native else STAND_IN.replace("TOKEN", json.dumps(token))
    context, page, fetched = open_scanner(browser, production_server, guard, checkpoint, stand_in)
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "allow", timeout=20_000)
    expect(page.locator("#scanner-video")).to_have_attribute("data-decoder", "barcode-detector")
    settled(page)
    assert [item.url for item in fetched if "jsQR" in item.url] == []
    assert "truyvet-scanner-needs" not in page.evaluate("() => caches.keys()")
    assert weight(fetched) <= FIRST_LOAD_LIMIT
    context.close()
    browser.close()
