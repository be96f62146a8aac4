"""A thermal camera at the lane flags a fever; the guard's scanner shows it in red beside the
next traveller's verdict (the online check's ``device_fevers``), and not once it is older than
the check's five minutes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from checkpoints.models import Checkpoint
from edge_devices.models import DeviceKind
from edge_devices.services import DeviceInput, ReadingInput, device_register, reading_ingest
from tests.browser.test_checkpoint_scanner import checkpoint, guard, sign_in, traveller  # noqa: F401 (fixtures)
from truyvet.accounts.models import Alert, User
from truyvet.people.models import Person
from truyvet.people.normalize import mask_name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]

ROADSIDE_TABLET = {"width": 800, "height": 1280}


def test_the_scanner_shows_the_cameras_fever_beside_the_next_verdict(
    live_server: Any,
    browser: Any,
    artifacts: Path,
    checkpoint: Checkpoint,  # noqa: F811
    guard: User,  # noqa: F811
    traveller: Callable[..., tuple[Person, str]],  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    camera, _key = device_register(
        user=None, checkpoint=checkpoint, data=DeviceInput(kind=DeviceKind.THERMAL_CAMERA, serial="LANE-1")
    )
    reading, _created = reading_ingest(
        device=camera,
        data=ReadingInput(client_id=uuid.uuid4(), captured_at=timezone.now(), temperature_c=Decimal("38.6")),
    )
    assert reading.fever and Alert.objects.filter(dedupe_key__startswith="fever:").exists()
    _person, token = traveller("green", full_name="Vàng Thị Mai")

    context = browser.new_context(viewport=ROADSIDE_TABLET)
    sign_in(context, live_server, guard)
    page = context.new_page()
    page.goto(f"{live_server.url}/checkpoints/{checkpoint.pk}/scan/")
    fever = page.locator("#device-fever")
    expect(fever).to_be_hidden()  # nothing before a check asked the server

    page.locator("#scan-code").fill(token)
    page.locator("#scan-code").press("Enter")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "allow")
    expect(page.locator("#person-name")).to_have_text(mask_name("Vàng Thị Mai"))
    expect(fever).to_be_visible()
    expect(fever).to_contain_text("38.6")
    assert fever.evaluate("box => getComputedStyle(box).backgroundColor") != "rgba(0, 0, 0, 0)"
    # Beside the verdict: in the same result panel, right under it.
    assert page.locator("#result #device-fever").count() == 1
    page.screenshot(path=str(artifacts / "checkpoint-scanner-device-fever-800.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 740})
    expect(fever).to_be_visible()
    page.screenshot(path=str(artifacts / "checkpoint-scanner-device-fever-360.png"), full_page=True)

    # Six minutes later the alert is no longer the lane's news: the next check hides it.
    Alert.objects.update(created_at=timezone.now() - timedelta(minutes=6))
    page.get_by_role("button", name="Next traveller").click()
    _other, other_token = traveller("green", full_name="Sùng A Lử")
    page.locator("#scan-code").fill(other_token)
    page.locator("#scan-code").press("Enter")
    expect(page.locator("#person-name")).to_have_text(mask_name("Sùng A Lử"))
    expect(fever).to_be_hidden()
    context.close()
