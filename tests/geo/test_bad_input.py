"""Odd query parameters of the public geography API: a 400 in the error envelope, not a 500."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "province", ["9223372036854775808", "2147483648", "-1", "0", "", "abc", "١٢", "1e3", "9" * 5000]
)
def test_a_province_code_that_is_not_a_sane_integer_is_a_400(client: Client, province: str) -> None:
    response = client.get("/api/v1/wards/", {"province": province})
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"code", "detail", "errors"}
    assert "province" in body["errors"]


def test_a_missing_province_is_a_400_and_a_nul_in_the_search_is_ignored(client: Client) -> None:
    assert client.get("/api/v1/wards/").status_code == 400
    assert client.get("/api/v1/wards/", {"province": "1", "q": "Ba\x00"}).status_code == 200
