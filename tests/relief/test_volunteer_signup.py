"""The public volunteer sign-up: the consent is required and kept with its version and words;
what else it checks and says; one active registration per phone; its limits."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from relief.consent import CONSENT_VERSION
from relief.models import Volunteer
from tests.factories import home_ward
from tests.relief.conftest import make_volunteer
from truyvet.geo.models import Ward
from truyvet.lib.models import AuditEvent
from truyvet.lib.ratelimit import BROWSER_COOKIE

pytestmark = pytest.mark.django_db

SIGNUP = reverse("relief:volunteer_signup")


def answers(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "full_name": "  đặng   văn hải ",
        "phone": "0971 234 567",
        "skills": ["car", "first_aid"],
        "skills_other": "Biết tiếng Mông",
        "ward_codes": [str(home_ward(0).code), str(home_ward(1).code)],
        "availability": "evenings",
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_volunteer_signs_up_with_their_consent_kept_word_for_word(client: Client) -> None:
    response = client.post(SIGNUP, answers())

    assert response.status_code == 302 and response["Location"] == reverse("relief:volunteer_thanks")
    volunteer = Volunteer.objects.get()
    assert (volunteer.full_name, volunteer.name_key, volunteer.phone) == (
        "Đặng Văn Hải",
        "dang van hai",
        "+84971234567",
    )
    assert volunteer.skill_list == ["car", "first_aid"] and volunteer.skills_other == "Biết tiếng Mông"
    assert {w.code for w in volunteer.wards.all()} == {home_ward(0).code, home_ward(1).code}
    assert (volunteer.availability, volunteer.is_active, volunteer.language) == ("evenings", True, "vi")
    assert volunteer.consent_version == CONSENT_VERSION
    assert volunteer.consent_text.startswith("Tôi đồng ý để cán bộ y tế của tỉnh")
    assert volunteer.consented_at is not None and volunteer.phone_confirmed_at is None


def test_the_consent_is_kept_in_the_language_it_was_shown_in(client: Client) -> None:
    client.cookies["django_language"] = "en"

    client.post(SIGNUP, answers())

    volunteer = Volunteer.objects.get()
    assert volunteer.consent_text.startswith("I agree that the health staff") and volunteer.language == "en"


def test_without_the_consent_nobody_is_registered_and_the_page_says_so(client: Client) -> None:
    response = client.post(SIGNUP, answers(consent=None))

    assert response.status_code == 400
    assert response.context["form"].errors["consent"] == [
        "Hãy đánh dấu vào ô đồng ý, nếu không chúng tôi không thể ghi nhận đăng ký của bạn."
    ]
    assert not Volunteer.objects.exists()
    assert "đặng   văn hải" in response.content.decode()  # what was typed is kept


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"skills": [], "skills_other": ""}, "skills", "Hãy chọn ít nhất một kỹ năng"),
        ({"ward_codes": []}, "ward_codes", "Hãy chọn ít nhất một xã, phường"),
        ({"phone": "0123"}, "phone", "Nhập số điện thoại di động Việt Nam"),
        ({"full_name": ""}, "full_name", "Trường này là bắt buộc"),
        ({"availability": ""}, "availability", "Trường này là bắt buộc"),
        ({"skills": ["juggling"]}, "skills", "Hãy chọn một lựa chọn hợp lệ"),
        ({"full_name": "Hải\u200b"}, "full_name", "ký tự ẩn"),
    ],
)
def test_a_refused_sign_up_says_why_on_its_field(
    client: Client, overrides: dict[str, Any], field: str, message: str
) -> None:
    response = client.post(SIGNUP, answers(**overrides))

    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors, response.context["form"].errors
    assert not Volunteer.objects.exists()


def test_a_skill_in_words_alone_is_enough(client: Client) -> None:
    assert client.post(SIGNUP, answers(skills=[], skills_other="Sửa xe máy")).status_code == 302


def test_a_ward_of_another_province_is_refused(client: Client) -> None:
    elsewhere = Ward.objects.exclude(province_id=home_ward(0).province_id).first()

    response = client.post(SIGNUP, answers(ward_codes=[str(elsewhere.code)]))

    assert response.status_code == 400
    assert not Volunteer.objects.exists()


def test_a_phone_already_registered_is_refused_until_that_registration_is_withdrawn(client: Client) -> None:
    first = make_volunteer(phone="+84971234567")

    refused = client.post(SIGNUP, answers())
    assert refused.status_code == 400
    assert "đã đăng ký tình nguyện viên" in " ".join(refused.context["form"].errors["phone"])

    first.is_active = False
    first.save()
    assert client.post(SIGNUP, answers()).status_code == 302
    assert Volunteer.objects.filter(phone="+84971234567").count() == 2


def test_a_sign_up_is_audit_logged_without_the_phone(client: Client) -> None:
    client.post(SIGNUP, answers())

    event = AuditEvent.objects.get(action="relief.volunteer_register")
    assert event.object_id == str(Volunteer.objects.get().pk)
    assert event.detail["consent"] == CONSENT_VERSION
    assert "0971" not in str(event.detail) and "84971" not in str(event.detail)


def test_sign_ups_are_limited_per_browser_and_per_address(client: Client, settings: Any) -> None:
    settings.RELIEF_SIGNUPS_PER_BROWSER = 1
    settings.RELIEF_SIGNUPS_PER_ADDRESS = 2
    client.cookies[BROWSER_COOKIE] = "d" * 32
    assert client.post(SIGNUP, answers(phone="0971000001"), REMOTE_ADDR="203.0.113.1").status_code == 302
    refused = client.post(SIGNUP, answers(phone="0971000002"), REMOTE_ADDR="203.0.113.2")
    assert refused.status_code == 429 and "Quá nhiều lượt đăng ký" in refused.content.decode()

    other = Client()
    assert other.post(SIGNUP, answers(phone="0971000003"), REMOTE_ADDR="203.0.113.1").status_code == 302
    assert Client().post(SIGNUP, answers(phone="0971000004"), REMOTE_ADDR="203.0.113.1").status_code == 429
    assert Volunteer.objects.count() == 2


def test_the_sign_up_page_shows_the_consent_text_and_every_commune_of_the_province(client: Client) -> None:
    page = client.get(SIGNUP).content.decode()

    assert "Tôi đồng ý để cán bộ y tế của tỉnh" in page
    wards = Ward.objects.filter(province_id=home_ward(0).province_id)
    assert all(w.name in page for w in wards)
