"""The demo's devices, readings and fevers, and simulate_devices' refusal in production."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from edge_devices.models import Device, Reading
from truyvet.accounts.models import Alert, User

pytestmark = pytest.mark.django_db


def test_the_demo_registers_a_camera_and_a_kiosk_with_a_day_of_readings_and_a_rerun_adds_nothing(client) -> None:
    from checkpoints import demo as checkpoint_demo
    from edge_devices import demo as device_demo
    from truyvet.accounts import demo as account_demo
    from truyvet.people import demo as people_demo

    out = io.StringIO()
    account_demo.seed({}, out)
    people_demo.seed({"people": 10}, out)
    checkpoint_demo.seed({"passages": 10}, out)
    device_demo.seed({"device_readings": 120}, out)
    counts = (Device.objects.count(), Reading.objects.count(), Reading.objects.filter(fever=True).count())
    assert counts == (2, 120, 2)
    alerts = Alert.objects.filter(kind="device_fever").count()
    assert alerts > 0
    device_demo.seed({"device_readings": 120}, out)
    assert (Device.objects.count(), Reading.objects.count(), Reading.objects.filter(fever=True).count()) == counts
    assert Alert.objects.filter(kind="device_fever").count() == alerts
    # The demo checkpoint account oversees the checkpoint: it sees the devices, the kiosk offline.
    client.force_login(User.objects.get(username="checkpoint"))
    page = client.get("/checkpoints/").content.decode()
    assert (
        "DEMO-KIOSK-01" in page and "DEMO-DS2TD2617-01" not in page.split('id="offline-devices"')[1].split("</ul>")[0]
    )
    assert "DEMO-KIOSK-01" in client.get("/devices/").content.decode()


def test_simulate_devices_is_refused_in_production(settings) -> None:
    settings.DJANGO_ENV = "production"
    with pytest.raises(CommandError):
        call_command("simulate_devices", "--duration", "1")
