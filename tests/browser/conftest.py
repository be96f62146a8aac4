"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium), never a downloaded one."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's guard against ORM use
# from async code would otherwise refuse the test's own database access.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def playwright() -> Iterator[object]:
    """One Playwright driver for the whole run: its sync API keeps an event loop in this
    thread, so a second one started by a test after the first would be refused. Tests that
    need their own Chromium (a fake camera's flags) launch it from this driver."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (`.ci/run` does).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: object) -> Iterator[object]:
    instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)  # type: ignore[attr-defined]
    yield instance
    instance.close()


@pytest.fixture
def phone_page(browser: object) -> Iterator[object]:
    """A page on a phone-sized viewport (a cheap Android phone)."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2)  # type: ignore[attr-defined]
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop_page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    yield context.new_page()
    context.close()
