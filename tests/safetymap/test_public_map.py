"""The public map and its GeoJSON (API.md, Safety map): no sign-in, the contract's properties,
filters, the error envelope, gzip and conditional GET."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safetymap.models import Facility, FacilityType
from tests.safetymap.conftest import assess, make_facility
from truyvet.accounts.models import User

URL = "/api/v1/safetymap/facilities.geojson"


def test_the_public_map_opens_without_signing_in(client: Client, school: Facility) -> None:
    page = client.get(reverse("safetymap:map"))
    assert page.status_code == 200
    assert "safetymap/map.js" in page.content.decode()


def test_the_geojson_gives_each_facility_with_the_contract_s_properties(
    client: Client, school: Facility, manager: User
) -> None:
    assess(school, manager)
    body = client.get(URL).json()
    assert body["type"] == "FeatureCollection"
    (feature,) = body["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [103.46, 22.39]}
    props = feature["properties"]
    assert set(props) >= {"id", "name", "type", "status", "assessed_at"}
    assert (props["id"], props["name"], props["type"], props["status"], props["score"]) == (
        school.pk,
        school.name,
        "school",
        "safe",
        100,
    )
    assert props["assessed_at"].endswith("Z")


def test_stale_and_never_assessed_facilities_are_not_assessed(client: Client, school: Facility, manager: User) -> None:
    assess(school, manager, at=timezone.now() - timedelta(days=3))
    make_facility("Chưa đánh giá")
    statuses = [f["properties"]["status"] for f in client.get(URL).json()["features"]]
    assert statuses == ["not_assessed", "not_assessed"]


def test_filters_by_type_status_and_ward(client: Client, school: Facility, market: Facility, manager: User) -> None:
    assess(school, manager)
    ids = lambda q: [f["properties"]["id"] for f in client.get(URL + q).json()["features"]]  # noqa: E731
    assert ids("?type=market") == [market.pk]
    assert ids("?status=safe") == [school.pk]
    assert ids("?status=not_assessed") == [market.pk]
    assert ids("?status=safe,not_assessed") == [school.pk, market.pk]
    assert ids(f"?ward_code={school.ward_id}") == [school.pk]
    assert ids("?type=market&type=school") == [school.pk, market.pk]


def test_bad_filters_are_refused_with_the_error_envelope(client: Client, db: None) -> None:
    response = client.get(URL + "?type=castle")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown_facility_type" and "type" in body["errors"]
    assert client.get(URL + "?status=purple").json()["code"] == "unknown_safety_status"
    assert client.get(URL + "?ward_code=abc").json()["code"] == "unknown_ward"
    assert client.get(URL + "?ward_code=").json()["code"] == "unknown_ward"


def test_the_geojson_is_gzipped_and_answers_a_conditional_get_with_304(client: Client, school: Facility) -> None:
    for index in range(30):
        make_facility(f"Trường số {index}", type=FacilityType.SCHOOL)
    response = client.get(URL, HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert len(json.loads(gzip.decompress(response.content))["features"]) == 31
    etag = response["ETag"]
    again = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    make_facility("Trường mới")
    assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_geojson_never_shows_an_inactive_facility(client: Client, school: Facility) -> None:
    Facility.objects.filter(pk=school.pk).update(is_active=False)
    assert client.get(URL).json()["features"] == []


def test_a_new_assessment_changes_the_etag(client: Client, school: Facility, manager: User) -> None:
    etag = client.get(URL)["ETag"]
    assess(school, manager)
    response = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["features"][0]["properties"]["status"] == "safe"


def test_postgresql_s_one_statement_gives_what_python_gives(school: Facility, market: Facility, manager: User) -> None:
    """On PostgreSQL the GeoJSON is one SQL statement; elsewhere Python builds it: the same."""
    from django.db import connection

    import safetymap.selectors as selectors

    if connection.vendor != "postgresql":
        pytest.skip("the SQL path runs on PostgreSQL only")
    assess(school, manager)
    now = timezone.now()
    for filters in [selectors.MapFilter(), selectors.MapFilter(statuses=("not_assessed",))]:
        built = json.loads(selectors.map_geojson(filters, now=now))

        class Elsewhere:
            vendor = "sqlite"

        try:
            selectors.connection = Elsewhere()  # type: ignore[assignment]
            python = json.loads(selectors.map_geojson(filters, now=now))
        finally:
            selectors.connection = connection
        assert built == python
