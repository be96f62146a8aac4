from __future__ import annotations

from base64 import b32decode
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django_otp.oath import totp
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]


def app_code(secret_text: str) -> str:
    """What an authenticator app shows for the secret typed from the page."""
    return f"{totp(b32decode(secret_text.replace(' ', ''))):06d}"


def test_the_cdc_officer_enrols_an_authenticator_on_a_phone_then_signs_in_with_a_code(
    live_server: Any, phone_page: Any, artifacts: Path, settings: Any
) -> None:
    settings.OTP_REQUIRED_ROLES = ["province_cdc", "health_centre", "administrator"]
    call_command("seed_demo", people=0, verbosity=0)
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("cdc")
    page.get_by_label("Mật khẩu").fill("demo12345")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/setup/**")
    assert page.get_by_role("heading", name="Đăng nhập hai bước").is_visible()
    assert page.get_by_role("img", name="Mã QR cho ứng dụng xác thực").is_visible()
    page.screenshot(path=str(artifacts / "two-step-enrol-360.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 800})
    page.screenshot(path=str(artifacts / "two-step-enrol-1366.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 740})

    page.get_by_label("Mã 6 chữ số từ ứng dụng xác thực").fill(app_code(page.locator("#totp-secret").inner_text()))
    page.get_by_role("button", name="Bật đăng nhập hai bước").click()
    assert page.get_by_text("Xác thực hai bước đang bật").is_visible()
    # The print button is shown by its deferred script: wait for it.
    expect(page.get_by_role("button", name="In")).to_be_visible()
    assert page.get_by_role("heading", name="Mã dự phòng của bạn").is_visible()
    backup_codes = page.locator("#backup-codes li").all_inner_texts()
    assert len(backup_codes) == 10
    page.screenshot(path=str(artifacts / "two-step-backup-codes-360.png"), full_page=True)
    page.get_by_role("link", name="Tôi đã cất giữ: tiếp tục").click()
    page.wait_for_url(f"{live_server.url}/operations/province/")

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("cdc")
    page.get_by_label("Mật khẩu").fill("demo12345")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/?**")
    page.screenshot(path=str(artifacts / "two-step-verify-360.png"), full_page=True)
    code_box = page.get_by_label("Mã từ ứng dụng xác thực, hoặc một mã dự phòng")
    code_box.fill("000000")
    page.get_by_role("button", name="Xác nhận").click()
    assert page.get_by_text("Mã không đúng").is_visible()

    # The phone is lost: a backup code signs in, once.
    code_box.fill(backup_codes[0].upper())
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url(f"{live_server.url}/operations/province/")


def test_a_locked_out_officer_sees_why_on_the_sign_in_page(
    live_server: Any, desktop_page: Any, artifacts: Path
) -> None:
    call_command("seed_demo", people=0, verbosity=0)
    page = desktop_page
    page.set_viewport_size({"width": 1366, "height": 800})
    for _ in range(5):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Tên đăng nhập").fill("cdc")
        page.get_by_label("Mật khẩu").fill("wrong-guess")
        page.get_by_role("button", name="Đăng nhập").click()
    assert page.get_by_text("Quá nhiều lần đăng nhập sai").is_visible()
    page.screenshot(path=str(artifacts / "signin-locked-1366.png"), full_page=True)
