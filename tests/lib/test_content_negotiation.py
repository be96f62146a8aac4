"""The API's content negotiation: the usual Accept headers answered at once, the rest by DRF."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

BODY = {"venue_code": "NOPE", "qr_token": "x.y.z", "client_id": "2f1c7f4e-8e1a-4a51-9a65-0d7c2f0e9b11"}


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/json; indent=2", "text/*, */*;q=0.5"])
def test_a_client_that_takes_json_gets_the_error_envelope_as_json(client: Client, accept: str | None) -> None:
    headers = {"HTTP_ACCEPT": accept} if accept is not None else {}
    response = client.post("/api/v1/checkins/", BODY, content_type="application/json", **headers)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "token_malformed"


def test_a_client_that_takes_only_html_is_refused_with_406(client: Client) -> None:
    response = client.post("/api/v1/checkins/", BODY, content_type="application/json", HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"


def test_a_format_the_api_does_not_give_is_still_refused(client: Client) -> None:
    response = client.post("/api/v1/checkins/?format=xml", BODY, content_type="application/json")
    assert response.status_code == 404
