from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]


def test_the_cdc_officer_signs_in_switches_to_english_and_back(
    live_server: Any, desktop_page: Any, artifacts: Path
) -> None:
    call_command("seed_demo", people=0, verbosity=0)
    page = desktop_page
    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "vi"

    page.get_by_role("link", name="Đăng nhập cán bộ").first.click()
    page.get_by_label("Tên đăng nhập").fill("cdc")
    page.get_by_label("Mật khẩu").fill("demo12345")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}/operations/province/")
    assert page.get_by_role("heading", name="Bảng tổng hợp toàn tỉnh").is_visible()
    page.locator("summary", has_text="Truy vết").click()
    assert page.get_by_role("link", name="Vùng dịch").is_visible()
    page.screenshot(path=str(artifacts / "staff-home-vi.png"), full_page=True)

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Province dashboard").is_visible()
    page.locator("summary", has_text="Tracing").click()
    assert page.get_by_role("link", name="Outbreak zones").is_visible()
    page.screenshot(path=str(artifacts / "staff-home-en.png"), full_page=True)

    page.get_by_role("button", name="Tiếng Việt").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("heading", name="Bảng tổng hợp toàn tỉnh").is_visible()
