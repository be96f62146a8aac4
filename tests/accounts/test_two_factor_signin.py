"""Two-step staff sign-in (TOTP, django-otp): enrolment from a page, the code after the
password, and the roles that must use it in production."""

from __future__ import annotations

from base64 import b32encode

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.core.management import call_command
from django.test import Client, RequestFactory
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory
from tests.project.test_settings import GOOD_SECRET, run_manage
from truyvet.accounts import two_factor
from truyvet.accounts.demo import DEMO_USERS
from truyvet.accounts.models import Role, User
from truyvet.lib.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"
PRODUCTION_ROLES = ["province_cdc", "health_centre", "administrator"]


@pytest.fixture
def required_as_in_production(settings: pytest.FixtureRequest) -> None:
    settings.OTP_REQUIRED_ROLES = PRODUCTION_ROLES  # type: ignore[attr-defined]


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the authenticator app shows now (or ``steps_ahead`` periods later)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead):06d}"


def enrolled(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def password_sign_in(username: str, *, path: str = "/accounts/login/") -> Client:
    client = Client()
    response = client.post(path, {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "the password is right"
    return client


def test_a_staff_member_enrols_an_authenticator_from_the_qr_and_a_code(insider_client: Client, insider: User) -> None:
    page = insider_client.get("/accounts/two-factor/setup/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=insider)
    assert not device.confirmed
    html = page.content.decode()
    assert "<svg" in html
    secret = b32encode(device.bin_key).decode()
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    assert device.config_url.startswith(f"otpauth://totp/truyvet%3Ainsider?secret={secret}&")
    assert insider_client.get("/accounts/two-factor/setup/").status_code == 200
    assert TOTPDevice.objects.filter(user=insider).count() == 1, "a reload keeps the scanned secret"

    response = insider_client.post("/accounts/two-factor/setup/", {"code": code_for(device)})
    assert response.status_code == 200, "the page that confirms shows the backup codes"
    assert 'id="backup-codes"' in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert insider_client.session.get("otp_device_id") == device.persistent_id
    assert AuditEvent.objects.filter(action="two_factor_enrolled", actor=insider).exists()
    page = insider_client.get("/accounts/two-factor/setup/")
    assert "Xác thực hai bước đang bật" in page.content.decode()


def test_a_wrong_code_does_not_confirm_the_enrolment(insider_client: Client, insider: User) -> None:
    insider_client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=insider)
    response = insider_client.post("/accounts/two-factor/setup/", {"code": code_for(device, steps_ahead=5)})
    assert response.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed


def test_once_enrolled_sign_in_asks_for_the_code_after_the_password(insider: User) -> None:
    device = enrolled(insider)
    client = password_sign_in("insider")
    response = client.get("/accounts/alerts/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/?next=%2Faccounts%2Falerts%2F"
    page = client.get(response["Location"])
    assert "Đăng nhập hai bước" in page.content.decode()

    response = client.post("/accounts/two-factor/", {"code": code_for(device), "next": "/accounts/alerts/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/alerts/"
    assert client.get("/accounts/alerts/").status_code == 200
    assert AuditEvent.objects.filter(action="two_factor_verified", actor=insider).exists()


def test_a_wrong_code_is_refused_and_audited(insider: User, settings: pytest.FixtureRequest) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # type: ignore[attr-defined]
    device = enrolled(insider)
    client = password_sign_in("insider")
    response = client.post("/accounts/two-factor/", {"code": code_for(device, steps_ahead=5)})
    assert response.status_code == 400
    assert "Mã không đúng" in response.content.decode()
    assert client.get("/accounts/alerts/").status_code == 302, "still not through"
    assert AuditEvent.objects.filter(action="two_factor_failed", actor=insider).exists()
    assert client.post("/accounts/two-factor/", {"code": code_for(device)}).status_code == 302
    assert client.get("/accounts/alerts/").status_code == 200


def test_a_code_works_only_once(insider: User) -> None:
    device = enrolled(insider)
    code = code_for(device)
    assert password_sign_in("insider").post("/accounts/two-factor/", {"code": code}).status_code == 302
    again = password_sign_in("insider")
    assert again.post("/accounts/two-factor/", {"code": code}).status_code == 400
    assert again.get("/accounts/alerts/").status_code == 302


def test_repeated_wrong_codes_are_slowed_down_even_for_the_right_one(insider: User) -> None:
    device = enrolled(insider)
    client = password_sign_in("insider")
    for _ in range(3):
        client.post("/accounts/two-factor/", {"code": code_for(device, steps_ahead=5)})
    response = client.post("/accounts/two-factor/", {"code": code_for(device)})
    assert response.status_code == 429
    assert client.get("/accounts/alerts/").status_code == 302


@pytest.mark.parametrize(
    ("role", "superuser"),
    [(Role.PROVINCE_CDC, False), (Role.HEALTH_CENTRE, False), (Role.ADMINISTRATOR, True)],
)
@pytest.mark.usefixtures("required_as_in_production")
def test_in_production_the_cdc_health_centres_and_administrators_must_enrol_after_the_password(
    role: str, superuser: bool
) -> None:
    user = UserFactory(username="required", role=role, is_superuser=superuser, is_staff=superuser)
    client = password_sign_in("required")
    response = client.get("/accounts/alerts/")
    assert response["Location"].startswith("/accounts/two-factor/setup/")
    # Nothing else is open until enrolled: pages, forms, the admin, the API.
    for path in ("/contacts/cases/", "/declarations/staff/", "/admin/", "/accounts/two-factor/"):
        assert client.get(path)["Location"].startswith("/accounts/two-factor/setup/"), path
    assert client.post("/accounts/alerts/ack-group/", {})["Location"] == "/accounts/two-factor/setup/"
    api = client.get("/api/v1/cases/")
    assert api.status_code == 403 and api.json()["code"] == "two_factor_required"

    page = client.get("/accounts/two-factor/setup/")
    assert page.status_code == 200
    assert "Vai trò của bạn phải đăng nhập hai bước" in page.content.decode()
    device = TOTPDevice.objects.get(user=user)
    confirmed = client.post("/accounts/two-factor/setup/", {"code": code_for(device), "next": "/accounts/home/"})
    assert confirmed.status_code == 200 and 'href="/accounts/home/"' in confirmed.content.decode()
    assert client.get("/accounts/alerts/").status_code == 200

    # The next sign-in asks for a code from the enrolled app.
    again = password_sign_in("required")
    assert again.get("/accounts/alerts/")["Location"].startswith("/accounts/two-factor/?")


@pytest.mark.usefixtures("required_as_in_production")
def test_in_production_a_commune_station_signs_in_without_a_code(insider: User) -> None:
    client = password_sign_in("insider")
    assert client.get("/accounts/alerts/").status_code == 200
    assert not TOTPDevice.objects.exists()


@pytest.mark.usefixtures("required_as_in_production")
def test_the_admin_requires_the_code_where_it_is_required(administrator: User) -> None:
    device = enrolled(administrator)
    client = password_sign_in(administrator.username, path="/admin/login/")
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/?next=%2Fadmin%2F")
    assert client.get("/admin/accounts/user/").status_code == 302
    assert client.post("/accounts/two-factor/", {"code": code_for(device), "next": "/admin/"})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admin_site_itself_refuses_a_session_that_owes_its_code(administrator: User) -> None:
    request = RequestFactory().get("/admin/")
    request.user = administrator
    request.session = {two_factor.STEP_SESSION_KEY: two_factor.VERIFY}  # type: ignore[assignment]
    assert not admin.site.has_permission(request)
    request.session = {two_factor.STEP_SESSION_KEY: ""}  # type: ignore[assignment]
    assert admin.site.has_permission(request)


def test_an_unverified_session_cannot_enrol_another_authenticator_to_skip_the_code(insider: User) -> None:
    enrolled(insider)
    client = password_sign_in("insider")
    response = client.get("/accounts/two-factor/setup/")
    assert response["Location"].startswith("/accounts/two-factor/")
    response = client.post("/accounts/two-factor/setup/", {"code": "123456"})
    assert response["Location"].startswith("/accounts/two-factor/")
    assert TOTPDevice.objects.filter(user=insider).count() == 1


def test_a_removed_authenticator_no_longer_asks_for_a_code(insider: User) -> None:
    device = enrolled(insider)
    client = password_sign_in("insider")
    device.delete()
    response = client.get("/accounts/two-factor/?next=/accounts/alerts/")
    assert response.status_code == 302 and response["Location"] == "/accounts/alerts/"
    assert client.get("/accounts/alerts/").status_code == 200


def test_the_demo_accounts_sign_in_without_a_code_by_default(settings: pytest.FixtureRequest) -> None:
    assert django_settings.OTP_REQUIRED_ROLES == []
    call_command("seed_demo", people=0, verbosity=0)
    for username in DEMO_USERS:
        client = Client()
        response = client.post("/accounts/login/", {"username": username, "password": django_settings.DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert client.get("/accounts/alerts/").status_code in (200, 302), username
        assert not client.get("/accounts/alerts/").get("Location", "").startswith("/accounts/two-factor/"), username


def test_production_settings_require_two_step_sign_in_for_the_cdc_health_centres_and_administrators() -> None:
    show = "from django.conf import settings; print(','.join(settings.OTP_REQUIRED_ROLES))"
    production = run_manage(
        "shell", "-c", show, DJANGO_ENV="production", SECRET_KEY=GOOD_SECRET, ALLOWED_HOSTS="portal.example.vn"
    )
    assert production.returncode == 0, production.stderr
    assert production.stdout.splitlines()[-1] == ",".join(PRODUCTION_ROLES)
    development = run_manage("shell", "-c", show, DJANGO_ENV="development")
    assert development.returncode == 0 and development.stdout.splitlines()[-1] == ""


def test_an_unknown_role_in_the_setting_is_refused_at_start() -> None:
    result = run_manage("check", DJANGO_ENV="development", OTP_REQUIRED_ROLES="province_cdc,doctor")
    assert result.returncode != 0 and "accounts.E001" in result.stderr


def test_a_citizen_signed_in_by_sms_is_never_asked_for_a_code(required_as_in_production: None) -> None:
    from tests.accounts.test_citizen_signin import last_code

    client = Client()
    client.post("/accounts/signin/", {"phone": "0912345678"})
    assert client.post("/accounts/signin/code/", {"code": last_code()})["Location"] == "/accounts/me/"
    assert client.get("/accounts/me/").status_code == 200
    assert client.get("/accounts/two-factor/setup/")["Location"] == "/accounts/me/"
