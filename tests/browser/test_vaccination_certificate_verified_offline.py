"""The /verify/ page reads a certificate's QR from the camera and checks it offline, in the
browser (WebCrypto), against the trust list the page carries."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.fake_camera import write_y4m
from tests.factories import HealthUnitFactory, PersonFactory, UserFactory, home_ward
from truyvet.accounts.models import Role, UnitKind
from truyvet.lib.qr import render_png
from vaccination.certificates import certificate_for
from vaccination.models import Site
from vaccination.services import DoseIn, dose_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]


def test_a_certificate_held_to_the_camera_verifies_offline_and_a_forged_text_does_not(
    live_server: Any, tmp_path: Path, artifacts: Path, playwright: Any
) -> None:
    unit = HealthUnitFactory(kind=UnitKind.VACCINATION_SITE, wards=[home_ward(0)])
    vaccinator = UserFactory(role=Role.VACCINATION_STAFF, health_unit=unit)
    site = Site.objects.create(name="Trạm tiêm thử", ward=home_ward(0))
    site.staff.add(vaccinator)
    person = PersonFactory(full_name="Nguyễn Văn An")
    dose_record(
        user=vaccinator,
        data=DoseIn(
            person_id=person.pk,
            product="EU/1/20/1528",
            manufacturer="ORG-100030215",
            dose_number=2,
            total_doses=2,
            administered_on=timezone.localdate() - timedelta(days=3),
            site_id=site.pk,
        ),
    )
    hc1 = certificate_for(person).hc1
    # A dense code (about 400 characters, error correction Q): a larger frame than a personal QR's.
    png = render_png(hc1, box_size=8, border=4, error_correction="Q")
    video = write_y4m(tmp_path / "dcc.y4m", png, width=1280, height=960, frames=10)

    args = [*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"]  # fmt: skip
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.grant_permissions(["camera"], origin=live_server.url)
    page = context.new_page()
    logs: list[str] = []
    page.on("console", lambda message: logs.append(message.text))
    page.on("pageerror", lambda error: logs.append(str(error)))
    page.goto(f"{live_server.url}/vaccination/verify/")

    page.wait_for_load_state("networkidle")
    context.set_offline(True)
    page.locator("#dcc-camera").click()
    result = page.locator("#dcc-result[data-outcome]")
    result.wait_for(state="visible", timeout=30_000)
    text = result.inner_text()
    assert result.get_attribute("data-outcome") == "valid", text
    assert "NGUYEN VAN<AN" in text and "2/2" in text and "Comirnaty" in text
    assert not logs, logs
    page.screenshot(path=str(artifacts / "vaccination-verify.png"), full_page=True)

    forged = hc1[:-8] + ("A" if hc1[-8] != "A" else "B") + hc1[-7:]
    page.locator("#dcc-camera").click()  # stop the camera
    page.locator("#dcc-text").fill(forged)
    page.locator("#dcc-form button").click()
    page.wait_for_function("document.querySelector('#dcc-result').dataset.outcome === 'invalid'", timeout=10_000)
    page.locator("#dcc-text").fill("HC2:ABC")
    page.locator("#dcc-form button").click()
    page.wait_for_function("document.querySelector('#dcc-result').innerText.includes('HC1:')", timeout=10_000)
    browser.close()
