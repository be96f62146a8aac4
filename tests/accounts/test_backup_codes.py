"""Backup codes for two-step sign-in: ten single-use codes given at enrolment, for the day
the phone with the authenticator app is lost."""

from __future__ import annotations

import re

import pytest
from django.test import Client, RequestFactory
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.test_two_factor_signin import code_for, enrolled, password_sign_in
from truyvet.accounts.models import User
from truyvet.accounts.services import two_factor_backup_codes_issue
from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError
from truyvet.lib.models import AuditEvent

pytestmark = pytest.mark.django_db

CODE = re.compile(r">([a-z2-9]{5}-[a-z2-9]{5})<")


def codes_on(html: str) -> list[str]:
    section = html.split('id="backup-codes"', 1)[1]
    return CODE.findall(section)


def test_enrolling_shows_ten_backup_codes_once(insider_client: Client, insider: User) -> None:
    insider_client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=insider)
    page = insider_client.post("/accounts/two-factor/setup/", {"code": code_for(device)})
    assert page.status_code == 200
    codes = codes_on(page.content.decode())
    assert len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=insider).count() == 10
    later = insider_client.get("/accounts/two-factor/setup/").content.decode()
    assert 'id="backup-codes"' not in later and not CODE.search(later), "the codes are shown only once"
    assert "10" in later, "the page says how many are left"


def test_a_backup_code_signs_in_once_instead_of_the_app(insider: User) -> None:
    enrolled(insider)
    client = password_sign_in("insider")
    codes = client.post("/accounts/two-factor/setup/")  # a session that owes its code cannot make codes
    assert codes.status_code == 302
    StaticDevice.objects.create(user=insider, name="backup", confirmed=True).token_set.create(token="abcde23456")

    response = client.post("/accounts/two-factor/", {"code": "ABCDE-23456"})
    assert response.status_code == 302
    assert client.get("/accounts/alerts/").status_code == 200
    assert AuditEvent.objects.filter(action="two_factor_backup_code_used", actor=insider).exists()

    again = password_sign_in("insider")
    refused = again.post("/accounts/two-factor/", {"code": "abcde 23456"})
    assert refused.status_code == 400, "a backup code works once"
    assert again.get("/accounts/alerts/")["Location"].startswith("/accounts/two-factor/")


def test_new_backup_codes_replace_the_old_ones(insider_client: Client, insider: User) -> None:
    enrolled(insider)
    StaticDevice.objects.create(user=insider, name="backup", confirmed=True).token_set.create(token="oldcode234")
    page = insider_client.post("/accounts/two-factor/setup/")
    codes = codes_on(page.content.decode())
    assert len(codes) == 10
    assert not StaticToken.objects.filter(token="oldcode234").exists()
    assert AuditEvent.objects.filter(action="two_factor_backup_codes_issued", actor=insider).exists()


def test_a_backup_code_is_not_accepted_without_an_authenticator(insider: User) -> None:
    device = enrolled(insider)
    client = password_sign_in("insider")
    StaticDevice.objects.create(user=insider, name="backup", confirmed=True).token_set.create(token="abcde23456")
    device.delete()
    # With the authenticator removed, the session owes no code; a backup code proves nothing more.
    response = client.post("/accounts/two-factor/", {"code": "abcde23456"})
    assert response.status_code == 302
    assert StaticToken.objects.filter(token="abcde23456").exists()


def test_backup_codes_need_an_authenticator(insider_client: Client, insider: User) -> None:
    page = insider_client.post("/accounts/two-factor/setup/", {"code": "12"})
    assert page.status_code == 200, "the enrolment form answers; no codes are made"
    assert not StaticDevice.objects.filter(user=insider).exists()
    with pytest.raises(DomainError) as refused:
        two_factor_backup_codes_issue(request=RequestFactory().post("/"), user=insider)
    assert refused.value.code == CoreError.NO_DEVICE
