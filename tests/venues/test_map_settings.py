"""The maps' tile server is a setting (MAP_TILE_URL, with MAP_TILE_ATTRIBUTION and the
province's centre, MAP_CENTER); the Content-Security-Policy follows it, and the venue
location picker gets it, or nothing when there are no tiles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import VenueFactory
from truyvet.accounts.models import User
from truyvet.settings import tile_source

ROOT = Path(__file__).resolve().parents[2]
READ = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.MAP_TILE_URL, s.CSP_IMG_SOURCES, s.LEAFLET_CONFIG['TILES'], s.MAP_CENTER]))"
)


def settings_with(**env: str) -> tuple[str, list[str], str, list[float]]:
    """The map settings as a server started with these variables reads them."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MAP_", "CSP_"))}
    result = subprocess.run(
        [sys.executable, "-c", READ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "truyvet.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    url, sources, tiles, center = json.loads(result.stdout.strip().splitlines()[-1])
    return url, sources, tiles, center


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tiles.example.vn/{z}/{x}/{y}.png", "https://*.tiles.example.vn"),
        ("http://10.0.0.5:8080/tiles/{z}/{x}/{y}.png", "http://10.0.0.5:8080"),
        ("/tiles/{z}/{x}/{y}.png", ""),
        ("", ""),
    ],
    ids=["openstreetmap", "subdomains", "an address and port", "the portal itself", "no tiles"],
)
def test_the_policy_allows_the_tile_servers_host_and_nothing_more(url: str, source: str) -> None:
    assert tile_source(url) == source


def test_by_default_the_maps_use_openstreetmap_and_the_policy_allows_it() -> None:
    url, sources, tiles, center = settings_with()
    assert url == tiles == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert sources == ["https://tile.openstreetmap.org"] and center == [22.39, 103.46]


def test_an_empty_tile_url_means_no_tiles_and_no_outside_image_source() -> None:
    url, sources, tiles, _center = settings_with(MAP_TILE_URL="")
    assert url == tiles == "" and sources == []


def test_the_earlier_name_map_tiles_is_still_read_and_the_policy_follows_it() -> None:
    url, sources, tiles, _center = settings_with(
        MAP_TILES="https://tiles.example.vn/{z}/{x}/{y}.png", CSP_IMG_SOURCES="https://img.example.vn"
    )
    assert url == tiles == "https://tiles.example.vn/{z}/{x}/{y}.png"
    assert sources == ["https://img.example.vn", "https://tiles.example.vn"]


def test_a_centre_outside_viet_nam_is_refused() -> None:
    with pytest.raises(subprocess.CalledProcessError) as error:
        settings_with(MAP_CENTER="51.5,-0.12")
    assert "MAP_CENTER" in error.value.stderr


@pytest.mark.parametrize("tiles", ["", "http://127.0.0.1:9/{z}/{x}/{y}.png"], ids=["no tiles", "own server"])
def test_the_venue_forms_give_the_picker_the_tile_server_its_credit_and_the_centre(
    venue_owner: User, venue_owner_client: Client, insider_client: Client, settings: Any, tiles: str
) -> None:
    settings.MAP_TILE_URL = tiles
    settings.MAP_TILE_ATTRIBUTION = "© Bản đồ tỉnh"
    venue = VenueFactory(owner=venue_owner)
    for client, url in [
        (venue_owner_client, reverse("venues:new")),
        (venue_owner_client, reverse("venues:detail", args=[venue.pk])),
        (insider_client, reverse("venues:owner_new")),
    ]:
        page = client.get(url).content.decode()
        assert f'data-tiles="{tiles}"' in page and 'data-attribution="© Bản đồ tỉnh"' in page, url
        assert 'data-center="22.39,103.46"' in page and 'placeholder="vd. 22.390000"' in page
        assert "Không có bản đồ: cổng thông tin chưa được cấu hình máy chủ bản đồ." in page
        assert 'class="btn btn-sm btn-outline-primary map-locate"' in page
