"""/metrics counts the cameras and kiosks in service and those gone silent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from edge_devices.models import Device


def test_metrics_count_devices_in_service_and_those_offline(
    make_device: Callable[..., tuple[Device, str]], settings: Any
) -> None:
    settings.METRICS_TOKEN = "scrape-token"
    heard, _key = make_device()
    silent, _key = make_device()
    Device.objects.filter(pk=heard.pk).update(last_seen_at=timezone.now())
    Device.objects.filter(pk=silent.pk).update(last_seen_at=timezone.now() - timedelta(hours=1))
    text = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token").content.decode()
    assert f'truyvet_edge_devices{{kind="{heard.kind}"}} 2.0' in text
    assert f'truyvet_edge_devices_offline{{kind="{heard.kind}"}} 1.0' in text
