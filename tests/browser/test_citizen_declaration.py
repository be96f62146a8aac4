from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from declarations.models import Declaration
from tests.factories import home_ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]


def fill_person(page: Any, *, name: str, id_number: str, born: str, gender_label: str) -> None:
    page.get_by_label("Họ và tên").fill(name)
    page.get_by_label("Số căn cước công dân (12 chữ số)").fill(id_number)
    page.get_by_label("Ngày sinh").fill(born)
    page.get_by_label(gender_label, exact=True).check()


def test_a_citizen_declares_for_self_and_a_family_member_and_sees_both_qr_codes(
    live_server: Any, phone_page: Any, artifacts: Path
) -> None:
    page = phone_page
    ward = home_ward(0)
    page.goto(f"{live_server.url}/declarations/")
    page.get_by_role("link", name="Khai báo y tế hằng ngày").click()

    fill_person(page, name="Lò Văn Páo", id_number="012090123456", born="1990-05-17", gender_label="Nam")
    page.get_by_label("Số điện thoại di động").fill("0912 345 678")
    page.get_by_label("Tìm xã, phường").fill(ward.name.split()[-1])
    page.get_by_label("Xã, phường", exact=True).select_option(str(ward.code))
    page.get_by_label("Địa chỉ (số nhà, đường, thôn bản)").fill("Bản Nà Lại")
    page.get_by_label("Ho", exact=True).check()
    page.screenshot(path=str(artifacts / "declaration-form-phone.png"), full_page=True)
    page.get_by_role("button", name="Gửi tờ khai").click()

    page.wait_for_url("**/declarations/done/**")
    assert page.locator(".qr-box svg").is_visible()
    assert page.get_by_text("Vàng: cần theo dõi").is_visible()
    page.screenshot(path=str(artifacts / "declaration-result-self.png"), full_page=True)

    page.get_by_role("link", name="Khai báo hộ người thân").click()
    assert page.get_by_label("Số điện thoại di động").input_value() == "0912 345 678"
    fill_person(page, name="Lò Thị Mai", id_number="012195000123", born="1995-02-02", gender_label="Nữ")
    page.get_by_role("button", name="Gửi tờ khai").click()
    page.wait_for_url("**/declarations/done/**")
    assert page.get_by_text("Xanh: nguy cơ thấp").is_visible()

    page.get_by_role("link", name="Tất cả mã QR đã khai báo từ điện thoại này").click()
    assert page.locator(".qr-box svg").count() == 2
    assert page.get_by_text("Lò Văn Páo").is_visible() and page.get_by_text("Lò Thị Mai").is_visible()
    page.screenshot(path=str(artifacts / "declaration-household-phone.png"), full_page=True)

    first, second = Declaration.objects.order_by("pk").select_related("person")
    assert first.person.household_id == second.person.household_id
    assert (first.risk_level, second.risk_level) == ("yellow", "green")
