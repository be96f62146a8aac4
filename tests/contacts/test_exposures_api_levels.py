"""The exposures API takes a level from 1 to the tracing depth and says which it accepts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from contacts.models import Case

pytestmark = pytest.mark.django_db


def test_the_exposures_api_refuses_a_level_beyond_the_tracing_depth_and_says_which_it_accepts(
    cdc_client: Client, outsider_client: Client, make_case: Callable[..., Case], settings: pytest.FixtureRequest
) -> None:
    case = make_case()
    url = f"/api/v1/cases/{case.pk}/exposures/"
    settings.TRACING_DEPTH = 2  # type: ignore[attr-defined]
    response = cdc_client.get(url, {"level": "3"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and response.json()["errors"]["level"] == [
        "level is a number from 1 to 2."
    ]
    settings.TRACING_DEPTH = 4  # type: ignore[attr-defined]
    assert cdc_client.get(url, {"level": "4"}).status_code == 200
    assert cdc_client.get(url, {"level": "5"}).json()["detail"] == "level is a number from 1 to 4."
    assert outsider_client.get(url, {"level": "1"}).status_code == 404
