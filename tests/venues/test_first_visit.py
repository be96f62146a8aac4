"""A citizen at a venue for the first time: one short screen declares and checks in at once
(one service, one transaction), under the same identity rules as any declaration."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from declarations.identity import Declarant
from declarations.models import Declaration
from declarations.services import Answers, PersonInput
from tests.factories import CheckInFactory, PersonFactory, home_ward
from truyvet.accounts.models import User
from truyvet.credentials.models import QrCredential
from truyvet.lib.errors import DomainError
from truyvet.people.models import Person, PersonHistory
from venues.models import CheckIn, Venue
from venues.services import FirstVisitInput, VenueInput, checkin_with_declaration, venue_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def venue(venue_owner: User) -> Venue:
    return venue_create(
        owner=venue_owner,
        data=VenueInput(name="Chợ Tân Phong", category="market", address="Số 1", ward_code=home_ward(0).code),
    )


@pytest.fixture
def an() -> Person:
    """Nguyễn Văn An, already on the portal with his phone and birth date."""
    return PersonFactory(
        full_name="Nguyễn Văn An",
        id_number="012090123456",
        date_of_birth=date(1990, 5, 17),
        phone="+84912345678",
        ward=home_ward(0),
        address="Bản Nà Lại, nhà 12",
    )


def visit(client_id: uuid.UUID | None = None, **person: Any) -> FirstVisitInput:
    fields = {
        "full_name": "Lò Thị Mai",
        "id_number": "012195000123",
        "date_of_birth": None,
        "gender": "",
        "phone": "0987654321",
        "ward_code": home_ward(0).code,
        **person,
    }
    return FirstVisitInput(
        person=PersonInput(**fields), answers=Answers(symptoms=["cough"]), client_id=client_id or uuid.uuid4()
    )


def page_url(venue: Venue) -> str:
    return reverse("venue_checkin", args=[venue.code])


def form(**overrides: str | list[str]) -> dict[str, Any]:
    return {
        "action": "first_visit",
        "client_id": str(uuid.uuid4()),
        "full_name": "Lò Thị Mai",
        "id_number": "012195000123",
        "phone": "0987 654 321",
        "province": str(settings.PROVINCE_CODE),
        "ward_code": str(home_ward(0).code),
        "symptoms": ["cough"],
        **overrides,
    }


def rows() -> tuple[int, int, int, int]:
    return (Person.objects.count(), Declaration.objects.count(), CheckIn.objects.count(), QrCredential.objects.count())


# The service


def test_a_first_visit_declares_and_checks_in_the_new_person(venue: Venue) -> None:
    done = checkin_with_declaration(venue=venue, visit=visit(), declarant=Declarant())
    declaration = done.submitted.declaration
    person = Person.objects.get()
    assert declaration.kind == "daily" and declaration.person == person and declaration.symptoms == ["cough"]
    assert declaration.risk_level == "yellow" and done.submitted.qr_token
    assert (person.full_name, person.phone, person.ward_id) == ("Lò Thị Mai", "+84987654321", home_ward(0).code)
    stay = CheckIn.objects.get()
    assert done.created and done.checkin.pk == stay.pk and (stay.venue, stay.person) == (venue, person)
    assert stay.checked_out_at is None and stay.ends_at > stay.checked_in_at


def test_the_same_first_visit_sent_again_writes_nothing_twice(venue: Venue) -> None:
    key = uuid.uuid4()
    first = checkin_with_declaration(venue=venue, visit=visit(key), declarant=Declarant())
    before = rows()
    again = checkin_with_declaration(venue=venue, visit=visit(key), declarant=Declarant())
    assert rows() == before == (1, 1, 1, 1)
    assert again.submitted.declaration.pk == first.submitted.declaration.pk
    assert again.checkin.pk == first.checkin.pk and not again.created


def test_a_refused_declaration_checks_nobody_in(venue: Venue) -> None:
    with pytest.raises(DomainError) as error:
        checkin_with_declaration(venue=venue, visit=visit(ward_code=99_999), declarant=Declarant())
    assert error.value.code == "unknown_ward"
    assert rows() == (0, 0, 0, 0)


def test_a_refused_check_in_takes_the_declaration_back_with_it(venue: Venue) -> None:
    """One transaction: the check-in's client id already used by somebody else's stay (409)
    leaves no declaration, person or credential behind."""
    key = uuid.uuid4()
    CheckInFactory(
        venue=venue, person=PersonFactory(), client_id=uuid.uuid5(key, "checkin"),
        checked_in_at=venue.created_at, ends_at=venue.created_at,
    )  # fmt: skip
    with pytest.raises(DomainError) as error:
        checkin_with_declaration(venue=venue, visit=visit(key), declarant=Declarant())
    assert error.value.code == "client_id_conflict"
    assert (Declaration.objects.count(), QrCredential.objects.count(), CheckIn.objects.count()) == (0, 0, 1)
    assert not Person.objects.filter(id_number="012195000123").exists()


def test_an_unproven_first_visit_for_a_known_person_leaves_the_record_and_stays_unproven(
    venue: Venue, an: Person
) -> None:
    done = checkin_with_declaration(
        venue=venue,
        visit=visit(full_name="Kẻ Mạo Danh", id_number=an.id_number, phone="0987000111", ward_code=home_ward(1).code),
        declarant=Declarant(),
    )
    declaration = done.submitted.declaration
    assert not done.submitted.proven and declaration.proof == "" and declaration.identity_mismatch
    assert declaration.full_name == "Kẻ Mạo Danh" and declaration.phone == "+84987000111"
    an.refresh_from_db()
    assert (an.full_name, an.phone, an.ward_id) == ("Nguyễn Văn An", "+84912345678", home_ward(0).code)
    assert not PersonHistory.objects.filter(person=an).exists()
    assert CheckIn.objects.get().person == an


def test_the_phone_proven_for_a_known_person_updates_the_record(venue: Venue, an: Person) -> None:
    done = checkin_with_declaration(
        venue=venue,
        visit=visit(full_name="Nguyễn Văn An", id_number=an.id_number, phone="0912345678", ward_code=home_ward(1).code),
        declarant=Declarant(proven_refs=frozenset({an.ref})),
    )
    assert done.submitted.proven and done.submitted.declaration.proof == "device"
    an.refresh_from_db()
    assert an.ward_id == home_ward(1).code and an.date_of_birth == date(1990, 5, 17)  # a blank keeps what was there


# The page


def test_a_new_phone_gets_the_short_form_with_the_qr_options_second(client: Client, venue: Venue) -> None:
    page = client.get(page_url(venue)).content.decode()
    first_visit = page.index('value="first_visit"')
    for name in ("full_name", "id_number", "phone", "ward_code", "symptoms", "case_contact", "client_id"):
        assert f'name="{name}"' in page
    assert 'name="date_of_birth"' not in page and 'name="gender"' not in page
    assert "Lần đầu đến đây? Khai báo và check-in (1 phút)" in page and ">Khai báo và check-in</button>" in page
    # The QR code options come after the form, the photo first and the pasted text as its "or".
    photo, pasted = page.index("Ảnh chụp hoặc ảnh màn hình mã QR cá nhân"), page.index("Hoặc dán nội dung của mã")
    assert first_visit < photo < pasted
    assert "Hoặc ảnh chụp mã" not in page


def test_the_short_form_declares_checks_in_and_lands_on_checked_in(client: Client, venue: Venue) -> None:
    response = client.post(page_url(venue), form())
    assert response.status_code == 302 and response["Location"] == page_url(venue)
    stay = CheckIn.objects.get()
    assert stay.venue == venue and stay.person.full_name == "Lò Thị Mai" and Declaration.objects.count() == 1
    page = client.get(page_url(venue)).content.decode()
    assert "Đã gửi tờ khai y tế. Đã check-in: Lò Thị Mai." in page and "Đang có mặt" in page
    assert f'name="checkin" value="{stay.pk}"' in page  # check-out, one tap
    assert 'name="action" value="checkin"' not in page  # nobody to check in again
    assert 'value="first_visit"' not in page  # the phone knows her now


def test_after_a_first_visit_the_phone_has_her_qr_code_and_is_proven_for_her(client: Client, venue: Venue) -> None:
    client.post(page_url(venue), form())
    declaration = Declaration.objects.get()
    assert client.get(reverse("declarations:result", args=[declaration.pk])).status_code == 200
    start = client.get(reverse("declarations:start")).content.decode()
    assert "Lò Thị Mai" in start and "<svg" in start
    # Back another day with new details: the phone that created her record may change it.
    CheckIn.objects.update(checked_out_at=CheckIn.objects.get().checked_in_at)
    client.post(page_url(venue), form(ward_code=str(home_ward(1).code)))
    assert Person.objects.get().ward_id == home_ward(1).code


def test_the_same_form_sent_twice_writes_nothing_twice(client: Client, venue: Venue) -> None:
    data = form()
    client.post(page_url(venue), data)
    before = rows()
    response = client.post(page_url(venue), data)
    assert response.status_code == 302 and rows() == before == (1, 1, 1, 1)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"full_name": ""}, "full_name", "Trường này là bắt buộc."),
        ({"id_number": "12345"}, "id_number", "Số căn cước công dân gồm đúng 12 chữ số."),
        ({"phone": ""}, "phone", "Trường này là bắt buộc."),
        ({"phone": "123"}, "phone", "Nhập số điện thoại di động Việt Nam, ví dụ 0912 345 678."),
        ({"ward_code": ""}, "ward_code", "Hãy chọn xã, phường nơi bạn sống."),
        ({"full_name": "An\u202eX"}, "full_name", "BIDI"),
    ],
    ids=["no name", "short id", "no phone", "not a mobile", "no ward", "bidi control"],
)
def test_a_bad_answer_is_marked_on_its_field_and_nothing_is_written(
    client: Client, venue: Venue, overrides: dict[str, str], field: str, message: str
) -> None:
    response = client.post(page_url(venue), form(**overrides))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Vui lòng sửa các mục được đánh dấu bên dưới. Chưa có thông tin nào được lưu." in page
    marked = re.search(
        rf'<input[^>]*name="{field}"[^>]*aria-invalid="true"|<select[^>]*name="{field}"[^>]*aria-invalid="true"', page
    )
    assert marked, page
    assert (message if message != "BIDI" else "ký tự ẩn") in page
    assert rows() == (0, 0, 0, 0)


def test_an_unproven_first_visit_through_the_page_shows_the_masked_record_and_the_mismatch(
    client: Client, venue: Venue, an: Person
) -> None:
    response = client.post(page_url(venue), form(full_name="Kẻ Mạo Danh", id_number=an.id_number))
    page = client.get(response["Location"]).content.decode()
    assert "Thông tin không khớp với hồ sơ của số định danh này; trạm y tế sẽ liên hệ với bạn." in page
    assert "Nguyễn V. A." in page and "Nguyễn Văn An" not in page
    an.refresh_from_db()
    assert an.full_name == "Nguyễn Văn An" and an.phone == "+84912345678"
    assert Declaration.objects.get().proof == "" and CheckIn.objects.get().person == an


def test_a_phone_that_knows_people_offers_the_short_form_a_link_away(client: Client, venue: Venue) -> None:
    client.post(page_url(venue), form())
    page = client.get(page_url(venue)).content.decode()
    assert f'href="{page_url(venue)}?new=1#first-visit"' in page
    page = client.get(page_url(venue), {"new": "1"}).content.decode()
    assert 'value="first_visit"' in page and "Người khác chưa khai báo? Khai báo và check-in" in page
    client.post(page_url(venue), form(full_name="Lò Văn Páo", id_number="012090123457", phone="0912000111"))
    assert CheckIn.objects.count() == 2 and Person.objects.count() == 2


def test_without_javascript_a_province_change_lists_its_communes_and_checks_nothing(
    client: Client, venue: Venue
) -> None:
    other = home_ward(0).province_id
    response = client.post(page_url(venue), form(change_province="1", full_name="", province=str(other)))
    page = response.content.decode()
    assert response.status_code == 200 and "Trường này là bắt buộc." not in page
    assert f'value="{home_ward(0).code}"' in page and rows() == (0, 0, 0, 0)


def test_the_short_form_is_in_english_on_request(client: Client, venue: Venue) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(page_url(venue)).content.decode()
    assert "First time here? Declare and check in (1 minute)" in page and "Declare and check in</button>" in page
    assert "A photo or screenshot of your personal QR code" in page


def test_a_first_visit_at_a_venue_in_display_mode_needs_its_fresh_code(client: Client, venue: Venue) -> None:
    Venue.objects.filter(pk=venue.pk).update(require_fresh_code=True)
    response = client.post(page_url(venue), form())
    assert response.status_code == 410 and rows() == (0, 0, 0, 0)
