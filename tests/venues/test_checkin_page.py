"""The visitor's check-in page, /v/<code>: one tap for the people this phone knows."""

from __future__ import annotations

import gzip
import io
import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from declarations.models import Declaration
from declarations.services import Answers, PersonInput, declaration_submit
from tests.factories import PersonFactory, VenueFactory, home_ward
from truyvet.accounts.models import User
from truyvet.lib.qr import render_png
from truyvet.people.models import Person
from venues.models import CheckIn, Venue
from venues.rotating import fresh_code
from venues.services import VenueInput, venue_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def venue(venue_owner: User) -> Venue:
    return venue_create(
        owner=venue_owner,
        data=VenueInput(name="Chợ Tân Phong", category="market", address="Số 1", ward_code=home_ward(0).code),
    )


def page_url(venue: Venue) -> str:
    return reverse("venue_checkin", args=[venue.code])


def declare(client: Client, next_url: str = "", **overrides: str) -> Any:
    """Declare on the citizen form, as a phone does; it remembers the person in a cookie."""
    data = {
        "full_name": "Lò Văn Páo",
        "id_number": "012090123456",
        "date_of_birth": "1990-05-17",
        "gender": "male",
        "phone": "0912345678",
        "province": str(settings.PROVINCE_CODE),
        "ward_code": str(home_ward(0).code),
        "address": "Bản Nà Lại",
        "next": next_url,
        **overrides,
    }
    response = client.post(reverse("declarations:declare", args=["daily"]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def declare_family(client: Client) -> list[Person]:
    declare(client)
    declare(
        client,
        member="1",
        full_name="Lò Thị Mai",
        id_number="012195000123",
        date_of_birth="1995-02-02",
        gender="female",
    )
    return list(Person.objects.order_by("pk"))


def tap(client: Client, venue: Venue, *people: Person, client_id: str | None = None, **extra: str) -> Any:
    return client.post(
        page_url(venue),
        {"action": "checkin", "person": [p.ref for p in people], "client_id": client_id or str(uuid.uuid4()), **extra},
    )


def a_token(id_number: str = "012090000777", name: str = "Hà Văn Khách") -> str:
    person = PersonInput(
        full_name=name, id_number=id_number, date_of_birth=None, gender="male", ward_code=home_ward(0).code
    )
    return declaration_submit(kind="daily", person=person, answers=Answers()).qr_token


def png_file(data: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(data)
    upload.name = name
    return upload


# Codes that lead nowhere


def test_an_unknown_code_is_a_404_page_that_says_so(client: Client) -> None:
    response = client.get("/v/NOPE2345")
    assert response.status_code == 404
    assert "Không có địa điểm nào có mã này." in response.content.decode()


def test_a_deactivated_venue_is_a_410_page_that_says_so(client: Client, venue: Venue) -> None:
    Venue.objects.filter(pk=venue.pk).update(is_active=False)
    response = client.get(page_url(venue))
    assert response.status_code == 410
    assert "Địa điểm này không còn nhận check-in." in response.content.decode()
    assert tap(client, venue).status_code == 410 and not CheckIn.objects.exists()


def test_a_venue_in_display_mode_opens_only_with_its_fresh_code(client: Client, venue: Venue) -> None:
    Venue.objects.filter(pk=venue.pk).update(require_fresh_code=True)
    venue.refresh_from_db()
    response = client.get(page_url(venue))
    assert response.status_code == 410 and "Mã đã hết hạn" in response.content.decode()
    assert client.get(page_url(venue), {"t": fresh_code(venue, timezone.now())}).status_code == 200


# One tap for people this phone knows


def test_a_new_phone_is_offered_the_token_form_and_a_link_to_declare(client: Client, venue: Venue) -> None:
    page = client.get(page_url(venue)).content.decode()
    assert "Check-in bằng mã QR cá nhân" in page and 'name="qr_photo"' in page
    assert f"?next={page_url(venue)}" in page and 'name="action" value="checkin"' not in page


def test_declaring_from_the_page_comes_back_to_it(client: Client, venue: Venue) -> None:
    response = declare(client, next_url=page_url(venue))
    assert response["Location"] == page_url(venue)


def test_a_phone_that_declared_sees_its_person_and_one_tap_checks_in(client: Client, venue: Venue) -> None:
    declare(client)
    person = Person.objects.get()
    page = client.get(page_url(venue)).content.decode()
    assert "Lò Văn Páo" in page and f'value="{person.ref}"' in page and ">Check-in</button>" in page
    response = tap(client, venue, person)
    assert response.status_code == 302 and response["Location"] == page_url(venue)
    record = CheckIn.objects.get()
    assert (record.venue, record.person, record.checked_out_at) == (venue, person, None)
    page = client.get(response["Location"]).content.decode()
    assert "Đã check-in: Lò Văn Páo." in page and "Đang có mặt" in page


def test_the_same_tap_sent_twice_records_nothing_new(client: Client, venue: Venue) -> None:
    declare(client)
    person = Person.objects.get()
    client_id = str(uuid.uuid4())
    tap(client, venue, person, client_id=client_id)
    tap(client, venue, person, client_id=client_id)
    assert CheckIn.objects.count() == 1


def test_a_family_checks_in_together_with_one_tap(client: Client, venue: Venue) -> None:
    father, daughter = declare_family(client)
    page = client.get(page_url(venue)).content.decode()
    assert "Lò Văn Páo" in page and "Lò Thị Mai" in page
    tap(client, venue, father, daughter)
    assert set(CheckIn.objects.values_list("person_id", flat=True)) == {father.pk, daughter.pk}


def test_a_tap_with_nobody_chosen_says_so_and_records_nothing(client: Client, venue: Venue) -> None:
    declare(client)
    response = tap(client, venue)
    assert "Hãy chọn người check-in." in client.get(response["Location"]).content.decode()
    assert not CheckIn.objects.exists()


def test_a_tap_for_a_person_this_phone_does_not_know_records_nothing(client: Client, venue: Venue) -> None:
    declare(client)
    stranger = PersonFactory()
    tap(client, venue, stranger)
    assert not CheckIn.objects.exists()


def test_the_one_tap_page_takes_a_fixed_number_of_queries(
    client: Client, venue: Venue, django_assert_max_num_queries: Any
) -> None:
    declare_family(client)
    # venue, remembered people, open stays, session, and the exposure banner's one read
    with django_assert_max_num_queries(5):
        client.get(page_url(venue))


# Check-out by tap


def test_a_visitor_checks_out_with_one_tap(client: Client, venue: Venue) -> None:
    declare(client)
    tap(client, venue, Person.objects.get())
    stay = CheckIn.objects.get()
    page = client.get(page_url(venue)).content.decode()
    assert f'name="checkin" value="{stay.pk}"' in page
    response = client.post(page_url(venue), {"action": "checkout", "checkin": stay.pk})
    stay.refresh_from_db()
    assert response.status_code == 302 and stay.checked_out_at is not None
    assert "Đã check-out: Lò Văn Páo." in client.get(page_url(venue)).content.decode()


def test_someone_elses_check_in_cannot_be_checked_out(client: Client, venue: Venue) -> None:
    declare(client)
    other = CheckIn.objects.create(
        venue=venue,
        person=PersonFactory(),
        client_id=uuid.uuid4(),
        checked_in_at=timezone.now(),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    response = client.post(page_url(venue), {"action": "checkout", "checkin": other.pk})
    other.refresh_from_db()
    assert other.checked_out_at is None
    assert "Lượt check-in này là của người khác." in client.get(response["Location"]).content.decode()


def test_a_check_out_with_a_garbled_id_is_a_message_not_an_error(client: Client, venue: Venue) -> None:
    client.raise_request_exception = False
    declare(client)
    response = client.post(page_url(venue), {"action": "checkout", "checkin": "abc"})
    assert response.status_code == 302


def test_checking_out_right_after_a_check_in_stamped_by_a_fast_phone_clock_is_no_error(
    client: Client, venue: Venue
) -> None:
    client.raise_request_exception = False
    declare(client)
    ahead = timezone.now() + timedelta(minutes=1)  # the API accepts up to CHECKIN_CLOCK_SKEW ahead
    stay = CheckIn.objects.create(
        venue=venue, person=Person.objects.get(), client_id=uuid.uuid4(), checked_in_at=ahead,
        ends_at=ahead + timedelta(hours=1),
    )  # fmt: skip
    response = client.post(page_url(venue), {"action": "checkout", "checkin": stay.pk})
    assert response.status_code == 302


# The token form, for a phone the page does not know yet


def test_a_pasted_personal_qr_checks_in_and_the_phone_remembers_the_person(client: Client, venue: Venue) -> None:
    response = client.post(page_url(venue), {"action": "token", "qr_token": a_token()})
    assert response.status_code == 302
    record = CheckIn.objects.get()
    assert record.person.full_name == "Hà Văn Khách" and record.venue == venue
    page = client.get(page_url(venue)).content.decode()
    assert f'value="{record.person.ref}"' in page  # next time: one tap


def test_a_photo_of_a_personal_qr_is_read_on_the_server(client: Client, venue: Venue) -> None:
    photo = png_file(render_png(a_token(), box_size=8), "qr.png")
    response = client.post(page_url(venue), {"action": "token", "qr_photo": photo})
    assert response.status_code == 302
    assert CheckIn.objects.get().person.full_name == "Hà Văn Khách"


def test_a_photo_without_a_qr_code_says_so_and_records_nothing(client: Client, venue: Venue) -> None:
    blank = io.BytesIO()
    Image.new("RGB", (240, 240), "white").save(blank, format="PNG")
    response = client.post(page_url(venue), {"action": "token", "qr_photo": png_file(blank.getvalue(), "blank.png")})
    assert response.status_code == 200
    assert "Không đọc được mã QR trong ảnh." in response.content.decode()
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize(
    ("token", "message"),
    [("not-a-token", "Đây không phải mã QR cá nhân."), ("", "Hãy cung cấp mã QR cá nhân, dạng chữ hoặc ảnh chụp.")],
    ids=["garbage", "nothing"],
)
def test_a_bad_token_says_why_and_records_nothing(client: Client, venue: Venue, token: str, message: str) -> None:
    response = client.post(page_url(venue), {"action": "token", "qr_token": token})
    assert response.status_code == 200 and message in response.content.decode()
    assert not CheckIn.objects.exists()


def test_the_token_form_sent_twice_records_one_check_in(client: Client, venue: Venue) -> None:
    body = {"action": "token", "qr_token": a_token(), "client_id": str(uuid.uuid4())}
    client.post(page_url(venue), body)
    client.post(page_url(venue), body)
    assert CheckIn.objects.count() == 1


# Weight and language


def test_the_page_with_its_css_and_scripts_weighs_under_100_kb_compressed(client: Client, venue: Venue) -> None:
    declare_family(client)
    page = client.get(page_url(venue)).content
    total = len(gzip.compress(page))
    static = Path(settings.BASE_DIR) / "static"
    for asset in re.findall(rb'(?:href|src)="/static/([^"]+)"', page):
        total += len(gzip.compress((static / asset.decode()).read_bytes()))
    assert total < 100_000, total


def test_the_page_is_in_vietnamese_by_default_and_in_english_on_request(client: Client, venue: Venue) -> None:
    page = client.get(page_url(venue)).content.decode()
    assert '<html lang="vi">' in page and "Check-in bằng mã QR cá nhân" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(page_url(venue)).content.decode()
    assert '<html lang="en">' in page and "Check in with your personal QR code" in page


def test_the_page_never_shows_who_else_checked_in(client: Client, venue: Venue) -> None:
    CheckIn.objects.create(
        venue=venue, person=PersonFactory(full_name="Người Lạ Mặt"), client_id=uuid.uuid4(),
        checked_in_at=timezone.now(), ends_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    declare(client)
    assert "Người Lạ Mặt" not in client.get(page_url(venue)).content.decode()
    assert Declaration.objects.count() == 1


def test_the_venue_page_writes_the_ward_after_the_address_once(client: Client) -> None:
    ward = home_ward(0)
    venue = VenueFactory(address=f"Số 3, đường Hoa Ban, {ward.name}", ward=ward)
    html = client.get(page_url(venue)).content.decode()
    assert f"Số 3, đường Hoa Ban, {ward.name}</p>" in html and f"{ward.name}, {ward.name}" not in html
