"""The public SOS map and its GeoJSON show the type, the status and a place rounded to about a
kilometre: never a phone, a name, words, an address, a number or the exact place."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relief.models import HelpStatus
from tests.relief.conftest import make_request

pytestmark = pytest.mark.django_db

GEOJSON = reverse("api:relief-sos-geojson")


def features(client: Client, query: str = "") -> list[dict]:
    response = client.get(GEOJSON + query)
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    return body["features"]


def test_the_geojson_is_public_and_served_as_geojson(client: Client) -> None:
    make_request()

    response = client.get(GEOJSON)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    assert "public" in response["Cache-Control"]


def test_a_feature_holds_only_the_type_the_status_and_a_rounded_point(client: Client) -> None:
    make_request(latitude=Decimal("22.396428"), longitude=Decimal("103.458481"), kind="oxygen")

    (feature,) = features(client)

    assert feature == {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [103.46, 22.4]},
        "properties": {"type": "oxygen", "status": "new"},
    }


def test_neither_the_geojson_nor_the_page_show_the_phone_the_words_or_the_exact_place(client: Client) -> None:
    sos = make_request(phone="+84981234567", name="Lò Thị Hoa", address="Bản Nà Khum", text="Bố tôi khó thở, SpO2 91%")

    for response in (client.get(GEOJSON), client.get(reverse("relief:sos_map"))):
        body = response.content.decode()
        for secret in (
            "0981234567",
            "84981234567",
            "Lò Thị Hoa",
            "Nà Khum",
            "SpO2",
            "22.396428",
            "103.458481",
            "22.3964",
            "103.4584",
            sos.ref,
        ):
            assert secret not in body, secret


def test_the_order_of_features_says_nothing_of_when_requests_came(client: Client) -> None:
    make_request(kind="rescue", latitude=Decimal("22.100000"), longitude=Decimal("103.100000"))
    make_request(kind="food", latitude=Decimal("22.900000"), longitude=Decimal("103.900000"))
    make_request(kind="food", latitude=Decimal("22.000000"), longitude=Decimal("103.000000"))

    kinds = [(f["properties"]["type"], f["geometry"]["coordinates"]) for f in features(client)]

    assert kinds == sorted(kinds, key=lambda k: (k[0], k[1][1], k[1][0]))
    assert all(set(f) == {"type", "geometry", "properties"} for f in features(client))


def test_done_and_duplicate_requests_leave_the_map_after_the_configured_days(client: Client, settings) -> None:
    settings.RELIEF_MAP_CLOSED_DAYS = 3
    now = timezone.now()
    make_request(kind="food", status=HelpStatus.DONE, status_changed_at=now - timedelta(days=1))
    make_request(kind="medicine", status=HelpStatus.DONE, status_changed_at=now - timedelta(days=4))
    original = make_request(kind="rescue", status_changed_at=now - timedelta(days=30))
    make_request(
        kind="oxygen", status=HelpStatus.DUPLICATE, duplicate_of=original, status_changed_at=now - timedelta(days=5)
    )

    shown = sorted(f["properties"]["type"] for f in features(client))

    assert shown == ["food", "rescue"]  # an open request stays, however old


def test_the_map_filters_by_status_and_type_repeated_or_with_commas(client: Client) -> None:
    make_request(kind="food")
    make_request(kind="oxygen", status=HelpStatus.ASSIGNED)
    make_request(kind="rescue", status=HelpStatus.IN_PROGRESS)

    assert {f["properties"]["type"] for f in features(client, "?status=new,assigned")} == {"food", "oxygen"}
    assert {f["properties"]["type"] for f in features(client, "?type=rescue&type=food")} == {"food", "rescue"}
    assert [f["properties"]["type"] for f in features(client, "?status=assigned&type=food")] == []


@pytest.mark.parametrize(
    ("query", "code", "field"), [("?status=open", "unknown_status", "status"), ("?type=pizza", "unknown_type", "type")]
)
def test_an_unknown_filter_is_refused_in_the_error_envelope(client: Client, query: str, code: str, field: str) -> None:
    response = client.get(GEOJSON + query)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and field in body["errors"]


def test_the_map_page_loads_leaflet_and_the_geojson_and_counts_without_javascript(client: Client) -> None:
    make_request(kind="food")
    make_request(kind="food", status=HelpStatus.DONE)

    page = client.get(reverse("relief:sos_map")).content.decode()

    assert "leaflet/leaflet.js" in page and "relief/sos-map.js" in page
    assert GEOJSON in page
    assert "2 yêu cầu trên bản đồ" in page
