"""The public SOS map and the help request form in Chromium at 360, 800 and 1366 pixels:
the map and the pin picker show, nothing runs off the side, and a person on a phone sends a
request with a tap on the map and lands on its confirmation. Screenshots go to
``test-artifacts/``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from relief.models import HelpRequest
from tests.factories import home_ward
from tests.relief.conftest import make_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]

ROOT = Path(__file__).resolve().parents[2]


def test_the_public_map_and_the_form_work_at_phone_tablet_and_desktop_widths(live_server: Any, artifacts: Path) -> None:
    make_request(kind="rescue")
    make_request(kind="food", latitude=Decimal("22.100000"), longitude=Decimal("103.100000"))
    ward = home_ward(0)

    result = subprocess.run(
        [sys.executable, "-m", "tests.relief.chromium_pages", live_server.url, str(ward.code), str(artifacts)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "truyvet.settings"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    assert seen["errors"] == []
    assert seen["points"] == 2
    assert all(seen["map_shown"].values()) and all(seen["picker_shown"].values())
    assert all(overflow <= 0 for overflow in seen["overflow"].values()), seen["overflow"]
    assert all(seen["pin"]), "a tap on the map sets the pin"
    assert "Yêu cầu của bạn đã được tiếp nhận" in seen["confirmation"]
    sos = HelpRequest.objects.exclude(pk__in=[]).get(text="Bố tôi khó thở, cần bình oxy")
    assert (sos.kind, sos.phone, sos.ward_id) == ("oxygen", "+84981234567", ward.code)
    assert (str(sos.latitude), str(sos.longitude)) == tuple(seen["pin"])
    assert seen["follow_url"].endswith(f"/operations/sos/r/{sos.ref}/?new=1")
    for name in ("sos-map-360.png", "sos-form-800.png", "sos-form-1366.png", "sos-follow-360.png"):
        assert (artifacts / name).stat().st_size > 5000
