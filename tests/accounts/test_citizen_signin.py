from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PersonFactory
from truyvet.accounts.models import LoginCode, Role, User
from truyvet.accounts.services import login_code_request, login_code_verify, login_codes_purge
from truyvet.lib import sms
from truyvet.lib.errors import DomainError

pytestmark = pytest.mark.django_db


def last_code() -> str:
    match = re.search(r"\b(\d{6})\b", sms.outbox[-1]["text"])
    assert match
    return match.group(1)


def test_it_sends_a_six_digit_code_to_the_normalised_phone() -> None:
    assert login_code_request(phone="0912 345 678") == "+84912345678"
    assert sms.outbox[-1]["to"] == "+84912345678"
    code = last_code()
    assert not LoginCode.objects.filter(code_hash=code).exists(), "only a hash is stored"


def test_a_right_code_creates_the_citizen_account_once() -> None:
    login_code_request(phone="0912345678")
    user = login_code_verify(phone="+84912345678", code=last_code())
    assert user.role == Role.CITIZEN and user.phone == "+84912345678"
    assert not user.has_usable_password()
    login_code_request(phone="0912345678")
    assert login_code_verify(phone="0912345678", code=last_code()) == user
    assert User.objects.filter(phone="+84912345678").count() == 1


def test_a_code_cannot_be_used_twice() -> None:
    login_code_request(phone="0912345678")
    code = last_code()
    login_code_verify(phone="0912345678", code=code)
    with pytest.raises(DomainError) as error:
        login_code_verify(phone="0912345678", code=code)
    assert error.value.code == "code_expired"


def test_an_expired_code_is_refused() -> None:
    login_code_request(phone="0912345678")
    LoginCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(DomainError) as error:
        login_code_verify(phone="0912345678", code=last_code())
    assert error.value.code == "code_expired"


def test_five_wrong_codes_lock_the_code_even_for_the_right_one() -> None:
    login_code_request(phone="0912345678")
    code = last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        with pytest.raises(DomainError) as error:
            login_code_verify(phone="0912345678", code=wrong)
        assert error.value.code == "wrong_code"
    with pytest.raises(DomainError) as error:
        login_code_verify(phone="0912345678", code=code)
    assert error.value.code == "too_many_attempts"


def test_it_refuses_a_fourth_code_within_fifteen_minutes() -> None:
    for _ in range(3):
        login_code_request(phone="0912345678")
    with pytest.raises(DomainError) as error:
        login_code_request(phone="0912345678")
    assert error.value.code == "too_many_codes" and error.value.status == 429
    assert len(sms.outbox) == 3


@pytest.mark.parametrize("phone", ["", "12345", "0241234567", "+14155550100"])
def test_it_refuses_numbers_that_are_not_vietnamese_mobiles(phone: str) -> None:
    with pytest.raises(DomainError) as error:
        login_code_request(phone=phone)
    assert error.value.code == "invalid_phone"
    assert sms.outbox == []


def test_purge_deletes_only_codes_expired_for_a_day() -> None:
    login_code_request(phone="0912345678")
    login_code_request(phone="0987654321")
    LoginCode.objects.filter(phone="+84912345678").update(expires_at=timezone.now() - timedelta(days=2))
    assert login_codes_purge() == 1
    assert list(LoginCode.objects.values_list("phone", flat=True)) == ["+84987654321"]


def test_a_citizen_signs_in_through_the_pages_and_sees_their_household(client: Client) -> None:
    PersonFactory(full_name="Lò Thị Mai", phone="+84912345678")
    PersonFactory(full_name="Lò Văn Páo", phone="+84912345678")
    PersonFactory(full_name="Người Khác", phone="+84987654321")
    response = client.post(reverse("accounts:citizen_signin"), {"phone": "0912 345 678"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:citizen_code")
    response = client.post(reverse("accounts:citizen_code"), {"code": last_code()}, follow=True)
    page = response.content.decode()
    assert "Lò Thị Mai" in page and "Lò Văn Páo" in page and "Người Khác" not in page


def test_a_wrong_code_shows_a_message_in_vietnamese(client: Client) -> None:
    client.post(reverse("accounts:citizen_signin"), {"phone": "0912345678"})
    code = last_code()
    response = client.post(reverse("accounts:citizen_code"), {"code": f"{(int(code) + 1) % 10**6:06d}"})
    assert response.status_code == 200
    assert "Mã không đúng" in response.content.decode()


def test_the_code_page_without_a_phone_goes_back_to_the_phone_page(client: Client) -> None:
    response = client.get(reverse("accounts:citizen_code"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:citizen_signin")


def test_a_bad_phone_on_the_form_shows_a_message_and_sends_nothing(client: Client) -> None:
    response = client.post(reverse("accounts:citizen_signin"), {"phone": "abc"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert sms.outbox == []


def test_a_failing_sms_gateway_shows_a_message_not_an_error_page(client: Client, settings: object) -> None:
    settings.SMS_BACKEND = "tests.lib.test_notify_sms_audit.FailingBackend"  # type: ignore[attr-defined]
    response = client.post(reverse("accounts:citizen_signin"), {"phone": "0912345678"})
    assert response.status_code == 200
    assert "Không gửi được tin nhắn" in response.content.decode()


def test_a_code_to_a_staff_members_phone_does_not_sign_the_staff_account_in(client: Client, insider: User) -> None:
    insider.phone = "+84912345670"
    insider.save(update_fields=["phone"])
    login_code_request(phone="0912345670")
    with pytest.raises(DomainError) as refused:
        login_code_verify(phone="0912345670", code=last_code())
    assert refused.value.code == "staff_account"
    client.post(reverse("accounts:citizen_signin"), {"phone": "0912345670"})
    response = client.post(reverse("accounts:citizen_code"), {"code": last_code()})
    assert "_auth_user_id" not in client.session
    assert "staff account" in response.content.decode() or "tài khoản cán bộ" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "words", "not_words"),
    [("vi", "ma dang nhap", "Sign-in code"), ("en", "sign-in code", "ma dang nhap")],
)
def test_the_sign_in_code_sms_speaks_the_language_of_the_page_that_asked(
    client: Client, language: str, words: str, not_words: str
) -> None:
    client.cookies["django_language"] = language
    client.post(reverse("accounts:citizen_signin"), {"phone": "0912345678"})
    text = sms.outbox[-1]["text"]
    assert words in text and not_words not in text and re.search(r"\b\d{6}\b", text)
    assert text.isascii()  # one GSM-7 segment, in Vietnamese too
