"""What a tablet downloads for the scanner: the QR decoder only where the browser has none,
compressed pages, and no stored copy of a page that carries a message about a traveller.
(The whole first load, measured in Chromium: tests/browser/test_scanner_first_load.py.)"""

from __future__ import annotations

import gzip
import json
import re
from typing import Any

from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from checkpoints.models import BusTrip, Checkpoint
from checkpoints.views import scanner as scanner_views
from tests.factories import BusTripFactory
from truyvet.accounts.models import User

FALLBACK = "/static/vendor/jsqr-1.4.0/jsQR.min.js"


def worker_config(client: Client) -> dict[str, Any]:
    body = client.get("/checkpoints/sw.js").content.decode()
    found = re.search(r"^self\.TRUYVET_SW = (\{.*\});$", body, re.M)
    assert found
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def test_the_scanner_names_the_minified_decoder_and_loads_it_only_when_needed(
    guard_client: Client, checkpoint: Checkpoint
) -> None:
    html = guard_client.get(reverse("checkpoints:scanner", args=[checkpoint.pk])).content.decode()
    assert f'data-fallback="{FALLBACK}"' in html, "qrscan.js is told where the fallback is"
    assert "jsQR" not in "".join(re.findall(r"<script[^>]*\bsrc=\"[^\"]+\"", html)), "no script tag loads it"


def test_the_worker_keeps_the_decoder_apart_for_the_tablets_that_ask_for_it(client: Client) -> None:
    config = worker_config(client)
    assert config["optional"] == {"qr_decoder": FALLBACK}
    assert FALLBACK not in config["shell"], "a tablet with a BarcodeDetector never downloads it"
    assert scanner_views.QR_FALLBACK in scanner_views.SHELL_OPTIONAL.values()


def test_the_vendored_decoder_is_minified_and_keeps_its_licence() -> None:
    found = finders.find("vendor/jsqr-1.4.0/jsQR.min.js")
    licence = finders.find("vendor/jsqr-1.4.0/LICENSE")
    assert isinstance(found, str) and isinstance(licence, str)
    with open(found, encoding="utf-8") as minified:
        source = minified.read()
    assert source.startswith("/*! jsQR 1.4.0") and "Apache License 2.0" in source.splitlines()[0]
    assert len(source) < 140_000 and source.count("\n") < 5
    with open(licence, encoding="utf-8") as text:
        assert "Apache License" in text.read()


def test_the_bus_trip_scanners_fetch_the_decoder_the_same_way(
    guard_client: Client, checkpoint: Checkpoint, bus_operator: User, bus_operator_client: Client
) -> None:
    trip: BusTrip = BusTripFactory(operator=bus_operator)
    pages = [
        (guard_client, reverse("checkpoints:trip_lookup", args=[checkpoint.pk])),
        (bus_operator_client, reverse("checkpoints:trip_passenger_scan", args=[trip.code])),
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert f'data-fallback="{FALLBACK}"' in html and "jsQR.js" not in html, url


def test_the_scanner_pages_are_compressed_for_a_slow_link(guard_client: Client, checkpoint: Checkpoint) -> None:
    for url in (
        reverse("checkpoints:scanner", args=[checkpoint.pk]),
        reverse("checkpoints:scanner_home"),
        reverse("checkpoints:scanner_declare_qr", args=[checkpoint.pk]),
    ):
        response = guard_client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200 and response["Content-Encoding"] == "gzip", url
        assert len(response.content) < len(gzip.decompress(response.content)) / 2, url


def test_a_scanner_page_carrying_a_message_is_not_kept_by_the_tablet(
    guard_client: Client, checkpoint: Checkpoint
) -> None:
    page = reverse("checkpoints:scanner", args=[checkpoint.pk])
    assert "no-store" not in guard_client.get(page).get("Cache-Control", ""), "a plain scanner page is kept offline"
    guard_client.post(reverse("checkpoints:scanner_shift_start", args=[checkpoint.pk]))
    with_message = guard_client.get(page)
    assert "no-store" in with_message["Cache-Control"]
    assert "no-store" not in guard_client.get(page).get("Cache-Control", "")
