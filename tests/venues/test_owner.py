from __future__ import annotations

import io
import uuid
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import zxingcpp
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.factories import PersonFactory, UserFactory, VenueFactory, home_ward
from truyvet.accounts.models import Role, User
from truyvet.lib.errors import DomainError
from venues.errors import VenueError
from venues.models import CheckIn, Venue
from venues.rotating import fresh_code_is_valid
from venues.services import VenueInput, venue_create, venue_with_owner_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def venue(venue_owner: User) -> Venue:
    return venue_create(
        owner=venue_owner,
        data=VenueInput(name="Chợ Phong Thổ", category="market", address="Khu 2", ward_code=home_ward(0).code),
    )


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Nhà hàng Mường Thanh",
        "category": "restaurant",
        "address": "Số 5 đường 30/4",
        "ward": home_ward(0).code,
        "latitude": "22.396",
        "longitude": "103.458",
    }
    data.update(overrides)
    return data


def test_an_owner_registers_a_venue_with_a_location(venue_owner_client: Client, venue_owner: User) -> None:
    response = venue_owner_client.post(reverse("venues:new"), form())
    venue = Venue.objects.get()
    assert response.status_code == 302 and venue.owner == venue_owner and str(venue.latitude) == "22.396000"


def test_a_location_outside_viet_nam_is_shown_as_an_error_and_nothing_is_saved(venue_owner_client: Client) -> None:
    response = venue_owner_client.post(reverse("venues:new"), form(latitude="48.85", longitude="2.35"))
    assert response.status_code == 200 and "ngoài lãnh thổ Việt Nam" in response.content.decode()
    assert not Venue.objects.exists()


def test_an_owner_sees_counts_but_never_who_checked_in(venue_owner_client: Client, venue: Venue) -> None:
    person = PersonFactory(full_name="Giàng A Sử")
    now = timezone.now()
    CheckIn.objects.create(venue=venue, person=person, client_id=uuid.uuid4(), checked_in_at=now, ends_at=now)
    listing = venue_owner_client.get(reverse("venues:list")).content.decode()
    detail = venue_owner_client.get(reverse("venues:detail", args=[venue.pk])).content.decode()
    assert "Chợ Phong Thổ" in listing and "Giàng A Sử" not in listing + detail
    assert venue_owner_client.get(reverse("venues:list")).context["rows"][0][1] == 1


def test_another_owner_cannot_open_the_venue(venue: Venue) -> None:
    other = Client()
    other.force_login(UserFactory(role=Role.VENUE_OWNER))
    for name in ("venues:detail", "venues:display"):
        assert other.get(reverse(name, args=[venue.pk])).status_code == 404
    assert other.get(reverse("venues:poster", args=[venue.pk, "png"])).status_code == 404


def test_commune_insiders_manage_the_venues_of_their_ward_and_outsiders_do_not(
    insider_client: Client, outsider_client: Client, venue: Venue
) -> None:
    assert insider_client.get(reverse("venues:detail", args=[venue.pk])).status_code == 200
    assert outsider_client.get(reverse("venues:detail", args=[venue.pk])).status_code == 404


def test_anonymous_visitors_sign_in_and_checkpoint_staff_are_refused(client: Client, venue: Venue, guard: User) -> None:
    assert client.get(reverse("venues:list")).status_code == 302
    client.force_login(guard)
    assert client.get(reverse("venues:list")).status_code == 403


def test_deactivating_stops_check_ins(venue_owner_client: Client, venue: Venue) -> None:
    venue_owner_client.post(reverse("venues:toggle", args=[venue.pk]))
    venue.refresh_from_db()
    assert not venue.is_active
    assert Client().get(reverse("venue_checkin", args=[venue.code])).status_code == 410


def test_the_list_takes_a_fixed_number_of_queries(
    venue_owner_client: Client, venue_owner: User, django_assert_max_num_queries: Any
) -> None:
    for i in range(15):
        venue_create(
            owner=venue_owner,
            data=VenueInput(name=f"Quán {i}", category="restaurant", address="x", ward_code=home_ward(0).code),
        )
    with django_assert_max_num_queries(8):
        venue_owner_client.get(reverse("venues:list"))


def test_the_poster_png_is_a4_at_300_dpi_and_its_qr_opens_the_check_in_page(
    venue_owner_client: Client, venue: Venue
) -> None:
    response = venue_owner_client.get(reverse("venues:poster", args=[venue.pk, "png"]))
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (2480, 3508)
    (barcode,) = zxingcpp.read_barcodes(image)
    assert barcode.text == f"http://testserver/v/{venue.code}"
    assert Client().get(urlparse(barcode.text).path).status_code == 200
    pdf = venue_owner_client.get(reverse("venues:poster", args=[venue.pk, "pdf"]))
    assert pdf.content.startswith(b"%PDF")
    assert venue_owner_client.get(f"/venues/{venue.pk}/poster.gif").status_code == 404


def test_display_mode_shows_a_fresh_code_that_the_check_in_accepts(venue_owner_client: Client, venue: Venue) -> None:
    from truyvet.lib.qr import render_svg

    page = venue_owner_client.get(reverse("venues:display", args=[venue.pk]))
    url = page.context["url"]
    assert 'http-equiv="refresh"' in page.content.decode()
    assert render_svg(url, error_correction="Q") in page.content.decode(), "the QR on screen encodes this URL"
    fresh = parse_qs(urlparse(url).query)["t"][0]
    assert fresh_code_is_valid(venue, fresh, timezone.now())
    venue.require_fresh_code = True
    venue.save()
    assert Client().get(reverse("venue_checkin", args=[venue.code])).status_code == 410
    assert Client().get(urlparse(url).path, {"t": fresh}).status_code == 200


def test_staff_register_an_owner_without_a_smartphone_with_their_venue(insider_client: Client) -> None:
    response = insider_client.post(
        reverse("venues:owner_new"), {**form(), "owner_name": "Lò Văn Hùng", "owner_phone": "0987 111 222"}
    )
    assert response.status_code == 302
    venue = Venue.objects.get()
    assert venue.owner.phone == "+84987111222" and venue.owner.role == Role.VENUE_OWNER


def test_staff_cannot_register_a_venue_outside_their_wards(insider_client: Client) -> None:
    response = insider_client.post(
        reverse("venues:owner_new"), {**form(ward=home_ward(5).code), "owner_name": "A", "owner_phone": "0987111222"}
    )
    assert response.status_code == 200 and not Venue.objects.exists()


def test_registering_an_owner_with_a_venue_outside_the_staff_members_wards_is_refused_and_writes_nothing(
    insider: User,
) -> None:
    data = VenueInput(name="Quán A", category="restaurant", address="Số 1", ward_code=home_ward(5).code)
    with pytest.raises(DomainError) as refused:
        venue_with_owner_create(by=insider, owner_phone="0987111222", owner_name="Lò Văn A", data=data)
    assert refused.value.code == VenueError.WARD_OUTSIDE_AREA and list(refused.value.errors) == ["ward_code"]
    assert not Venue.objects.exists() and not User.objects.filter(phone="+84987111222").exists()


def test_a_rotating_code_of_digits_that_are_not_decimal_is_refused_not_a_500(venue_owner: User) -> None:
    venue = VenueFactory(name="Quán", category="restaurant", address="1", owner=venue_owner)
    assert not fresh_code_is_valid(venue, "².abc", timezone.now())
