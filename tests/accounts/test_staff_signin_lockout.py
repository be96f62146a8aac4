"""Staff sign-in resists guessing: wrong passwords lock the account and the client address
for a cool-off, on the staff sign-in page and on the admin's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import F
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.views import ObtainAuthToken

from truyvet.accounts.models import User
from truyvet.lib.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"
STAFF_LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


def sign_in(client: Client, username: str, password: str, *, path: str = STAFF_LOGIN, address: str = "10.1.2.3"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in_as(client: Client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id).username if user_id else None


def test_thirty_wrong_passwords_lock_the_account_even_against_the_right_one(cdc: User) -> None:
    client = Client()
    for _ in range(30):
        sign_in(client, "cdc", "wrong-guess")
    response = sign_in(client, "cdc", PASSWORD)
    assert response.status_code == 429
    assert signed_in_as(client) is None
    assert "Retry-After" in response.headers


def test_thirty_wrong_passwords_lock_the_admin_sign_in_even_against_the_right_one(administrator: User) -> None:
    client = Client()
    for _ in range(30):
        sign_in(client, "admin", "wrong-guess", path=ADMIN_LOGIN)
    response = sign_in(client, "admin", PASSWORD, path=ADMIN_LOGIN)
    assert response.status_code == 429
    assert signed_in_as(client) is None
    assert "admin/login.html" in [t.name for t in response.templates]
    assert "Quá nhiều lần đăng nhập sai" in response.content.decode()


def test_the_account_locks_at_the_fifth_wrong_password_from_any_address(cdc: User) -> None:
    client = Client()
    for index in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "cdc", "wrong-guess", address=f"10.9.0.{index + 1}").status_code == 200
    assert sign_in(client, "cdc", "wrong-guess", address="10.9.0.99").status_code == 429
    # Another address, the right password: the account itself is locked.
    assert sign_in(Client(), "cdc", PASSWORD, address="10.77.0.1").status_code == 429


def test_fewer_wrong_passwords_than_the_limit_still_let_the_right_one_in_and_clear_the_count(cdc: User) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "cdc", "wrong-guess")
    response = sign_in(client, "cdc", PASSWORD)
    assert response.status_code == 302 and signed_in_as(client) == "cdc"
    assert not AccessAttempt.objects.filter(username="cdc").exists()


def test_one_address_trying_many_accounts_is_locked_out_for_every_account(cdc: User) -> None:
    client = Client()
    for index in range(settings.SIGNIN_FAILURES_PER_ADDRESS):
        # A different account each time: no account reaches its own limit.
        sign_in(client, f"guess{index}", "wrong-guess", address="10.5.5.5")
    locked = sign_in(client, "cdc", PASSWORD, address="10.5.5.5")
    assert locked.status_code == 429 and signed_in_as(client) is None
    other_client = Client()
    response = sign_in(other_client, "cdc", PASSWORD, address="10.6.6.6")
    assert response.status_code == 302 and signed_in_as(other_client) == "cdc"


def test_the_lockout_ends_after_the_cool_off(cdc: User) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "cdc", "wrong-guess")
    assert sign_in(client, "cdc", PASSWORD).status_code == 429

    # The clock moves on: the failures are now nearly a cool-off old ...
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME + timedelta(minutes=1))
    assert sign_in(client, "cdc", PASSWORD).status_code == 429
    # ... and now older than it.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=2))
    response = sign_in(client, "cdc", PASSWORD)
    assert response.status_code == 302 and signed_in_as(client) == "cdc"


def test_attempts_during_the_lockout_do_not_restart_the_cool_off(cdc: User) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "cdc", "wrong-guess")
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME + timedelta(minutes=1))
    assert sign_in(client, "cdc", "still-guessing").status_code == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=2))
    assert sign_in(client, "cdc", PASSWORD).status_code == 302


def test_an_administrator_can_unlock_an_account_before_the_cool_off(cdc: User) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "cdc", "wrong-guess")
    reset(username="cdc")
    assert sign_in(client, "cdc", PASSWORD).status_code == 302


def test_failures_and_the_lockout_are_written_to_the_audit_log(cdc: User) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "cdc", "wrong-guess", address="10.3.3.3")
    failures = AuditEvent.objects.filter(action="signin_failed")
    assert failures.count() == settings.AXES_FAILURE_LIMIT
    assert {(e.detail["username"], e.detail["path"], e.ip) for e in failures} == {("cdc", STAFF_LOGIN, "10.3.3.3")}
    lockout = AuditEvent.objects.get(action="signin_locked_out")
    assert lockout.detail["username"] == "cdc" and lockout.ip == "10.3.3.3"
    assert "wrong-guess" not in str([e.detail for e in AuditEvent.objects.all()])


def test_a_refused_admin_sign_in_is_audited_too(administrator: User) -> None:
    sign_in(Client(), "admin", "wrong-guess", path=ADMIN_LOGIN)
    event = AuditEvent.objects.get(action="signin_failed")
    assert event.detail == {"username": "admin", "path": ADMIN_LOGIN}


def test_the_lockout_message_is_in_vietnamese_on_the_sign_in_page(cdc: User) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, "cdc", "wrong-guess")
    assert response.status_code == 429
    assert "accounts/login.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "Quá nhiều lần đăng nhập sai" in page and "15 phút" in page
    assert 'value="cdc"' in page, "the form is shown again, with the username"


def test_the_lockout_message_is_in_english_for_those_who_chose_english(cdc: User) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, "cdc", "wrong-guess")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed sign-in attempts" in page and "15 minutes" in page


def test_sign_in_lockout_can_be_turned_off_for_load_tests(cdc: User, settings: pytest.FixtureRequest) -> None:
    settings.AXES_ENABLED = False  # type: ignore[attr-defined]
    client = Client()
    for _ in range(30):
        sign_in(client, "cdc", "wrong-guess")
    assert sign_in(client, "cdc", PASSWORD).status_code == 302


def test_citizen_sms_sign_in_is_not_counted_as_a_password_failure(cdc: User) -> None:
    client = Client()
    for _ in range(settings.SIGNIN_FAILURES_PER_ADDRESS):
        sign_in(client, f"guess{_}", "wrong-guess")
    # The address is locked for passwords, but a citizen's SMS code from it still works.
    from tests.accounts.test_citizen_signin import last_code

    client.post("/accounts/signin/", {"phone": "0912345678"}, REMOTE_ADDR="10.1.2.3")
    response = client.post("/accounts/signin/code/", {"code": last_code()}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302 and response["Location"] == "/accounts/me/"
    assert client.get("/accounts/me/").status_code == 200


def test_no_endpoint_hands_out_an_api_token_for_a_password() -> None:
    def views(patterns: list[URLPattern | URLResolver]) -> list[object]:
        found: list[object] = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                found += views(pattern.url_patterns)
            else:
                found.append(getattr(pattern.callback, "cls", pattern.callback))
        return found

    assert not [
        view
        for view in views(get_resolver().url_patterns)
        if view is ObtainAuthToken or (isinstance(view, type) and issubclass(view, ObtainAuthToken))
    ]
