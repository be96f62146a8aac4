from __future__ import annotations

import gzip
import io
import re
from pathlib import Path
from typing import Any

import jwt
import pytest
import zxingcpp
from django.conf import settings
from django.test import Client
from django.urls import reverse
from PIL import Image

from declarations.models import Declaration
from tests.factories import home_ward
from truyvet.people.models import Person

pytestmark = pytest.mark.django_db


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "full_name": "Lò Văn Páo",
        "id_number": "012090123456",
        "date_of_birth": "1990-05-17",
        "gender": "male",
        "phone": "0912345678",
        "province": str(settings.PROVINCE_CODE),
        "ward_code": str(home_ward(0).code),
        "address": "Bản Nà Lại",
    }
    data.update(overrides)
    return data


def declare(client: Client, kind: str = "daily", **overrides: Any) -> Any:
    return client.post(reverse("declarations:declare", args=[kind]), form_data(**overrides))


def test_the_daily_form_is_vietnamese_first_and_english_on_request(client: Client) -> None:
    page = client.get(reverse("declarations:declare", args=["daily"])).content.decode()
    assert "Họ và tên" in page and "Gửi tờ khai" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("declarations:declare", args=["daily"])).content.decode()
    assert "Full name" in page and "Send the declaration" in page


def test_an_unknown_kind_is_404(client: Client) -> None:
    assert client.get("/declarations/new/weekly/").status_code == 404


def test_a_valid_declaration_leads_to_the_qr_page(client: Client) -> None:
    response = declare(client, symptoms=["cough"])
    declaration = Declaration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("declarations:result", args=[declaration.pk])
    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page and "Lò Văn Páo" in page
    assert "risk-yellow" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id_number": "012190123456"}, "không khớp với giới tính"),
        ({"phone": "12345"}, "Nhập số điện thoại di động Việt Nam"),
        ({"date_of_birth": "2999-01-01"}, "ngày sinh"),
        ({"ward_code": ""}, "xã, phường nơi bạn sống"),
        ({"full_name": ""}, "bắt buộc"),
    ],
)
def test_an_invalid_form_says_what_is_wrong_in_vietnamese_and_saves_nothing(
    client: Client, overrides: dict[str, str], message: str
) -> None:
    response = declare(client, **overrides)
    assert response.status_code == 200
    assert message in response.content.decode().lower() or message in response.content.decode()
    assert not Person.objects.exists() and not Declaration.objects.exists()


def test_the_same_form_sent_twice_is_one_declaration(client: Client) -> None:
    data = form_data(client_id="7d0b9b1e-6f1e-4a53-9a3e-1b2c3d4e5f60")
    client.post(reverse("declarations:declare", args=["daily"]), data)
    client.post(reverse("declarations:declare", args=["daily"]), data)
    assert Declaration.objects.count() == 1


def test_a_family_member_is_declared_into_the_same_household_with_address_and_phone_prefilled(client: Client) -> None:
    declare(client)
    page = client.get(reverse("declarations:declare", args=["daily"]) + "?member=1").content.decode()
    assert 'value="0912345678"' in page and 'value="Bản Nà Lại"' in page
    client.post(
        reverse("declarations:declare", args=["daily"]),
        form_data(
            member="1", full_name="Lò Thị Mai", id_number="012195000123", date_of_birth="1995-02-02", gender="female"
        ),
    )
    first, second = Person.objects.order_by("pk")
    assert first.household_id is not None and first.household_id == second.household_id
    assert second.phone == "+84912345678"


def test_changing_the_province_without_javascript_lists_its_communes_and_keeps_the_answers(client: Client) -> None:
    response = client.post(
        reverse("declarations:declare", args=["daily"]),
        form_data(province="1", ward_code="", change_province="1"),
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Phường Hoàn Kiếm" in page and 'value="Lò Văn Páo"' in page
    assert not Declaration.objects.exists()


def test_the_entry_form_asks_what_a_foreign_traveller_needs_in_english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("declarations:declare", args=["entry"])).content.decode()
    for label in ("Passport number", "Nationality", "Port of entry", "Flight or vehicle number", "Countries visited"):
        assert label in page
    response = client.post(
        reverse("declarations:declare", args=["entry"]),
        {
            "full_name": "Jane Doe", "passport_number": "P1234567", "nationality": "AU", "date_of_birth": "1980-01-01",
            "gender": "female", "province": "12", "port_of_entry": "Noi Bai", "flight_number": "QF 21",
            "countries_visited": ["AU", "SG"], "quarantine_address": "Hotel, Lai Chau",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Declaration.objects.get().risk_reasons == ["abroad_14d"]


def test_the_domestic_form_records_the_trip(client: Client) -> None:
    response = declare(
        client,
        "domestic",
        origin_province="1",
        origin_ward_code="70",
        destination_ward_code=str(home_ward(2).code),
        vehicle_type="bus",
        vehicle_plate="29b-123.45",
        purpose="Thăm gia đình",
    )
    assert response.status_code == 302
    declaration = Declaration.objects.get()
    assert declaration.origin_ward_id == 70 and declaration.vehicle_plate == "29B-123.45"


def test_another_browser_cannot_see_the_qr_page_or_the_card(client: Client) -> None:
    declare(client)
    declaration = Declaration.objects.get()
    stranger = Client()
    assert stranger.get(reverse("declarations:result", args=[declaration.pk])).status_code == 404
    assert stranger.get(reverse("declarations:card", args=[declaration.pk, "png"])).status_code == 404


def test_the_card_png_holds_a_qr_that_a_real_decoder_reads_and_the_public_key_verifies(client: Client) -> None:
    declare(client)
    declaration = Declaration.objects.get()
    response = client.get(reverse("declarations:card", args=[declaration.pk, "png"]))
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (1240, 1748)  # A6 at 300 dpi
    (barcode,) = zxingcpp.read_barcodes(image)
    token = barcode.text
    jwks = client.get("/api/v1/keys/").json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWK(next(k for k in jwks if k["kid"] == kid))
    claims = jwt.decode(token, key.key, algorithms=["ES256"])
    assert claims["sub"] == declaration.person.ref and claims["lvl"] == "green"
    assert "012090123456" not in token and set(claims) == {"sub", "iat", "exp", "lvl"}


def test_the_card_pdf_is_a_pdf(client: Client) -> None:
    declare(client)
    response = client.get(reverse("declarations:card", args=[Declaration.objects.get().pk, "pdf"]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


def test_a_signed_in_citizen_sees_each_members_qr_and_the_history(client: Client, citizen_client: Client) -> None:
    declare(client)
    declare(client, full_name="Lò Thị Mai", id_number="012195000123", date_of_birth="1995-02-02", gender="female")
    page = citizen_client.get(reverse("declarations:household")).content.decode()
    assert page.count("<svg") == 2 and "Lò Thị Mai" in page and "Lò Văn Páo" in page
    declaration = Declaration.objects.order_by("pk").first()
    assert declaration is not None
    assert citizen_client.get(reverse("declarations:card", args=[declaration.pk, "pdf"])).status_code == 200


def test_staff_accounts_have_no_household_page(insider_client: Client) -> None:
    assert insider_client.get(reverse("declarations:household")).status_code == 404


def test_the_form_page_with_its_css_and_script_weighs_under_100_kb_compressed(client: Client) -> None:
    page = client.get(reverse("declarations:declare", args=["daily"])).content
    total = len(gzip.compress(page))
    static = Path(settings.BASE_DIR) / "static"
    for asset in re.findall(rb'(?:href|src)="/static/([^"]+)"', page):
        total += len(gzip.compress((static / asset.decode()).read_bytes()))
    assert total < 100_000, total


def test_the_declaration_page_offers_my_households_codes_to_visitors_and_citizens_but_not_to_staff(
    client, citizen_client, insider_client
) -> None:
    household = reverse("declarations:household")
    assert household in client.get(reverse("declarations:start")).content.decode()
    assert household in citizen_client.get(reverse("declarations:start")).content.decode()
    assert household not in insider_client.get(reverse("declarations:start")).content.decode()
