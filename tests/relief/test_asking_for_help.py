"""The public help request form: what it accepts, what it refuses and says, and its limits."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from relief.models import HelpRequest, HelpRequestEvent
from tests.factories import home_ward
from truyvet.geo.models import Ward
from truyvet.lib.models import AuditEvent
from truyvet.lib.ratelimit import BROWSER_COOKIE

pytestmark = pytest.mark.django_db

NEW = reverse("relief:sos_new")


def answers(**overrides: Any) -> dict[str, Any]:
    data = {
        "kind": "oxygen",
        "latitude": "22.396428",
        "longitude": "103.458481",
        "ward_code": str(home_ward(0).code),
        "address": "Bản Nà Khum",
        "text": "Bố tôi khó thở, SpO2 91%",
        "phone": "0981 234 567",
        "name": "lò thị hoa",
    }
    data.update(overrides)
    return data


def ask(client: Client, **overrides: Any) -> Any:
    return client.post(NEW, answers(**overrides))


def test_a_request_is_recorded_and_leads_to_its_follow_page_with_a_confirmation(client: Client) -> None:
    response = ask(client)

    sos = HelpRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("relief:sos_follow", args=[sos.ref]) + "?new=1"
    assert (sos.kind, sos.status, sos.phone, sos.name) == ("oxygen", "new", "+84981234567", "Lò Thị Hoa")
    assert (str(sos.latitude), str(sos.longitude), sos.ward_id) == ("22.396428", "103.458481", home_ward(0).code)
    assert sos.language == "vi"
    page = client.get(response["Location"])
    assert "Yêu cầu của bạn đã được tiếp nhận" in page.content.decode()
    assert "0981***567" in page.content.decode()


def test_the_request_starts_its_history_and_is_audited_without_phone_or_words(client: Client) -> None:
    ask(client)

    sos = HelpRequest.objects.get()
    (event,) = HelpRequestEvent.objects.filter(sos=sos)
    assert (event.action, event.to_status, event.actor_id) == ("submitted", "new", None)
    audit = AuditEvent.objects.get(action="relief.sos_submit")
    assert audit.object_id == str(sos.pk)
    assert audit.detail == {"kind": "oxygen", "ward": home_ward(0).code}
    assert "0981" not in str(audit.detail) and "SpO2" not in str(audit.detail)


def test_the_follow_link_is_unguessable_and_not_the_number(client: Client) -> None:
    ask(client)
    ask(client, phone="0981 234 568")

    first, second = HelpRequest.objects.order_by("pk")
    assert len(first.ref) >= 22 and first.ref != second.ref
    assert first.ref != str(first.pk) and not first.ref.isdecimal()
    assert client.get(reverse("relief:sos_follow", args=["x" * 22])).status_code == 404


def test_the_form_page_shows_the_emergency_numbers_and_every_type(client: Client) -> None:
    page = client.get(NEW).content.decode()

    assert 'href="tel:115"' in page and 'href="tel:114"' in page
    for word in ("Thực phẩm", "Thuốc", "Oxy", "Khám chữa bệnh", "Cứu hộ", "Hỗ trợ khác"):
        assert word in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"phone": "12345"}, "phone", "Nhập số điện thoại di động Việt Nam"),
        ({"phone": ""}, "phone", "Trường này là bắt buộc"),
        ({"text": ""}, "text", "Trường này là bắt buộc"),
        ({"text": "ab"}, "text", "Hãy nói ngắn gọn bạn cần gì"),
        ({"text": "x" * 1001}, "text", "1000"),
        ({"latitude": "", "longitude": ""}, "latitude", "Hãy đặt ghim trên bản đồ"),
        ({"latitude": "abc"}, "latitude", "Hãy đặt ghim trên bản đồ"),
        ({"latitude": "10.762622", "longitude": "106.660172"}, "latitude", "ngoài tỉnh"),
        ({"latitude": "95", "longitude": "103.4"}, "latitude", "ngoài tỉnh"),
        ({"latitude": "nan", "longitude": "103.4"}, "latitude", "vĩ độ và kinh độ hợp lệ"),
        ({"kind": "pizza"}, "kind", "Hãy chọn một lựa chọn hợp lệ"),
        ({"ward_code": ""}, "ward_code", "Trường này là bắt buộc"),
        ({"name": "Lò\u202eThị"}, "name", "ký tự ẩn"),
    ],
)
def test_a_refused_request_says_why_on_its_field_and_keeps_what_was_typed(
    client: Client, overrides: dict[str, str], field: str, message: str
) -> None:
    response = ask(client, **overrides)

    assert response.status_code == 400
    errors = " ".join(str(e) for e in response.context["form"].errors.get(field, []))
    assert message in errors, response.context["form"].errors
    assert 'value="Bản Nà Khum"' in response.content.decode()
    assert not HelpRequest.objects.exists()


def test_a_comma_before_the_decimals_is_read_as_a_point(client: Client) -> None:
    ask(client, latitude="22,396428", longitude="103,458481")

    assert str(HelpRequest.objects.get().latitude) == "22.396428"


def test_a_ward_of_another_province_is_refused(client: Client) -> None:
    elsewhere = Ward.objects.exclude(province_id=home_ward(0).province_id).first()

    response = ask(client, ward_code=str(elsewhere.code))

    assert response.status_code == 400
    assert not HelpRequest.objects.exists()


def test_one_browser_is_held_to_its_hourly_limit_even_from_a_new_address(client: Client, settings: Any) -> None:
    settings.RELIEF_SOS_PER_BROWSER = 2
    client.cookies[BROWSER_COOKIE] = "b" * 32
    for index in range(2):
        assert client.post(NEW, answers(), REMOTE_ADDR=f"203.0.113.{index}").status_code == 302

    refused = client.post(NEW, answers(), REMOTE_ADDR="203.0.113.9")

    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert "Quá nhiều yêu cầu" in refused.content.decode()
    assert "Bản Nà Khum" in refused.content.decode()  # nothing typed is lost
    assert HelpRequest.objects.count() == 2


def test_one_address_is_held_to_its_hourly_limit_even_with_a_cleared_cookie(client: Client, settings: Any) -> None:
    settings.RELIEF_SOS_PER_ADDRESS = 3
    for index in range(3):
        fresh = Client()
        fresh.cookies[BROWSER_COOKIE] = f"{index}" * 32
        assert fresh.post(NEW, answers(), REMOTE_ADDR="198.51.100.7").status_code == 302

    assert Client().post(NEW, answers(), REMOTE_ADDR="198.51.100.7").status_code == 429
    assert Client().post(NEW, answers(), REMOTE_ADDR="198.51.100.8").status_code == 302


def test_refused_answers_do_not_count_against_the_limit(client: Client, settings: Any) -> None:
    settings.RELIEF_SOS_PER_BROWSER = 1
    client.cookies[BROWSER_COOKIE] = "c" * 32
    for _ in range(3):
        assert ask(client, phone="123").status_code == 400

    assert ask(client).status_code == 302


def test_the_form_sets_the_browser_cookie_the_limit_counts(client: Client) -> None:
    response = client.get(NEW)

    assert len(response.cookies[BROWSER_COOKIE].value) == 32


def test_limits_can_be_turned_off(client: Client, settings: Any) -> None:
    settings.RELIEF_SOS_PER_BROWSER = 1
    settings.RATELIMIT_ENABLE = False

    assert [ask(client).status_code for _ in range(3)] == [302, 302, 302]


def test_a_request_in_english_is_answered_in_english(client: Client) -> None:
    client.cookies["django_language"] = "en"

    response = ask(client, phone="12")

    assert "Enter a Vietnamese mobile number" in response.content.decode()
    ask(client)
    assert HelpRequest.objects.get().language == "en"
