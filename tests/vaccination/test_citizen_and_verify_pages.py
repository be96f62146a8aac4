"""The citizen's doses and certificate, and the public verify page."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import signed_in
from tests.factories import PersonFactory
from tests.vaccination.conftest import dose_in
from truyvet.accounts.models import User
from vaccination.models import Site
from vaccination.services import dose_record

pytestmark = pytest.mark.django_db


def test_the_citizen_sees_their_doses_and_certificate(vaccinator: User, site: Site, citizen: User) -> None:
    mine = PersonFactory(phone=citizen.phone, full_name="Trần Thị Bình")
    PersonFactory(full_name="Người Khác")
    dose_record(user=vaccinator, data=dose_in(mine, site))
    page = signed_in(citizen).get("/vaccination/me/").content.decode()
    assert "Trần Thị Bình" in page and "Người Khác" not in page
    assert "HC1:" in page and "<svg" in page


def test_the_page_of_doses_needs_a_signed_in_citizen(client: Client, vaccinator_client: Client) -> None:
    assert client.get("/vaccination/me/").status_code == 302
    assert vaccinator_client.get("/vaccination/me/").status_code == 404


def test_the_verify_page_is_public_and_carries_the_trust_list(client: Client) -> None:
    page = client.get("/vaccination/verify/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="dcc-trust"' in text and '"spki"' in text and "dcc-verify.js" in text
