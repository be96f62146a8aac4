"""The poster links that ``POST /api/v1/venues/`` answers are fetched with the same
credentials (API.md): the venue_owner's token or session; anyone else's token gets 404."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory, home_ward
from truyvet.accounts.models import Role, User
from truyvet.lib.qrdecode import decode_qr_image

pytestmark = pytest.mark.django_db

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def token(user: User) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=user).key}"}


@pytest.fixture
def registered(client: Client, venue_owner: User) -> dict[str, Any]:
    body = {"name": "Quán Phở Hoa Ban", "category": "restaurant", "address": "Số 3", "ward_code": home_ward(0).code}
    response = client.post("/api/v1/venues/", body, content_type="application/json", **token(venue_owner))
    assert response.status_code == 201
    return response.json()


def path_of(url: str) -> str:
    return urlparse(url).path


def test_the_owners_token_fetches_the_png_poster_and_its_qr_decodes_to_the_check_in_url(
    client: Client, venue_owner: User, registered: dict[str, Any]
) -> None:
    headers = {"HTTP_AUTHORIZATION": f"Token {Token.objects.get(user=venue_owner).key}"}
    response = client.get(path_of(registered["poster_png_url"]), **headers)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(PNG_MAGIC)
    assert decode_qr_image(response.content) == registered["checkin_url"]


def test_the_owners_token_fetches_the_pdf_poster(client: Client, venue_owner: User, registered: dict[str, Any]) -> None:
    headers = {"HTTP_AUTHORIZATION": f"Token {Token.objects.get(user=venue_owner).key}"}
    response = client.get(path_of(registered["poster_pdf_url"]), HTTP_ACCEPT="application/pdf", **headers)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("kind", ["poster_png_url", "poster_pdf_url"])
@pytest.mark.parametrize("role", [Role.VENUE_OWNER, Role.CITIZEN, Role.CHECKPOINT_STAFF])
def test_a_token_of_someone_who_does_not_own_the_venue_gets_404(
    client: Client, registered: dict[str, Any], kind: str, role: str
) -> None:
    response = client.get(path_of(registered[kind]), HTTP_ACCEPT="image/png", **token(UserFactory(role=role)))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_health_staff_of_another_ward_get_404_and_of_the_venues_ward_get_the_poster(
    client: Client, registered: dict[str, Any], insider: User, outsider: User
) -> None:
    assert client.get(path_of(registered["poster_png_url"]), **token(outsider)).status_code == 404
    assert client.get(path_of(registered["poster_png_url"]), **token(insider)).status_code == 200


@pytest.mark.parametrize("kind", ["poster_png_url", "poster_pdf_url"])
def test_without_credentials_the_api_poster_answers_401(client: Client, registered: dict[str, Any], kind: str) -> None:
    response = client.get(path_of(registered[kind]))
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    bad = client.get(path_of(registered[kind]), HTTP_AUTHORIZATION="Token not-a-key")
    assert bad.status_code == 401 and bad.json()["code"] == "authentication_failed"


def test_the_owners_session_fetches_the_posters_from_the_api_links_and_the_pages(
    venue_owner: User, registered: dict[str, Any]
) -> None:
    session = Client()
    session.force_login(venue_owner)
    assert session.get(path_of(registered["poster_png_url"])).content.startswith(PNG_MAGIC)
    assert session.get(path_of(registered["poster_pdf_url"])).content.startswith(b"%PDF-")
    page = session.get(reverse("venues:poster", args=[registered["id"], "png"]))
    assert page.status_code == 200 and page.content.startswith(PNG_MAGIC)


def test_the_owners_page_poster_still_sends_anonymous_visitors_to_sign_in(registered: dict[str, Any]) -> None:
    response = Client().get(reverse("venues:poster", args=[registered["id"], "pdf"]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
